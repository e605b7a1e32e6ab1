"""How the sandbox's GraphQL executes: GitHub's error types and messages, the request context, Relay cursors and
connections, and which schema type an object resolves to. The resolvers and `graphql_api.handle` build on it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLResolveInfo,
    OperationDefinitionNode,
)

from symphony_bot.sandbox import graphql_cost
from symphony_bot.sandbox.faults import Budget
from symphony_bot.sandbox.rest_render import Urls
from symphony_bot.sandbox.state import (
    InstallationToken,
    Issue,
    IssueComment,
    Label,
    PersonalToken,
    Reaction,
    Repository,
    SandboxError,
    SandboxState,
    User,
)

if TYPE_CHECKING:
    from symphony_bot.sandbox.git_repositories import BareRepositories

HTML_BASE = "https://github.com"


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


GRAPHQL_RESOURCE = "graphql"


class GitHubGraphQLError(Exception):
    """A resolver failure reported the way GitHub reports it: an `errors` entry with a `type`."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


@dataclass
class Context:
    state: SandboxState
    viewer: User
    cost: graphql_cost.QueryCost
    budget: Budget
    urls: Urls | None = None
    grant: InstallationToken | PersonalToken | None = None  # the token's limits (app_permissions.check)
    repositories: BareRepositories | None = None  # the git data behind `Repository.object`


Info = GraphQLResolveInfo[Context]


def context_of(info: Info) -> Context:
    context: Context = info.context
    return context


def select_operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((op for op in operations if op.name and op.name.value == name), None)


def is_dry_run(query: str, variables: dict[str, Any]) -> bool:
    """`rateLimit(dryRun: true)`: GitHub computes the cost without charging it."""
    compact = "".join(query.split())
    if "rateLimit(dryRun:true)" in compact:
        return True
    return any(value is True and f"rateLimit(dryRun:${name})" in compact for name, value in variables.items())


def result_payload(result: ExecutionResult) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if result.data is not None or result.errors is None:
        payload["data"] = result.data
    if result.errors:
        payload["errors"] = [format_error(error) for error in result.errors]
    return payload


def format_error(error: GraphQLError) -> dict[str, Any]:
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
    if isinstance(original, SandboxError) and original.errors and original.errors[0].get("message"):
        formatted["message"] = original.errors[0]["message"]  # GraphQL names the validation failure itself
    elif isinstance(original, GitHubGraphQLError | SandboxError):
        formatted["message"] = original.message
    else:
        formatted["message"] = error.message
    return formatted


def _error_type_for_status(status: int) -> str:
    return {403: FORBIDDEN, 404: NOT_FOUND}.get(status, UNPROCESSABLE)


@dataclass(frozen=True)
class RefObject:
    repo: Repository
    name: str
    oid: str


@dataclass(frozen=True)
class CommitObject:
    repo: Repository
    oid: str


@dataclass(frozen=True)
class BlobObject:
    repo: Repository
    oid: str
    data: bytes


@dataclass(frozen=True)
class TreeObject:
    repo: Repository
    oid: str


@dataclass(frozen=True)
class ReactionOn:
    reaction: Reaction
    subject: Issue | IssueComment


REF_NODE_PREFIX = "REF_kwDO"


def ref_node_id(repo: Repository, name: str) -> str:
    """A branch's global id: opaque, and decodable back to (repository id, branch name) for `deleteRef`."""
    tail = base64.urlsafe_b64encode(f"ref:{repo.id}:{name}".encode()).decode().rstrip("=")
    return f"{REF_NODE_PREFIX}{tail}"


def parse_ref_node_id(node_id: str) -> tuple[int, str] | None:
    if not node_id.startswith(REF_NODE_PREFIX):
        return None
    tail = node_id.removeprefix(REF_NODE_PREFIX)
    try:
        kind, repo_id, name = base64.urlsafe_b64decode(tail + "=" * (-len(tail) % 4)).decode().split(":", 2)
        return (int(repo_id), name) if kind == "ref" else None
    except (ValueError, UnicodeDecodeError):
        return None


def resolve_type(value: Any, info: Info, abstract_type: Any) -> str | None:
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
    if isinstance(value, Reaction | ReactionOn):
        return "Reaction"
    if isinstance(value, RefObject):
        return "Ref"
    if isinstance(value, CommitObject):
        return "Commit"
    if isinstance(value, BlobObject):
        return "Blob"
    if isinstance(value, TreeObject):
        return "Tree"
    return None


def edge_cursor(offset: int, key: int) -> str:
    """The cursor of the item at `offset` (with id `key`) in a connection, as `connection` writes it."""
    return _cursor(offset, key)


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


def connection(items: Sequence[Any], key: Callable[[Any], int], args: dict[str, Any]) -> dict[str, Any]:
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
