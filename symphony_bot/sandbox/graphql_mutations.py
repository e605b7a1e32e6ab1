"""GraphQL mutations: the state's rules, refused with GitHub's error types (`FORBIDDEN`, `NOT_FOUND`)."""

from __future__ import annotations

from typing import Any

from symphony_bot.sandbox.app_permissions import ISSUES_WRITE, PULLS_WRITE, AppPermission
from symphony_bot.sandbox.app_permissions import check as check_app_permission
from symphony_bot.sandbox.graphql_execution import (
    FORBIDDEN,
    MESSAGE_NO_PERMISSION,
    MESSAGE_NODE_NOT_FOUND,
    MESSAGE_REPOSITORY_NOT_FOUND,
    NOT_FOUND,
    REACTION_CONTENT_TO_REST,
    GitHubGraphQLError,
    Info,
    ReactionOn,
    context_of,
)
from symphony_bot.sandbox.graphql_resolvers import (
    lookup_node,
    repo_of,
)
from symphony_bot.sandbox.state import (
    MESSAGE_ACTIONS_CANNOT_CREATE_PULLS,
    MESSAGE_ARCHIVED,
    Issue,
    IssueComment,
    Repository,
    SandboxError,
)


def mutation_target(info: Info, node_id: str) -> Any:
    return lookup_node(info, node_id)


def require_app_permission(info: Info, repo: Repository, needs: AppPermission, mutation: str) -> None:
    """An installation token's permissions, refused as GitHub's GraphQL refuses them (`FORBIDDEN`)."""
    try:
        check_app_permission(context_of(info).grant, needs, repo)
    except SandboxError as error:
        if error.status == 404:
            raise GitHubGraphQLError(
                NOT_FOUND, MESSAGE_REPOSITORY_NOT_FOUND.format(owner=repo.owner, name=repo.name)
            ) from error
        message = error.message
        if message == MESSAGE_ACTIONS_CANNOT_CREATE_PULLS:
            message = f"{message.removesuffix('.')} ({mutation[0].lower()}{mutation[1:]})"
        raise GitHubGraphQLError(FORBIDDEN, message) from error


def set_draft(info: Info, payload_input: dict[str, Any], draft: bool, mutation: str) -> dict[str, Any]:
    context = context_of(info)
    node_id = payload_input["pullRequestId"]
    target = mutation_target(info, node_id)
    if not isinstance(target, Issue) or target.pull is None:
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_NODE_NOT_FOUND.format(node_id=node_id))
    require_app_permission(info, repo_of(context.state, target), PULLS_WRITE, mutation)
    try:
        context.state.set_draft(repo_of(context.state, target), target, draft, context.viewer.login)
    except SandboxError as error:
        if error.status == 403 and error.message != MESSAGE_ARCHIVED:
            raise GitHubGraphQLError(
                FORBIDDEN, MESSAGE_NO_PERMISSION.format(login=context.viewer.login, mutation=mutation)
            ) from error
        raise
    return {"pullRequest": target, "clientMutationId": payload_input.get("clientMutationId")}


def mutation_mark_ready(_root: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    return set_draft(info, input, False, "MarkPullRequestReadyForReview")


def mutation_convert_to_draft(_root: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    return set_draft(info, input, True, "ConvertPullRequestToDraft")


def mutation_add_reaction(_root: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    context = context_of(info)
    subject = mutation_target(info, input["subjectId"])
    if not isinstance(subject, Issue | IssueComment):
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_NODE_NOT_FOUND.format(node_id=input["subjectId"]))
    require_app_permission(info, repo_of(context.state, subject), ISSUES_WRITE, "AddReaction")
    content = REACTION_CONTENT_TO_REST[input["content"]]
    reaction, _created = context.state.add_reaction(
        repo_of(context.state, subject), subject, content, context.viewer.login
    )
    return {
        "reaction": ReactionOn(reaction, subject),
        "subject": subject,
        "clientMutationId": input.get("clientMutationId"),
    }
