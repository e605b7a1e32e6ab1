"""GraphQL for review threads: `PullRequest.reviewThreads` (with `isResolved`, `path`, `line`, `startLine`,
`diffSide` and the comments' `diffHunk`, author, body, `databaseId`), `addPullRequestReviewThreadReply` and
`resolveReviewThread` (https://docs.github.com/graphql/reference/objects#pullrequestreviewthread).

`REVIEW_RESOLVERS` is merged into graphql_api's table. A thread or comment id of a repository the viewer cannot
see is NOT_FOUND, as for every other node; a missing role is FORBIDDEN in GitHub's words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from symphony_bot.sandbox.app_permissions import PULLS_WRITE
from symphony_bot.sandbox.graphql_execution import (
    FORBIDDEN,
    MESSAGE_NO_PERMISSION,
    MESSAGE_NODE_NOT_FOUND,
    NOT_FOUND,
    GitHubGraphQLError,
    Info,
    connection,
    context_of,
)
from symphony_bot.sandbox.graphql_mutations import require_app_permission
from symphony_bot.sandbox.graphql_resolvers import actor, html, visible
from symphony_bot.sandbox.state import MESSAGE_ARCHIVED, Issue, Repository, SandboxError
from symphony_bot.sandbox.state.reviews import ReviewComment, ReviewThread

T = TypeVar("T")


def _repo(info: Info, repo_id: int) -> Repository:
    return context_of(info).state.repos[repo_id]


def pull_review_threads(issue: Issue, info: Info, **page: Any) -> dict[str, Any]:
    state = context_of(info).state
    threads = state.pull_review_threads(_repo(info, issue.repo_id), issue)
    return connection(threads, lambda thread: thread.id, page)


def thread_comments(thread: ReviewThread, info: Info, skip: int | None = None, **page: Any) -> dict[str, Any]:
    comments = context_of(info).state.thread_comments(thread)
    return connection(comments[skip or 0 :], lambda comment: comment.id, page)


def comment_url(comment: ReviewComment, info: Info) -> str:
    repo = _repo(info, comment.repo_id)
    return html(info, f"/{repo.full_name}/pull/{comment.pull_number}#discussion_r{comment.id}")


def comment_reply_to(comment: ReviewComment, info: Info) -> ReviewComment | None:
    if comment.in_reply_to_id is None:
        return None
    return context_of(info).state.review_comments.get(comment.in_reply_to_id)


def _thread_target(info: Info, node_id: str) -> tuple[Repository, ReviewThread]:
    context = context_of(info)
    found = context.state.review_node(node_id)
    if isinstance(found, ReviewThread):
        repo = context.state.repos.get(found.repo_id)
        if visible(context.state, context.viewer, repo) and repo is not None:
            return repo, found
    raise GitHubGraphQLError(NOT_FOUND, MESSAGE_NODE_NOT_FOUND.format(node_id=node_id))


def _as_github(info: Info, mutation: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except SandboxError as error:
        if error.status == 403 and error.message != MESSAGE_ARCHIVED:
            login = context_of(info).viewer.login
            raise GitHubGraphQLError(FORBIDDEN, MESSAGE_NO_PERMISSION.format(login=login, mutation=mutation)) from error
        raise


def mutation_add_thread_reply(_root: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    context = context_of(info)
    repo, thread = _thread_target(info, input["pullRequestReviewThreadId"])
    mutation = "AddPullRequestReviewThreadReply"
    require_app_permission(info, repo, PULLS_WRITE, mutation)
    login = context.viewer.login
    reply = _as_github(info, mutation, lambda: context.state.reply_to_thread(repo, thread, input["body"], login, login))
    return {"comment": reply, "clientMutationId": input.get("clientMutationId")}


def mutation_resolve_thread(_root: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    context = context_of(info)
    repo, thread = _thread_target(info, input["threadId"])
    mutation = "ResolveReviewThread"
    require_app_permission(info, repo, PULLS_WRITE, mutation)
    login = context.viewer.login
    _as_github(info, mutation, lambda: context.state.set_thread_resolved(repo, thread, True, login))
    return {"thread": thread, "clientMutationId": input.get("clientMutationId")}


def _attribute(getter: Callable[[Any], Any]) -> Callable[..., Any]:
    def resolve(value: Any, info: Info, **_args: Any) -> Any:
        return getter(value)

    return resolve


REVIEW_RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("PullRequest", "reviewThreads"): pull_review_threads,
    ("Mutation", "addPullRequestReviewThreadReply"): mutation_add_thread_reply,
    ("Mutation", "resolveReviewThread"): mutation_resolve_thread,
    ("PullRequestReviewThread", "id"): _attribute(lambda thread: thread.node_id),
    ("PullRequestReviewThread", "comments"): thread_comments,
    ("PullRequestReviewThread", "diffSide"): _attribute(lambda thread: thread.side),
    ("PullRequestReviewThread", "startDiffSide"): _attribute(lambda thread: thread.start_side),
    ("PullRequestReviewThread", "isResolved"): _attribute(lambda thread: thread.is_resolved),
    ("PullRequestReviewThread", "isOutdated"): _attribute(lambda thread: False),
    ("PullRequestReviewThread", "line"): _attribute(lambda thread: thread.line),
    ("PullRequestReviewThread", "startLine"): _attribute(lambda thread: thread.start_line),
    ("PullRequestReviewThread", "path"): _attribute(lambda thread: thread.path),
    ("PullRequestReviewThread", "resolvedBy"): lambda thread, info: actor(context_of(info).state, thread.resolved_by),
    ("PullRequestReviewComment", "id"): _attribute(lambda comment: comment.node_id),
    ("PullRequestReviewComment", "databaseId"): _attribute(lambda comment: comment.id),
    ("PullRequestReviewComment", "body"): _attribute(lambda comment: comment.body),
    ("PullRequestReviewComment", "createdAt"): _attribute(lambda comment: comment.created_at),
    ("PullRequestReviewComment", "diffHunk"): _attribute(lambda comment: comment.diff_hunk),
    ("PullRequestReviewComment", "line"): _attribute(lambda comment: comment.line),
    ("PullRequestReviewComment", "startLine"): _attribute(lambda comment: comment.start_line),
    ("PullRequestReviewComment", "path"): _attribute(lambda comment: comment.path),
    ("PullRequestReviewComment", "author"): lambda comment, info: actor(context_of(info).state, comment.user),
    ("PullRequestReviewComment", "url"): comment_url,
    ("PullRequestReviewComment", "replyTo"): comment_reply_to,
}
