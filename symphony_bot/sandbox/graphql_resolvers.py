"""GraphQL resolvers for `Query` (repository, viewer, node/nodes, rateLimit) and `Repository`, with the helpers over
the state that the other resolvers share.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from symphony_bot.sandbox.graphql_execution import (
    HTML_BASE,
    MESSAGE_ISSUE_NOT_FOUND,
    MESSAGE_NODE_NOT_FOUND,
    MESSAGE_PULL_NOT_FOUND,
    MESSAGE_REPOSITORY_NOT_FOUND,
    NOT_FOUND,
    GitHubGraphQLError,
    Info,
    ReactionOn,
    RefObject,
    connection,
    context_of,
    resolve_type,
)
from symphony_bot.sandbox.state import (
    Issue,
    IssueComment,
    Label,
    Reaction,
    Repository,
    SandboxState,
    User,
    updated_since,
)


def repo_of(state: SandboxState, item: Issue | IssueComment) -> Repository:
    return state.repos[item.repo_id]


def visible(state: SandboxState, viewer: User, repo: Repository | None) -> bool:
    return repo is not None and state.can_see(repo, viewer.login)


def actor(state: SandboxState, login: str | None) -> User | None:
    return state.user(login) if login else None


def html(info: Info, path: str) -> str:
    """A web URL; the same as REST's `html_url` for the same object when the server passes its `Urls`."""
    urls = context_of(info).urls
    return urls.html(path) if urls is not None else f"{HTML_BASE}{path}"


def repo_url(repo: Repository, info: Info) -> str:
    return html(info, f"/{repo.full_name}")


def order(items: list[Issue], order_by: dict[str, Any] | None, state: SandboxState) -> list[Issue]:
    """IssueOrder: CREATED_AT / UPDATED_AT / COMMENTS, ASC or DESC; GitHub's default is oldest first."""
    if not order_by:
        return sorted(items, key=lambda issue: issue.id)
    field_name, descending = order_by["field"], order_by["direction"] == "DESC"
    if field_name == "COMMENTS":
        return sorted(items, key=lambda issue: (len(issue.comment_ids), issue.id), reverse=descending)
    attribute = "updated_at" if field_name == "UPDATED_AT" else "created_at"
    return sorted(items, key=lambda issue: (getattr(issue, attribute), issue.id), reverse=descending)


def has_any_label(issue: Issue, wanted: Iterable[str]) -> bool:
    names = {name.lower() for name in issue.labels}
    return any(label.lower() in names for label in wanted)


def has_all_labels(issue: Issue, wanted: Iterable[str]) -> bool:
    names = {name.lower() for name in issue.labels}
    return all(label.lower() in names for label in wanted)


def pull_state(state: SandboxState, issue: Issue) -> str:
    return state.pull_state(issue)


def reaction_subject(state: SandboxState, reaction: Reaction) -> Issue | IssueComment | None:
    with state.lock:
        for comment in state.comments.values():
            if any(item.node_id == reaction.node_id for item in comment.reactions):
                return comment
        for repo in state.repos.values():
            for issue in repo.issues.values():
                if any(item.node_id == reaction.node_id for item in issue.reactions):
                    return issue
    return None


def query_repository(_root: Any, info: Info, owner: str, name: str, followRenames: bool = True) -> Repository:
    context = context_of(info)
    state = context.state
    repo = state.find_repo(owner, name)
    if repo is None and followRenames:
        repo = state.renamed_repo(owner, name)
    if repo is None or not visible(state, context.viewer, repo):
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_REPOSITORY_NOT_FOUND.format(owner=owner, name=name))
    return repo


def query_viewer(_root: Any, info: Info) -> User:
    return context_of(info).viewer


def lookup_node(info: Info, node_id: str) -> Any:
    context = context_of(info)
    found = context.state.node(node_id)
    if isinstance(found, Reaction):
        subject = reaction_subject(context.state, found)
        found = ReactionOn(found, subject) if subject is not None else None
    repo: Repository | None = None
    if isinstance(found, Issue | IssueComment):
        repo = repo_of(context.state, found)
    elif isinstance(found, ReactionOn):
        repo = repo_of(context.state, found.subject)
    elif isinstance(found, Repository):
        repo = found
    if repo is not None and not visible(context.state, context.viewer, repo):
        found = None
    if found is None or resolve_type(found, info, None) is None:
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_NODE_NOT_FOUND.format(node_id=node_id))
    return found


def query_node(_root: Any, info: Info, id: str) -> Any:
    return lookup_node(info, id)


def query_nodes(_root: Any, info: Info, ids: list[str]) -> list[Any]:
    found: list[Any] = []
    for node_id in ids:
        try:
            found.append(lookup_node(info, node_id))
        except GitHubGraphQLError as error:
            found.append(error)  # graphql-core raises it for this item: null there, an error at ["nodes", i]
    return found


def query_rate_limit(_root: Any, info: Info, dryRun: bool = False) -> dict[str, Any]:
    context = context_of(info)
    budget = context.budget
    return {
        "cost": context.cost.points,
        "limit": budget.limit,
        "nodeCount": context.cost.node_count,
        "remaining": max(budget.limit - budget.used, 0),
        "used": budget.used,
        "resetAt": datetime.fromtimestamp(budget.reset_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def repository_issues(
    repo: Repository,
    info: Info,
    *,
    labels: list[str] | None = None,
    states: list[str] | None = None,
    filterBy: dict[str, Any] | None = None,
    orderBy: dict[str, Any] | None = None,
    **page: Any,
) -> dict[str, Any]:
    state = context_of(info).state
    with state.lock:
        found = [issue for issue in repo.issues.values() if issue.pull is None]
    if labels is not None:
        found = [issue for issue in found if has_any_label(issue, labels)]
    if states:
        found = [issue for issue in found if issue.state.upper() in states]
    if filterBy:
        if filterBy.get("states"):
            found = [issue for issue in found if issue.state.upper() in filterBy["states"]]
        if filterBy.get("labels") is not None:
            found = [issue for issue in found if has_all_labels(issue, filterBy["labels"])]
        if filterBy.get("createdBy"):
            found = [issue for issue in found if issue.user.lower() == filterBy["createdBy"].lower()]
        if filterBy.get("since"):
            found = [issue for issue in found if updated_since(issue.updated_at, filterBy["since"])]
    return connection(order(found, orderBy, state), lambda issue: issue.id, page)


def repository_issue(repo: Repository, info: Info, number: int) -> Issue:
    issue = repo.issues.get(number)
    if issue is None or issue.pull is not None:
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_ISSUE_NOT_FOUND.format(number=number))
    return issue


def repository_pull_request(repo: Repository, info: Info, number: int) -> Issue:
    issue = repo.issues.get(number)
    if issue is None or issue.pull is None:
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_PULL_NOT_FOUND.format(number=number))
    return issue


def repository_pull_requests(
    repo: Repository,
    info: Info,
    *,
    states: list[str] | None = None,
    labels: list[str] | None = None,
    headRefName: str | None = None,
    baseRefName: str | None = None,
    orderBy: dict[str, Any] | None = None,
    **page: Any,
) -> dict[str, Any]:
    state = context_of(info).state
    with state.lock:
        found = [issue for issue in repo.issues.values() if issue.pull is not None]
    if states:
        found = [issue for issue in found if pull_state(state, issue) in states]
    if labels is not None:
        found = [issue for issue in found if has_any_label(issue, labels)]
    if headRefName is not None:
        found = [issue for issue in found if issue.pull is not None and issue.pull.head_ref == headRefName]
    if baseRefName is not None:
        found = [issue for issue in found if issue.pull is not None and issue.pull.base_ref == baseRefName]
    return connection(order(found, orderBy, state), lambda issue: issue.id, page)


def labels_connection(labels: list[Label], order_by: dict[str, Any] | None, page: dict[str, Any]) -> dict[str, Any]:
    descending = bool(order_by and order_by["direction"] == "DESC")
    if order_by and order_by["field"] == "NAME":
        ordered = sorted(labels, key=lambda label: (label.name.lower(), label.id), reverse=descending)
    else:
        ordered = sorted(labels, key=lambda label: label.id, reverse=descending)
    return connection(ordered, lambda label: label.id, page)


def repository_labels(
    repo: Repository,
    info: Info,
    query: str | None = None,
    orderBy: dict[str, Any] | None = None,
    **page: Any,
) -> dict[str, Any]:
    labels = list(repo.labels.values())
    if query:
        labels = [label for label in labels if query.lower() in label.name.lower()]
    return labels_connection(labels, orderBy, page)


def repository_default_branch_ref(repo: Repository, info: Info) -> RefObject | None:
    oid = repo.branches.get(repo.default_branch)
    return RefObject(repo, repo.default_branch, oid) if oid else None


def repository_owner(repo: Repository, info: Info) -> User:
    state = context_of(info).state
    return state.user(repo.owner) or state.add_user(repo.owner)


def repository_viewer_permission(repo: Repository, info: Info) -> str | None:
    """ADMIN / MAINTAIN / WRITE / TRIAGE / READ, or null when the viewer has none (as GitHub answers)."""
    context = context_of(info)
    permission = context.state.permission(repo, context.viewer.login)
    return None if permission == "none" else permission.upper()


def repository_ref(repo: Repository, info: Info, qualifiedName: str) -> RefObject | None:
    """`refs/heads/<branch>` or a bare branch name; null when there is no such branch."""
    name = qualifiedName.removeprefix("refs/heads/")
    oid = repo.branches.get(name)
    return RefObject(repo, name, oid) if oid else None


def comment_viewer_can_minimize(comment: IssueComment, info: Info) -> bool:
    context = context_of(info)
    permission = context.state.permission(repo_of(context.state, comment), context.viewer.login)
    return permission in ("write", "maintain", "admin")
