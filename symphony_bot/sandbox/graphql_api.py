"""The sandbox's GitHub GraphQL endpoint: `schema.graphql` (a checked subset of GitHub's) executed over the state.

The server routes `POST /graphql` here after authentication and fault injection:

    status, payload, points, operation_name = handle(state, viewer, body_bytes)

What GitHub does and this does too: HTTP 200 with `errors` for syntax, validation, pagination-limit, node-limit
and budget failures (no `data`); partial `data` plus typed errors (`NOT_FOUND`, `FORBIDDEN`, ...) when a field
cannot be resolved; every connection needs `first` or `last` (0..100); cost in points from GitHub's formula
(graphql_cost.py), charged against the user's hourly "graphql" budget that `rateLimit` reports; PRs are not issues;
renamed repositories are followed unless `followRenames: false`; private repositories the viewer cannot see do
not exist; bots' logins carry no `[bot]` suffix.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any
from urllib.parse import quote

from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    execute,
    parse,
    validate,
)
from graphql.error import GraphQLSyntaxError

from symphony_bot.sandbox import graphql_cost
from symphony_bot.sandbox.faults import Budget
from symphony_bot.sandbox.rest_render import Urls
from symphony_bot.sandbox.state import (
    MESSAGE_ARCHIVED,
    Issue,
    IssueComment,
    Label,
    Reaction,
    Repository,
    SandboxError,
    SandboxState,
    User,
)

SCHEMA_RESOURCE = "schema.graphql"
HTML_BASE = "https://github.com"
DEFAULT_POINTS_PER_HOUR = 5_000
BUDGET_WINDOW_SECONDS = 3_600
CURSOR_PREFIX = "cursor:v2:"
BOT_SUFFIX = "[bot]"

# GitHub's `type` values on GraphQL errors.
NOT_FOUND = "NOT_FOUND"
FORBIDDEN = "FORBIDDEN"
UNPROCESSABLE = "UNPROCESSABLE"
RATE_LIMITED = "RATE_LIMITED"
INVALID_CURSOR_ARGUMENTS = "INVALID_CURSOR_ARGUMENTS"

MESSAGE_BAD_JSON = "Problems parsing JSON"
MESSAGE_NO_QUERY = "A query attribute must be specified and must be a string."
MESSAGE_BAD_VARIABLES = "Variables must be a JSON object."
MESSAGE_RATE_LIMITED = "API rate limit already exceeded for user ID {user_id}."
MESSAGE_REPOSITORY_NOT_FOUND = "Could not resolve to a Repository with the name '{owner}/{name}'."
MESSAGE_ISSUE_NOT_FOUND = "Could not resolve to an Issue with the number of {number}."
MESSAGE_PULL_NOT_FOUND = "Could not resolve to a PullRequest with the number of {number}."
MESSAGE_NODE_NOT_FOUND = "Could not resolve to a node with the global id of '{node_id}'"
MESSAGE_NO_PERMISSION = "{login} does not have the correct permissions to execute `{mutation}`"
MESSAGE_BAD_CURSOR = "`{cursor}` does not appear to be a valid cursor."
DOCUMENTATION_URL = "https://docs.github.com/graphql"

REACTION_CONTENT_TO_REST = {
    "THUMBS_UP": "+1",
    "THUMBS_DOWN": "-1",
    "LAUGH": "laugh",
    "CONFUSED": "confused",
    "HEART": "heart",
    "HOORAY": "hooray",
    "ROCKET": "rocket",
    "EYES": "eyes",
}
REACTION_CONTENT_FROM_REST = {rest: graphql for graphql, rest in REACTION_CONTENT_TO_REST.items()}

HandleResult = tuple[int, dict[str, Any], int, str | None]


class GitHubGraphQLError(Exception):
    """A resolver failure reported the way GitHub reports it: an `errors` entry with a `type`."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


# ---- budgets ------------------------------------------------------------------------------------------------

GRAPHQL_RESOURCE = "graphql"


# ---- schema -------------------------------------------------------------------------------------------------


@functools.cache
def sandbox_schema() -> GraphQLSchema:
    """The served schema with resolvers attached (built once per process)."""
    sdl = resources.files("symphony_bot.sandbox").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema = build_schema(sdl)
    for (type_name, field_name), resolver in _RESOLVERS.items():
        schema.type_map[type_name].fields[field_name].resolve = resolver  # type: ignore[attr-defined]
    for type_name in ("Node", "Actor", "RepositoryOwner", "Reactable", "GitObject"):
        schema.type_map[type_name].resolve_type = _resolve_type  # type: ignore[attr-defined]
    return schema


# ---- the request --------------------------------------------------------------------------------------------


@dataclass
class Context:
    state: SandboxState
    viewer: User
    cost: graphql_cost.QueryCost
    budget: Budget
    urls: Urls | None = None


Info = GraphQLResolveInfo[Context]


def handle(state: SandboxState, viewer: User, body: bytes, urls: Urls | None = None) -> HandleResult:
    """Run one `POST /graphql` body for an authenticated viewer: (HTTP status, JSON payload, points, operation).

    The budget is the viewer's "graphql" budget in `state.rate_limits` (the one the `x-ratelimit-*` headers
    show): a query costing more than what is left is refused, `rateLimit` reports the budget after this query,
    and the CALLER charges the returned points. Pass the server's `Urls` so `url` fields match REST's
    `html_url`; without it they point at github.com.
    """
    try:
        request = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        return 400, {"message": MESSAGE_BAD_JSON, "documentation_url": DOCUMENTATION_URL}, 0, None
    if not isinstance(request, dict) or not isinstance(request.get("query"), str):
        return 200, {"errors": [{"message": MESSAGE_NO_QUERY}]}, 0, None
    query: str = request["query"]
    operation_name = request.get("operationName") if isinstance(request.get("operationName"), str) else None
    variables = request.get("variables") or {}
    if not isinstance(variables, dict):
        return 200, {"errors": [{"message": MESSAGE_BAD_VARIABLES}]}, 0, operation_name
    schema = sandbox_schema()
    try:
        document = parse(query)
    except GraphQLSyntaxError as error:
        return 200, {"errors": [_format_error(error)]}, 0, operation_name
    validation_errors = validate(schema, document)
    if validation_errors:
        return 200, {"errors": [_format_error(error) for error in validation_errors]}, 0, operation_name
    operation = _select_operation(document, operation_name)
    if operation is None:  # let graphql-core word the ambiguity (no operation, or a name that is not there)
        unresolved = execute(schema, document, operation_name=operation_name, variable_values=variables)
        if not isinstance(unresolved, ExecutionResult):  # pragma: no cover - nothing ran
            raise TypeError("the sandbox's resolvers must be synchronous")
        return 200, _payload(unresolved), 0, operation_name
    operation_name = operation.name.value if operation.name else operation_name
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    cost = graphql_cost.analyse(schema, operation, fragments, variables)
    if cost.problems:
        errors = [
            {
                "type": problem.kind,
                "path": list(problem.path),
                "locations": [{"line": problem.line, "column": problem.column}],
                "message": problem.message,
            }
            for problem in cost.problems
        ]
        return 200, {"errors": errors}, 0, operation_name
    dry_run = _is_dry_run(query, variables)
    charged = 0 if dry_run else cost.points
    budget = state.rate_limits.status(viewer.login, GRAPHQL_RESOURCE)
    if charged > budget.limit - budget.used:
        message = MESSAGE_RATE_LIMITED.format(user_id=viewer.id)
        return 200, {"errors": [{"type": RATE_LIMITED, "message": message}]}, 0, operation_name
    budget = Budget(budget.limit, budget.used + charged, budget.reset_at)  # as `rateLimit` reports it
    with state.lock:
        context = Context(state=state, viewer=viewer, cost=cost, budget=budget, urls=urls)
        result = execute(
            schema,
            document,
            root_value=None,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
        )
    if not isinstance(result, ExecutionResult):  # pragma: no cover - every resolver is synchronous
        raise TypeError("the sandbox's resolvers must be synchronous")
    if result.data is None:  # refused before anything ran (e.g. a variable of the wrong type): nothing to charge
        charged = 0
    return 200, _payload(result), charged, operation_name


def _select_operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((op for op in operations if op.name and op.name.value == name), None)


def _is_dry_run(query: str, variables: dict[str, Any]) -> bool:
    """`rateLimit(dryRun: true)`: GitHub computes the cost without charging it."""
    compact = "".join(query.split())
    if "rateLimit(dryRun:true)" in compact:
        return True
    return any(value is True and f"rateLimit(dryRun:${name})" in compact for name, value in variables.items())


def _payload(result: ExecutionResult) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if result.data is not None or result.errors is None:
        payload["data"] = result.data
    if result.errors:
        payload["errors"] = [_format_error(error) for error in result.errors]
    return payload


def _format_error(error: GraphQLError) -> dict[str, Any]:
    """GitHub's error shape: `type` (when known), `path`, `locations`, `message`."""
    formatted: dict[str, Any] = {}
    original = error.original_error
    if isinstance(original, GitHubGraphQLError):
        formatted["type"] = original.error_type
    elif isinstance(original, SandboxError):
        formatted["type"] = _error_type_for_status(original.status)
    if error.path is not None:
        formatted["path"] = list(error.path)
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    formatted["message"] = (
        original.message if isinstance(original, GitHubGraphQLError | SandboxError) else error.message
    )
    return formatted


def _error_type_for_status(status: int) -> str:
    return {403: FORBIDDEN, 404: NOT_FOUND}.get(status, UNPROCESSABLE)


# ---- objects that exist only in GraphQL ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Ref:
    repo: Repository
    name: str
    oid: str


@dataclass(frozen=True)
class _Commit:
    repo: Repository
    oid: str


@dataclass(frozen=True)
class _ReactionOn:
    reaction: Reaction
    subject: Issue | IssueComment


def _context(info: Info) -> Context:
    context: Context = info.context
    return context


def _resolve_type(value: Any, info: Info, abstract_type: Any) -> str | None:
    if isinstance(value, User):
        return value.type if value.type in ("User", "Bot", "Organization") else "User"
    if isinstance(value, Repository):
        return "Repository"
    if isinstance(value, Issue):
        return "PullRequest" if value.pull is not None else "Issue"
    if isinstance(value, IssueComment):
        return "IssueComment"
    if isinstance(value, Label):
        return "Label"
    if isinstance(value, Reaction | _ReactionOn):
        return "Reaction"
    if isinstance(value, _Ref):
        return "Ref"
    if isinstance(value, _Commit):
        return "Commit"
    return None


# ---- pagination ---------------------------------------------------------------------------------------------


def _cursor(offset: int, key: int) -> str:
    return base64.b64encode(f"{CURSOR_PREFIX}{offset}:{key}".encode()).decode()


def _cursor_position(cursor: str, keys: Sequence[int]) -> int:
    """The index of the item a cursor points at (by its key; by its offset if that item is gone)."""
    try:
        decoded = base64.b64decode(cursor.encode(), validate=True).decode()
        offset_text, key_text = decoded.removeprefix(CURSOR_PREFIX).split(":")
        offset, key = int(offset_text), int(key_text)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise GitHubGraphQLError(INVALID_CURSOR_ARGUMENTS, MESSAGE_BAD_CURSOR.format(cursor=cursor)) from error
    if not decoded.startswith(CURSOR_PREFIX):
        raise GitHubGraphQLError(INVALID_CURSOR_ARGUMENTS, MESSAGE_BAD_CURSOR.format(cursor=cursor))
    try:
        return keys.index(key)
    except ValueError:
        return min(offset, len(keys))


def _connection(items: Sequence[Any], key: Callable[[Any], int], args: dict[str, Any]) -> dict[str, Any]:
    """A Relay connection over `items` (already filtered and ordered), as GitHub pages it."""
    keys = [key(item) for item in items]
    start, end = 0, len(items)
    if args.get("after") is not None:
        start = _cursor_position(args["after"], keys) + 1
    if args.get("before") is not None:
        end = min(end, _cursor_position(args["before"], keys))
    end = max(start, end)
    window_start, window_end = start, end
    first, last = args.get("first"), args.get("last")
    if first is not None:
        window_end = min(window_end, window_start + first)
    if last is not None:
        window_start = max(window_start, window_end - last)
    edges = [{"cursor": _cursor(index, keys[index]), "node": items[index]} for index in range(window_start, window_end)]
    return {
        "totalCount": len(items),
        "nodes": [edge["node"] for edge in edges],
        "edges": edges,
        "pageInfo": {
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
            "hasNextPage": window_end < len(items),
            "hasPreviousPage": window_start > 0,
        },
    }


# ---- helpers over the state ---------------------------------------------------------------------------------


def _repo_of(state: SandboxState, item: Issue | IssueComment) -> Repository:
    return state.repos[item.repo_id]


def _visible(state: SandboxState, viewer: User, repo: Repository | None) -> bool:
    return repo is not None and state.can_see(repo, viewer.login)


def _actor(state: SandboxState, login: str | None) -> User | None:
    return state.user(login) if login else None


def _html(info: Info, path: str) -> str:
    """A web URL; the same as REST's `html_url` for the same object when the server passes its `Urls`."""
    urls = _context(info).urls
    return urls.html(path) if urls is not None else f"{HTML_BASE}{path}"


def _repo_url(repo: Repository, info: Info) -> str:
    return _html(info, f"/{repo.full_name}")


def _order(items: list[Issue], order_by: dict[str, Any] | None, state: SandboxState) -> list[Issue]:
    """IssueOrder: CREATED_AT / UPDATED_AT / COMMENTS, ASC or DESC; GitHub's default is oldest first."""
    if not order_by:
        return sorted(items, key=lambda issue: issue.id)
    field_name, descending = order_by["field"], order_by["direction"] == "DESC"
    if field_name == "COMMENTS":
        return sorted(items, key=lambda issue: (len(issue.comment_ids), issue.id), reverse=descending)
    attribute = "updated_at" if field_name == "UPDATED_AT" else "created_at"
    return sorted(items, key=lambda issue: (getattr(issue, attribute), issue.id), reverse=descending)


def _has_any_label(issue: Issue, wanted: Iterable[str]) -> bool:
    names = {name.lower() for name in issue.labels}
    return any(label.lower() in names for label in wanted)


def _has_all_labels(issue: Issue, wanted: Iterable[str]) -> bool:
    names = {name.lower() for name in issue.labels}
    return all(label.lower() in names for label in wanted)


def _pull_state(state: SandboxState, issue: Issue) -> str:
    return state.pull_state(issue)


# ---- Query --------------------------------------------------------------------------------------------------


def _query_repository(_root: Any, info: Info, owner: str, name: str, followRenames: bool = True) -> Repository:
    context = _context(info)
    state = context.state
    repo = state.find_repo(owner, name)
    if repo is None and followRenames:
        repo = state.renamed_repo(owner, name)
    if repo is None or not _visible(state, context.viewer, repo):
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_REPOSITORY_NOT_FOUND.format(owner=owner, name=name))
    return repo


def _query_viewer(_root: Any, info: Info) -> User:
    return _context(info).viewer


def _lookup_node(info: Info, node_id: str) -> Any:
    context = _context(info)
    found = context.state.node(node_id)
    if isinstance(found, Reaction):
        subject = _reaction_subject(context.state, found)
        found = _ReactionOn(found, subject) if subject is not None else None
    repo: Repository | None = None
    if isinstance(found, Issue | IssueComment):
        repo = _repo_of(context.state, found)
    elif isinstance(found, _ReactionOn):
        repo = _repo_of(context.state, found.subject)
    elif isinstance(found, Repository):
        repo = found
    if repo is not None and not _visible(context.state, context.viewer, repo):
        found = None
    if found is None or _resolve_type(found, info, None) is None:
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_NODE_NOT_FOUND.format(node_id=node_id))
    return found


def _query_node(_root: Any, info: Info, id: str) -> Any:
    return _lookup_node(info, id)


def _query_nodes(_root: Any, info: Info, ids: list[str]) -> list[Any]:
    found: list[Any] = []
    for node_id in ids:
        try:
            found.append(_lookup_node(info, node_id))
        except GitHubGraphQLError as error:
            found.append(error)  # graphql-core raises it for this item: null there, an error at ["nodes", i]
    return found


def _query_rate_limit(_root: Any, info: Info, dryRun: bool = False) -> dict[str, Any]:
    context = _context(info)
    budget = context.budget
    return {
        "cost": context.cost.points,
        "limit": budget.limit,
        "nodeCount": context.cost.node_count,
        "remaining": max(budget.limit - budget.used, 0),
        "used": budget.used,
        "resetAt": datetime.fromtimestamp(budget.reset_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


# ---- Repository ---------------------------------------------------------------------------------------------


def _repository_issues(
    repo: Repository,
    info: Info,
    *,
    labels: list[str] | None = None,
    states: list[str] | None = None,
    filterBy: dict[str, Any] | None = None,
    orderBy: dict[str, Any] | None = None,
    **page: Any,
) -> dict[str, Any]:
    state = _context(info).state
    with state.lock:
        found = [issue for issue in repo.issues.values() if issue.pull is None]
    if labels is not None:
        found = [issue for issue in found if _has_any_label(issue, labels)]
    if states:
        found = [issue for issue in found if issue.state.upper() in states]
    if filterBy:
        if filterBy.get("states"):
            found = [issue for issue in found if issue.state.upper() in filterBy["states"]]
        if filterBy.get("labels") is not None:
            found = [issue for issue in found if _has_all_labels(issue, filterBy["labels"])]
        if filterBy.get("createdBy"):
            found = [issue for issue in found if issue.user.lower() == filterBy["createdBy"].lower()]
        if filterBy.get("since"):
            found = [issue for issue in found if issue.updated_at >= filterBy["since"]]
    return _connection(_order(found, orderBy, state), lambda issue: issue.id, page)


def _repository_issue(repo: Repository, info: Info, number: int) -> Issue:
    issue = repo.issues.get(number)
    if issue is None or issue.pull is not None:
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_ISSUE_NOT_FOUND.format(number=number))
    return issue


def _repository_pull_request(repo: Repository, info: Info, number: int) -> Issue:
    issue = repo.issues.get(number)
    if issue is None or issue.pull is None:
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_PULL_NOT_FOUND.format(number=number))
    return issue


def _repository_pull_requests(
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
    state = _context(info).state
    with state.lock:
        found = [issue for issue in repo.issues.values() if issue.pull is not None]
    if states:
        found = [issue for issue in found if _pull_state(state, issue) in states]
    if labels is not None:
        found = [issue for issue in found if _has_any_label(issue, labels)]
    if headRefName is not None:
        found = [issue for issue in found if issue.pull is not None and issue.pull.head_ref == headRefName]
    if baseRefName is not None:
        found = [issue for issue in found if issue.pull is not None and issue.pull.base_ref == baseRefName]
    return _connection(_order(found, orderBy, state), lambda issue: issue.id, page)


def _labels_connection(labels: list[Label], order_by: dict[str, Any] | None, page: dict[str, Any]) -> dict[str, Any]:
    descending = bool(order_by and order_by["direction"] == "DESC")
    if order_by and order_by["field"] == "NAME":
        ordered = sorted(labels, key=lambda label: (label.name.lower(), label.id), reverse=descending)
    else:
        ordered = sorted(labels, key=lambda label: label.id, reverse=descending)
    return _connection(ordered, lambda label: label.id, page)


def _repository_labels(
    repo: Repository,
    info: Info,
    query: str | None = None,
    orderBy: dict[str, Any] | None = None,
    **page: Any,
) -> dict[str, Any]:
    labels = list(repo.labels.values())
    if query:
        labels = [label for label in labels if query.lower() in label.name.lower()]
    return _labels_connection(labels, orderBy, page)


def _repository_default_branch_ref(repo: Repository, info: Info) -> _Ref | None:
    oid = repo.branches.get(repo.default_branch)
    return _Ref(repo, repo.default_branch, oid) if oid else None


def _repository_owner(repo: Repository, info: Info) -> User:
    state = _context(info).state
    return state.user(repo.owner) or state.add_user(repo.owner)


# ---- Issue and PullRequest ----------------------------------------------------------------------------------


def _issue_url(issue: Issue, info: Info) -> str:
    repo = _repo_of(_context(info).state, issue)
    kind = "pull" if issue.pull is not None else "issues"
    return f"{_repo_url(repo, info)}/{kind}/{issue.number}"


def _issue_state(issue: Issue, info: Info) -> str:
    if issue.pull is not None:
        return _pull_state(_context(info).state, issue)
    return issue.state.upper()


def _issue_state_reason(issue: Issue, info: Info, enableDuplicate: bool = False) -> str | None:
    if issue.state_reason is None:
        return None
    reason = issue.state_reason.upper()
    # Clients that do not ask for DUPLICATE see it as NOT_PLANNED, as on GitHub.
    return "NOT_PLANNED" if reason == "DUPLICATE" and not enableDuplicate else reason


def _issue_labels(issue: Issue, info: Info, orderBy: dict[str, Any] | None = None, **page: Any) -> dict[str, Any]:
    state = _context(info).state
    return _labels_connection(state.issue_labels(_repo_of(state, issue), issue), orderBy, page)


def _issue_comments(issue: Issue, info: Info, **page: Any) -> dict[str, Any]:
    state = _context(info).state
    comments = state.issue_comments(_repo_of(state, issue), issue)
    return _connection(comments, lambda comment: comment.id, page)


def _visible_pulls(info: Info, pairs: list[tuple[Repository, Issue]]) -> list[Issue]:
    context = _context(info)
    return [item for repo, item in pairs if _visible(context.state, context.viewer, repo)]


def _issue_closed_by(
    issue: Issue,
    info: Info,
    includeClosedPrs: bool = False,
    orderByState: bool = False,
    userLinkedOnly: bool = False,
    **page: Any,
) -> dict[str, Any]:
    state = _context(info).state
    if userLinkedOnly:  # the sandbox has keyword links only, no sidebar links
        pulls: list[Issue] = []
    else:
        pairs = state.closed_by_pulls(_repo_of(state, issue), issue, include_closed=includeClosedPrs)
        pulls = _visible_pulls(info, pairs)
    if orderByState:
        pulls = sorted(pulls, key=lambda pull: _pull_state(state, pull) != "OPEN")
    return _connection(pulls, lambda pull: pull.id, page)


def _pull_closing_issues(
    issue: Issue,
    info: Info,
    orderBy: dict[str, Any] | None = None,
    userLinkedOnly: bool = False,
    **page: Any,
) -> dict[str, Any]:
    state = _context(info).state
    issues = [] if userLinkedOnly else _visible_pulls(info, state.closing_issues(issue))
    return _connection(_order(issues, orderBy, state) if orderBy else issues, lambda item: item.id, page)


def _pull(issue: Issue) -> Any:
    if issue.pull is None:  # pragma: no cover - the type resolver only sends PRs here
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_PULL_NOT_FOUND.format(number=issue.number))
    return issue.pull


def _pull_head_repository(issue: Issue, info: Info) -> Repository | None:
    context = _context(info)
    repo = context.state.repos.get(_pull(issue).head_repo_id)
    return repo if _visible(context.state, context.viewer, repo) else None


def _pull_head_repository_owner(issue: Issue, info: Info) -> User | None:
    repo = _pull_head_repository(issue, info)
    return _repository_owner(repo, info) if repo is not None else None


# ---- comments, reactions, actors ----------------------------------------------------------------------------


def _comment_url(comment: IssueComment, info: Info) -> str:
    state = _context(info).state
    repo = _repo_of(state, comment)
    parent = repo.issues.get(comment.issue_number)
    kind = "pull" if parent is not None and parent.pull is not None else "issues"
    return f"{_repo_url(repo, info)}/{kind}/{comment.issue_number}#issuecomment-{comment.id}"


def _label_url(label: Label, info: Info) -> str:
    state = _context(info).state
    with state.lock:
        repo = next(repo for repo in state.repos.values() if repo.labels.get(label.name.lower()) is label)
    return f"{_repo_url(repo, info)}/labels/{quote(label.name)}"


def _comment_issue(comment: IssueComment, info: Info) -> Issue:
    return _repo_of(_context(info).state, comment).issues[comment.issue_number]


def _reaction_subject(state: SandboxState, reaction: Reaction) -> Issue | IssueComment | None:
    with state.lock:
        for comment in state.comments.values():
            if any(item.node_id == reaction.node_id for item in comment.reactions):
                return comment
        for repo in state.repos.values():
            for issue in repo.issues.values():
                if any(item.node_id == reaction.node_id for item in issue.reactions):
                    return issue
    return None


def _reaction(value: Reaction | _ReactionOn) -> Reaction:
    return value.reaction if isinstance(value, _ReactionOn) else value


def _bot_login(user: User, info: Info) -> str:
    # REST says "github-actions[bot]"; GraphQL's Bot.login is "github-actions". `viewer` (a User) keeps the
    # suffix, as an installation token's viewer does on GitHub.
    return user.login.removesuffix(BOT_SUFFIX)


def _actor_url(user: User, info: Info) -> str:
    if user.type == "Bot":
        return _html(info, f"/apps/{user.login.removesuffix(BOT_SUFFIX)}")
    return _html(info, f"/{user.login}")


# ---- mutations ----------------------------------------------------------------------------------------------


def _mutation_target(info: Info, node_id: str) -> Any:
    return _lookup_node(info, node_id)


def _set_draft(info: Info, payload_input: dict[str, Any], draft: bool, mutation: str) -> dict[str, Any]:
    context = _context(info)
    node_id = payload_input["pullRequestId"]
    target = _mutation_target(info, node_id)
    if not isinstance(target, Issue) or target.pull is None:
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_NODE_NOT_FOUND.format(node_id=node_id))
    try:
        context.state.set_draft(_repo_of(context.state, target), target, draft, context.viewer.login)
    except SandboxError as error:
        if error.status == 403 and error.message != MESSAGE_ARCHIVED:
            raise GitHubGraphQLError(
                FORBIDDEN, MESSAGE_NO_PERMISSION.format(login=context.viewer.login, mutation=mutation)
            ) from error
        raise
    return {"pullRequest": target, "clientMutationId": payload_input.get("clientMutationId")}


def _mutation_mark_ready(_root: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    return _set_draft(info, input, False, "MarkPullRequestReadyForReview")


def _mutation_convert_to_draft(_root: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    return _set_draft(info, input, True, "ConvertPullRequestToDraft")


def _mutation_add_reaction(_root: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    context = _context(info)
    subject = _mutation_target(info, input["subjectId"])
    if not isinstance(subject, Issue | IssueComment):
        raise GitHubGraphQLError(NOT_FOUND, MESSAGE_NODE_NOT_FOUND.format(node_id=input["subjectId"]))
    content = REACTION_CONTENT_TO_REST[input["content"]]
    reaction, _created = context.state.add_reaction(
        _repo_of(context.state, subject), subject, content, context.viewer.login
    )
    return {
        "reaction": _ReactionOn(reaction, subject),
        "subject": subject,
        "clientMutationId": input.get("clientMutationId"),
    }


# ---- the resolver table -------------------------------------------------------------------------------------


def _attribute(getter: Callable[[Any], Any]) -> Callable[..., Any]:
    def resolve(value: Any, info: Info, **_args: Any) -> Any:
        return getter(value)

    return resolve


def _with_state(getter: Callable[[Any, SandboxState], Any]) -> Callable[..., Any]:
    def resolve(value: Any, info: Info, **_args: Any) -> Any:
        return getter(value, _context(info).state)

    return resolve


_ISSUE_LIKE: dict[str, Callable[..., Any]] = {
    "id": _attribute(lambda issue: issue.node_id),
    "number": _attribute(lambda issue: issue.number),
    "title": _attribute(lambda issue: issue.title),
    "body": _attribute(lambda issue: issue.body or ""),
    "url": _issue_url,
    "state": _issue_state,
    "closed": _attribute(lambda issue: issue.state == "closed"),
    "closedAt": _attribute(lambda issue: issue.closed_at),
    "createdAt": _attribute(lambda issue: issue.created_at),
    "updatedAt": _attribute(lambda issue: issue.updated_at),
    "author": _with_state(lambda issue, state: _actor(state, issue.user)),
    "repository": _with_state(lambda issue, state: _repo_of(state, issue)),
    "labels": _issue_labels,
}

_RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("Query", "repository"): _query_repository,
    ("Query", "viewer"): _query_viewer,
    ("Query", "node"): _query_node,
    ("Query", "nodes"): _query_nodes,
    ("Query", "rateLimit"): _query_rate_limit,
    ("Mutation", "markPullRequestReadyForReview"): _mutation_mark_ready,
    ("Mutation", "convertPullRequestToDraft"): _mutation_convert_to_draft,
    ("Mutation", "addReaction"): _mutation_add_reaction,
    ("Repository", "id"): _attribute(lambda repo: repo.node_id),
    ("Repository", "name"): _attribute(lambda repo: repo.name),
    ("Repository", "nameWithOwner"): _attribute(lambda repo: repo.full_name),
    ("Repository", "url"): _repo_url,
    ("Repository", "isArchived"): _attribute(lambda repo: repo.archived),
    ("Repository", "isPrivate"): _attribute(lambda repo: repo.private),
    ("Repository", "isFork"): _attribute(lambda repo: repo.parent_id is not None),
    ("Repository", "stargazerCount"): _attribute(lambda repo: 0),
    ("Repository", "defaultBranchRef"): _repository_default_branch_ref,
    ("Repository", "owner"): _repository_owner,
    ("Repository", "issues"): _repository_issues,
    ("Repository", "issue"): _repository_issue,
    ("Repository", "pullRequest"): _repository_pull_request,
    ("Repository", "pullRequests"): _repository_pull_requests,
    ("Repository", "labels"): _repository_labels,
    ("Ref", "id"): _attribute(lambda ref: f"REF_{ref.repo.node_id}_{ref.name}"),
    ("Ref", "name"): _attribute(lambda ref: ref.name),
    ("Ref", "prefix"): _attribute(lambda ref: "refs/heads/"),
    ("Ref", "target"): _attribute(lambda ref: _Commit(ref.repo, ref.oid)),
    ("Commit", "id"): _attribute(lambda commit: f"C_{commit.repo.node_id}_{commit.oid}"),
    ("Commit", "oid"): _attribute(lambda commit: commit.oid),
    **{("Issue", name): resolver for name, resolver in _ISSUE_LIKE.items()},
    ("Issue", "stateReason"): _issue_state_reason,
    ("Issue", "comments"): _issue_comments,
    ("Issue", "closedByPullRequestsReferences"): _issue_closed_by,
    **{("PullRequest", name): resolver for name, resolver in _ISSUE_LIKE.items()},
    ("PullRequest", "isDraft"): _attribute(lambda issue: _pull(issue).draft),
    ("PullRequest", "merged"): _attribute(lambda issue: _pull(issue).merged),
    ("PullRequest", "mergedAt"): _attribute(lambda issue: _pull(issue).merged_at),
    ("PullRequest", "headRefName"): _attribute(lambda issue: _pull(issue).head_ref),
    ("PullRequest", "headRefOid"): _attribute(lambda issue: _pull(issue).head_sha),
    ("PullRequest", "baseRefName"): _attribute(lambda issue: _pull(issue).base_ref),
    ("PullRequest", "isCrossRepository"): _attribute(lambda issue: _pull(issue).head_repo_id != issue.repo_id),
    ("PullRequest", "headRepository"): _pull_head_repository,
    ("PullRequest", "headRepositoryOwner"): _pull_head_repository_owner,
    ("PullRequest", "closingIssuesReferences"): _pull_closing_issues,
    ("IssueComment", "id"): _attribute(lambda comment: comment.node_id),
    ("IssueComment", "body"): _attribute(lambda comment: comment.body),
    ("IssueComment", "createdAt"): _attribute(lambda comment: comment.created_at),
    ("IssueComment", "updatedAt"): _attribute(lambda comment: comment.updated_at),
    ("IssueComment", "author"): _with_state(lambda comment, state: _actor(state, comment.user)),
    ("IssueComment", "url"): _comment_url,
    ("IssueComment", "issue"): _comment_issue,
    ("Label", "id"): _attribute(lambda label: label.node_id),
    ("Label", "name"): _attribute(lambda label: label.name),
    ("Label", "color"): _attribute(lambda label: label.color),
    ("Label", "url"): _label_url,
    ("Reaction", "id"): _attribute(lambda value: _reaction(value).node_id),
    ("Reaction", "content"): _attribute(lambda value: REACTION_CONTENT_FROM_REST[_reaction(value).content]),
    ("Reaction", "createdAt"): _attribute(lambda value: _reaction(value).created_at),
    ("Reaction", "user"): _with_state(lambda value, state: state.user(_reaction(value).user)),
    ("Reaction", "reactable"): _with_state(
        lambda value, state: value.subject if isinstance(value, _ReactionOn) else _reaction_subject(state, value)
    ),
    **{(kind, "id"): _attribute(lambda user: user.node_id) for kind in ("User", "Bot", "Organization")},
    ("User", "login"): _attribute(lambda user: user.login),
    ("Organization", "login"): _attribute(lambda user: user.login),
    ("Bot", "login"): _bot_login,
    **{(kind, "url"): _actor_url for kind in ("User", "Bot", "Organization")},
    ("User", "name"): _attribute(lambda user: user.name),
    ("Organization", "name"): _attribute(lambda user: user.name),
}
