"""GraphQL mutations: the state's rules, refused with GitHub's error types (`FORBIDDEN`, `NOT_FOUND`)."""

from __future__ import annotations

from typing import Any

from symphony_bot.sandbox.graphql_execution import (
    FORBIDDEN,
    MESSAGE_NO_PERMISSION,
    MESSAGE_NODE_NOT_FOUND,
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
    MESSAGE_ARCHIVED,
    Issue,
    IssueComment,
    SandboxError,
)


def mutation_target(info: Info, node_id: str) -> Any:
    return lookup_node(info, node_id)


def set_draft(info: Info, payload_input: dict[str, Any], draft: bool, mutation: str) -> dict[str, Any]:
    context = context_of(info)
    node_id = payload_input["pullRequestId"]
    target = mutation_target(info, node_id)
    if not isinstance(target, Issue) or target.pull is None:
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_NODE_NOT_FOUND.format(node_id=node_id))
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
    content = REACTION_CONTENT_TO_REST[input["content"]]
    reaction, _created = context.state.add_reaction(
        repo_of(context.state, subject), subject, content, context.viewer.login
    )
    return {
        "reaction": ReactionOn(reaction, subject),
        "subject": subject,
        "clientMutationId": input.get("clientMutationId"),
    }
