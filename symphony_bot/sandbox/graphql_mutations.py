"""GraphQL mutations: the state's rules, refused with GitHub's error types (`FORBIDDEN`, `NOT_FOUND`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from symphony_bot.sandbox.app_permissions import (
    CONTENTS_WRITE,
    ISSUES_WRITE,
    PULLS_CREATE,
    PULLS_READY,
    PULLS_WRITE,
    TARGET_WRITE,
    AppPermission,
)
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
    edge_cursor,
    parse_ref_node_id,
)
from symphony_bot.sandbox.graphql_resolvers import (
    lookup_node,
    repo_of,
)
from symphony_bot.sandbox.state import (
    MESSAGE_ACTIONS_CANNOT_CREATE_PULLS,
    MESSAGE_ARCHIVED,
    MESSAGE_LOCKED,
    Issue,
    IssueComment,
    Repository,
    SandboxError,
)

T = TypeVar("T")

# Refusals GraphQL repeats in its own words (no final period; `gh` prints them as "GraphQL: <message>
# (addComment)", open-telemetry/opentelemetry-dotnet#6554) rather than "<login> does not have the correct
# permissions": they are about the object, not the caller's role.
OBJECT_REFUSALS = frozenset({MESSAGE_LOCKED})


def mutation_target(info: Info, node_id: str) -> Any:
    return lookup_node(info, node_id)


def require_app_permission(
    info: Info, repo: Repository, needs: AppPermission, mutation: str, *, pull: bool | None = None
) -> None:
    """A token's permissions, refused as GitHub's GraphQL refuses them (`FORBIDDEN`)."""
    try:
        check_app_permission(context_of(info).grant, needs, repo, pull=pull)
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
    require_app_permission(info, repo_of(context.state, target), PULLS_READY, mutation)
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
    target = subject if isinstance(subject, Issue) else context.state.issue_of_comment(subject)
    pull = target.is_pull if target is not None else None
    require_app_permission(info, repo_of(context.state, subject), TARGET_WRITE, "AddReaction", pull=pull)
    content = REACTION_CONTENT_TO_REST[input["content"]]
    reaction, _created = context.state.add_reaction(
        repo_of(context.state, subject), subject, content, context.viewer.login
    )
    return {
        "reaction": ReactionOn(reaction, subject),
        "subject": subject,
        "clientMutationId": input.get("clientMutationId"),
    }


def _as_github(info: Info, mutation: str, call: Callable[[], T]) -> T:
    """Run a state change; a missing role is GitHub's FORBIDDEN "<login> does not have the correct permissions"."""
    try:
        return call()
    except SandboxError as error:
        if error.message in OBJECT_REFUSALS:
            raise GitHubGraphQLError(FORBIDDEN, error.message.removesuffix(".")) from error
        if error.status == 403 and error.message != MESSAGE_ARCHIVED:
            login = context_of(info).viewer.login
            raise GitHubGraphQLError(FORBIDDEN, MESSAGE_NO_PERMISSION.format(login=login, mutation=mutation)) from error
        raise


def _pull_target(info: Info, node_id: str) -> Issue:
    target = mutation_target(info, node_id)
    if not isinstance(target, Issue) or target.pull is None:
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_NODE_NOT_FOUND.format(node_id=node_id))
    return target


def _comment_target(info: Info, node_id: str) -> IssueComment:
    target = mutation_target(info, node_id)
    if not isinstance(target, IssueComment):
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_NODE_NOT_FOUND.format(node_id=node_id))
    return target


def mutation_create_pull(_root: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    context = context_of(info)
    repo = mutation_target(info, input["repositoryId"])
    if not isinstance(repo, Repository):
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_NODE_NOT_FOUND.format(node_id=input["repositoryId"]))
    head = input["headRefName"]
    if input.get("headRepositoryId"):
        head_repo = mutation_target(info, input["headRepositoryId"])
        if not isinstance(head_repo, Repository):
            raise GitHubGraphQLError(NOT_FOUND, MESSAGE_NODE_NOT_FOUND.format(node_id=input["headRepositoryId"]))
        head = f"{head_repo.owner}:{head}"
    require_app_permission(info, repo, PULLS_CREATE, "CreatePullRequest")
    login = context.viewer.login
    issue = _as_github(
        info,
        "CreatePullRequest",
        lambda: context.state.open_pull(
            repo,
            title=input["title"],
            head=head,
            base=input["baseRefName"],
            body=input.get("body"),
            draft=bool(input.get("draft", False)),
            author=login,
            actor=login,
            maintainer_can_modify=bool(input.get("maintainerCanModify", True)),
        ),
    )
    return {"pullRequest": issue, "clientMutationId": input.get("clientMutationId")}


def _update_pull(info: Info, input: dict[str, Any], mutation: str, **changes: Any) -> dict[str, Any]:
    context = context_of(info)
    target = _pull_target(info, input["pullRequestId"])
    repo = repo_of(context.state, target)
    require_app_permission(info, repo, PULLS_WRITE, mutation)
    _as_github(info, mutation, lambda: context.state.update_pull(repo, target, context.viewer.login, **changes))
    return {"pullRequest": target, "clientMutationId": input.get("clientMutationId")}


def mutation_update_pull(_root: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    state = input.get("state")
    return _update_pull(
        info,
        input,
        "UpdatePullRequest",
        title=input.get("title"),
        body=input.get("body"),
        set_body="body" in input,
        base=input.get("baseRefName"),
        state=state.lower() if state else None,
    )


def mutation_close_pull(_root: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    return _update_pull(info, input, "ClosePullRequest", state="closed")


def mutation_reopen_pull(_root: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    return _update_pull(info, input, "ReopenPullRequest", state="open")


def mutation_add_comment(_root: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    context = context_of(info)
    subject = mutation_target(info, input["subjectId"])
    if not isinstance(subject, Issue):
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_NODE_NOT_FOUND.format(node_id=input["subjectId"]))
    repo = repo_of(context.state, subject)
    require_app_permission(info, repo, TARGET_WRITE, "AddComment", pull=subject.is_pull)
    login = context.viewer.login
    comment = _as_github(
        info, "AddComment", lambda: context.state.create_comment(repo, subject, input["body"], login, login)
    )
    edge = {"cursor": edge_cursor(len(subject.comment_ids) - 1, comment.id), "node": comment}
    return {"commentEdge": edge, "subject": subject, "clientMutationId": input.get("clientMutationId")}


def mutation_update_comment(_root: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    context = context_of(info)
    comment = _comment_target(info, input["id"])
    repo = repo_of(context.state, comment)
    require_app_permission(info, repo, ISSUES_WRITE, "UpdateIssueComment")
    login = context.viewer.login
    _as_github(info, "UpdateIssueComment", lambda: context.state.update_comment(repo, comment, input["body"], login))
    return {"issueComment": comment, "clientMutationId": input.get("clientMutationId")}


def mutation_minimize_comment(_root: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    context = context_of(info)
    comment = _comment_target(info, input["subjectId"])
    repo = repo_of(context.state, comment)
    require_app_permission(info, repo, ISSUES_WRITE, "MinimizeComment")
    reason = input["classifier"].lower().replace("_", "-")  # OFF_TOPIC -> off-topic, as minimizedReason reads
    login = context.viewer.login
    _as_github(info, "MinimizeComment", lambda: context.state.minimize_comment(repo, comment, reason, login))
    return {"minimizedComment": comment, "clientMutationId": input.get("clientMutationId")}


def mutation_delete_ref(_root: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    context = context_of(info)
    parsed = parse_ref_node_id(input["refId"])
    repo = context.state.repos.get(parsed[0]) if parsed is not None else None
    if parsed is None or repo is None or not context.state.can_see(repo, context.viewer.login):
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_NODE_NOT_FOUND.format(node_id=input["refId"]))
    require_app_permission(info, repo, CONTENTS_WRITE, "DeleteRef")
    login = context.viewer.login
    _as_github(info, "DeleteRef", lambda: context.state.delete_branch(repo, parsed[1], login))
    return {"clientMutationId": input.get("clientMutationId")}
