"""GraphQL resolvers for `Issue`, `PullRequest`, `IssueComment`, `Label`, `Reaction` and actors."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from symphony_bot.sandbox.graphql_execution import (
    BOT_SUFFIX,
    MESSAGE_PULL_NOT_FOUND,
    NOT_FOUND,
    GitHubGraphQLError,
    Info,
    ReactionOn,
    connection,
    context_of,
)
from symphony_bot.sandbox.graphql_resolvers import (
    html,
    labels_connection,
    order,
    pull_state,
    repo_of,
    repo_url,
    repository_owner,
    visible,
)
from symphony_bot.sandbox.state import (
    Issue,
    IssueComment,
    Label,
    Reaction,
    Repository,
    User,
)


def issue_url(issue: Issue, info: Info) -> str:
    repo = repo_of(context_of(info).state, issue)
    kind = "pull" if issue.pull is not None else "issues"
    return f"{repo_url(repo, info)}/{kind}/{issue.number}"


def issue_state(issue: Issue, info: Info) -> str:
    if issue.pull is not None:
        return pull_state(context_of(info).state, issue)
    return issue.state.upper()


def issue_state_reason(issue: Issue, info: Info, enableDuplicate: bool = False) -> str | None:
    if issue.state_reason is None:
        return None
    reason = issue.state_reason.upper()
    # Clients that do not ask for DUPLICATE see it as NOT_PLANNED, as on GitHub.
    return "NOT_PLANNED" if reason == "DUPLICATE" and not enableDuplicate else reason


def issue_labels(issue: Issue, info: Info, orderBy: dict[str, Any] | None = None, **page: Any) -> dict[str, Any]:
    state = context_of(info).state
    return labels_connection(state.issue_labels(repo_of(state, issue), issue), orderBy, page)


def issue_comments(issue: Issue, info: Info, **page: Any) -> dict[str, Any]:
    state = context_of(info).state
    comments = state.issue_comments(repo_of(state, issue), issue)
    return connection(comments, lambda comment: comment.id, page)


def visible_pulls(info: Info, pairs: list[tuple[Repository, Issue]]) -> list[Issue]:
    context = context_of(info)
    return [item for repo, item in pairs if visible(context.state, context.viewer, repo)]


def issue_closed_by(
    issue: Issue,
    info: Info,
    includeClosedPrs: bool = False,
    orderByState: bool = False,
    userLinkedOnly: bool = False,
    **page: Any,
) -> dict[str, Any]:
    state = context_of(info).state
    if userLinkedOnly:  # the sandbox has keyword links only, no sidebar links
        pulls: list[Issue] = []
    else:
        pairs = state.closed_by_pulls(repo_of(state, issue), issue, include_closed=includeClosedPrs)
        pulls = visible_pulls(info, pairs)
    if orderByState:
        pulls = sorted(pulls, key=lambda pull: pull_state(state, pull) != "OPEN")
    return connection(pulls, lambda pull: pull.id, page)


def pull_closing_issues(
    issue: Issue,
    info: Info,
    orderBy: dict[str, Any] | None = None,
    userLinkedOnly: bool = False,
    **page: Any,
) -> dict[str, Any]:
    state = context_of(info).state
    issues = [] if userLinkedOnly else visible_pulls(info, state.closing_issues(issue))
    return connection(order(issues, orderBy, state) if orderBy else issues, lambda item: item.id, page)


def pull(issue: Issue) -> Any:
    if issue.pull is None:  # pragma: no cover - the type resolver only sends PRs here
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_PULL_NOT_FOUND.format(number=issue.number))
    return issue.pull


def pull_head_repository(issue: Issue, info: Info) -> Repository | None:
    context = context_of(info)
    repo = context.state.repos.get(pull(issue).head_repo_id)
    return repo if visible(context.state, context.viewer, repo) else None


def pull_head_repository_owner(issue: Issue, info: Info) -> User | None:
    repo = pull_head_repository(issue, info)
    return repository_owner(repo, info) if repo is not None else None


def comment_url(comment: IssueComment, info: Info) -> str:
    state = context_of(info).state
    repo = repo_of(state, comment)
    parent = repo.issues.get(comment.issue_number)
    kind = "pull" if parent is not None and parent.pull is not None else "issues"
    return f"{repo_url(repo, info)}/{kind}/{comment.issue_number}#issuecomment-{comment.id}"


def label_url(label: Label, info: Info) -> str:
    state = context_of(info).state
    with state.lock:
        repo = next(repo for repo in state.repos.values() if repo.labels.get(label.name.lower()) is label)
    return f"{repo_url(repo, info)}/labels/{quote(label.name)}"


def comment_issue(comment: IssueComment, info: Info) -> Issue:
    return repo_of(context_of(info).state, comment).issues[comment.issue_number]


def reaction(value: Reaction | ReactionOn) -> Reaction:
    return value.reaction if isinstance(value, ReactionOn) else value


def bot_login(user: User, info: Info) -> str:
    # REST says "github-actions[bot]"; GraphQL's Bot.login is "github-actions". `viewer` (a User) keeps the
    # suffix, as an installation token's viewer does on GitHub.
    return user.login.removesuffix(BOT_SUFFIX)


def actor_url(user: User, info: Info) -> str:
    if user.type == "Bot":
        return html(info, f"/apps/{user.login.removesuffix(BOT_SUFFIX)}")
    return html(info, f"/{user.login}")
