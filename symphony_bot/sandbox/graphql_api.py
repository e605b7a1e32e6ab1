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

import functools
import json
from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING, Any

from graphql import (
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLSchema,
    build_schema,
    execute,
    parse,
    validate,
)
from graphql.error import GraphQLSyntaxError

from symphony_bot.sandbox import graphql_cost
from symphony_bot.sandbox.app_permissions import (
    CONTENTS_READ,
    ISSUES_READ,
    PULLS_READ,
    AppPermission,
)
from symphony_bot.sandbox.app_permissions import check as check_app_permission
from symphony_bot.sandbox.faults import Budget, rate_limit_error
from symphony_bot.sandbox.graphql_edits import EDIT_RESOLVERS
from symphony_bot.sandbox.graphql_execution import (
    DOCUMENTATION_URL,
    FORBIDDEN,
    GRAPHQL_RESOURCE,
    MESSAGE_BAD_JSON,
    MESSAGE_BAD_VARIABLES,
    MESSAGE_NO_QUERY,
    REACTION_CONTENT_FROM_REST,
    CommitObject,
    Context,
    GitHubGraphQLError,
    Info,
    ReactionOn,
    context_of,
    format_error,
    is_dry_run,
    ref_node_id,
    resolve_type,
    result_payload,
    select_operation,
)
from symphony_bot.sandbox.graphql_mutations import (
    mutation_add_comment,
    mutation_add_reaction,
    mutation_close_pull,
    mutation_convert_to_draft,
    mutation_create_pull,
    mutation_delete_ref,
    mutation_mark_ready,
    mutation_minimize_comment,
    mutation_reopen_pull,
    mutation_update_comment,
    mutation_update_pull,
)
from symphony_bot.sandbox.graphql_objects import BLOB_TEXT_LIMIT_BYTES, blob_is_binary, blob_text, repository_object
from symphony_bot.sandbox.graphql_resolvers import (
    actor,
    comment_viewer_can_minimize,
    query_node,
    query_nodes,
    query_rate_limit,
    query_repository,
    query_viewer,
    reaction_subject,
    repo_of,
    repo_url,
    repository_default_branch_ref,
    repository_issue,
    repository_issues,
    repository_labels,
    repository_owner,
    repository_pull_request,
    repository_pull_requests,
    repository_ref,
    repository_viewer_permission,
)
from symphony_bot.sandbox.graphql_resolvers_issues import (
    actor_url,
    bot_login,
    comment_issue,
    comment_url,
    issue_closed_by,
    issue_comments,
    issue_labels,
    issue_state,
    issue_state_reason,
    issue_url,
    label_url,
    pull,
    pull_closing_issues,
    pull_head_repository,
    pull_head_repository_owner,
    reaction,
)
from symphony_bot.sandbox.graphql_reviews import REVIEW_RESOLVERS
from symphony_bot.sandbox.rest_render import Urls
from symphony_bot.sandbox.state import (
    InstallationToken,
    PersonalToken,
    Repository,
    SandboxError,
    SandboxState,
    User,
)

if TYPE_CHECKING:
    from symphony_bot.sandbox.git_repositories import BareRepositories

SCHEMA_RESOURCE = "schema.graphql"


DEFAULT_POINTS_PER_HOUR = 5_000


BUDGET_WINDOW_SECONDS = 3_600


HandleResult = tuple[int, dict[str, Any], int, str | None]


@functools.cache
def sandbox_schema() -> GraphQLSchema:
    """The served schema with resolvers attached (built once per process)."""
    sdl = resources.files("symphony_bot.sandbox").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema = build_schema(sdl)
    for (type_name, field_name), resolver in _RESOLVERS.items():
        schema.type_map[type_name].fields[field_name].resolve = resolver  # type: ignore[attr-defined]
    for type_name in ("Node", "Actor", "RepositoryOwner", "Reactable", "GitObject", "Minimizable"):
        schema.type_map[type_name].resolve_type = resolve_type  # type: ignore[attr-defined]
    return schema


def handle(
    state: SandboxState,
    viewer: User,
    body: bytes,
    urls: Urls | None = None,
    grant: InstallationToken | PersonalToken | None = None,
    *,
    repositories: BareRepositories | None = None,
) -> HandleResult:
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
        return 200, {"errors": [format_error(error)]}, 0, operation_name
    validation_errors = validate(schema, document)
    if validation_errors:
        return 200, {"errors": [format_error(error) for error in validation_errors]}, 0, operation_name
    operation = select_operation(document, operation_name)
    if operation is None:  # let graphql-core word the ambiguity (no operation, or a name that is not there)
        unresolved = execute(schema, document, operation_name=operation_name, variable_values=variables)
        if not isinstance(unresolved, ExecutionResult):  # pragma: no cover - nothing ran
            raise TypeError("the sandbox's resolvers must be synchronous")
        return 200, result_payload(unresolved), 0, operation_name
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
    dry_run = is_dry_run(query, variables)
    charged = 0 if dry_run else cost.points
    budget = state.rate_limits.status(viewer.login, GRAPHQL_RESOURCE)
    if charged > budget.limit - budget.used:
        spent = rate_limit_error(state.graphql_rate_limit_shape, viewer.id)
        return 200, {"errors": [spent]}, 0, operation_name
    budget = Budget(budget.limit, budget.used + charged, budget.reset_at)  # as `rateLimit` reports it
    with state.lock:
        context = Context(state, viewer, cost, budget, urls=urls, grant=grant, repositories=repositories)
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
    return 200, result_payload(result), charged, operation_name


def _attribute(getter: Callable[[Any], Any]) -> Callable[..., Any]:
    def resolve(value: Any, info: Info, **_args: Any) -> Any:
        return getter(value)

    return resolve


def _with_state(getter: Callable[[Any, SandboxState], Any]) -> Callable[..., Any]:
    def resolve(value: Any, info: Info, **_args: Any) -> Any:
        return getter(value, context_of(info).state)

    return resolve


_ISSUE_LIKE: dict[str, Callable[..., Any]] = {
    "id": _attribute(lambda issue: issue.node_id),
    "number": _attribute(lambda issue: issue.number),
    "title": _attribute(lambda issue: issue.title),
    "body": _attribute(lambda issue: issue.body or ""),
    "url": issue_url,
    "state": issue_state,
    "closed": _attribute(lambda issue: issue.state == "closed"),
    "closedAt": _attribute(lambda issue: issue.closed_at),
    "createdAt": _attribute(lambda issue: issue.created_at),
    "updatedAt": _attribute(lambda issue: issue.updated_at),
    "author": _with_state(lambda issue, state: actor(state, issue.user)),
    "repository": _with_state(lambda issue, state: repo_of(state, issue)),
    "labels": issue_labels,
}


def _permitted(needs: AppPermission, resolver: Callable[..., Any]) -> Callable[..., Any]:
    """A Repository field an installation or fine-grained token reads only with `needs` on a private repository
    (REST refuses the same reads): FORBIDDEN "Resource not accessible by integration" on that field, as GitHub's
    GraphQL answers per field while the rest of the query resolves."""

    def checked(repo: Repository, info: Info, *args: Any, **kwargs: Any) -> Any:
        try:
            check_app_permission(context_of(info).grant, needs, repo)
        except SandboxError as error:
            raise GitHubGraphQLError(FORBIDDEN, error.message) from error
        return resolver(repo, info, *args, **kwargs)

    return checked


_RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("Query", "repository"): query_repository,
    ("Query", "viewer"): query_viewer,
    ("Query", "node"): query_node,
    ("Query", "nodes"): query_nodes,
    ("Query", "rateLimit"): query_rate_limit,
    ("Mutation", "markPullRequestReadyForReview"): mutation_mark_ready,
    ("Mutation", "convertPullRequestToDraft"): mutation_convert_to_draft,
    ("Mutation", "addReaction"): mutation_add_reaction,
    ("Mutation", "createPullRequest"): mutation_create_pull,
    ("Mutation", "updatePullRequest"): mutation_update_pull,
    ("Mutation", "closePullRequest"): mutation_close_pull,
    ("Mutation", "reopenPullRequest"): mutation_reopen_pull,
    ("Mutation", "addComment"): mutation_add_comment,
    ("Mutation", "updateIssueComment"): mutation_update_comment,
    ("Mutation", "minimizeComment"): mutation_minimize_comment,
    ("Mutation", "deleteRef"): mutation_delete_ref,
    ("Repository", "viewerPermission"): repository_viewer_permission,
    ("Repository", "ref"): _permitted(CONTENTS_READ, repository_ref),
    ("Repository", "object"): _permitted(CONTENTS_READ, repository_object),
    ("Blob", "id"): _attribute(lambda blob: f"B_{blob.repo.node_id}_{blob.oid}"),
    ("Blob", "oid"): _attribute(lambda blob: blob.oid),
    ("Blob", "byteSize"): _attribute(lambda blob: len(blob.data)),
    ("Blob", "isBinary"): _attribute(blob_is_binary),
    ("Blob", "isTruncated"): _attribute(lambda blob: len(blob.data) > BLOB_TEXT_LIMIT_BYTES),
    ("Blob", "text"): _attribute(blob_text),
    ("Tree", "id"): _attribute(lambda tree: f"T_{tree.repo.node_id}_{tree.oid}"),
    ("Tree", "oid"): _attribute(lambda tree: tree.oid),
    ("IssueComment", "isMinimized"): _attribute(lambda comment: comment.minimized_reason is not None),
    ("IssueComment", "minimizedReason"): _attribute(lambda comment: comment.minimized_reason),
    ("IssueComment", "viewerCanMinimize"): comment_viewer_can_minimize,
    ("Repository", "id"): _attribute(lambda repo: repo.node_id),
    ("Repository", "name"): _attribute(lambda repo: repo.name),
    ("Repository", "nameWithOwner"): _attribute(lambda repo: repo.full_name),
    ("Repository", "url"): repo_url,
    ("Repository", "isArchived"): _attribute(lambda repo: repo.archived),
    ("Repository", "isPrivate"): _attribute(lambda repo: repo.private),
    ("Repository", "isFork"): _attribute(lambda repo: repo.parent_id is not None),
    ("Repository", "stargazerCount"): _attribute(lambda repo: 0),
    ("Repository", "defaultBranchRef"): _permitted(CONTENTS_READ, repository_default_branch_ref),
    ("Repository", "owner"): repository_owner,
    ("Repository", "issues"): _permitted(ISSUES_READ, repository_issues),
    ("Repository", "issue"): _permitted(ISSUES_READ, repository_issue),
    ("Repository", "pullRequest"): _permitted(PULLS_READ, repository_pull_request),
    ("Repository", "pullRequests"): _permitted(PULLS_READ, repository_pull_requests),
    ("Repository", "labels"): _permitted(ISSUES_READ, repository_labels),
    ("Ref", "id"): _attribute(lambda ref: ref_node_id(ref.repo, ref.name)),
    ("Ref", "name"): _attribute(lambda ref: ref.name),
    ("Ref", "prefix"): _attribute(lambda ref: "refs/heads/"),
    ("Ref", "target"): _attribute(lambda ref: CommitObject(ref.repo, ref.oid)),
    ("Commit", "id"): _attribute(lambda commit: f"C_{commit.repo.node_id}_{commit.oid}"),
    ("Commit", "oid"): _attribute(lambda commit: commit.oid),
    **{("Issue", name): resolver for name, resolver in _ISSUE_LIKE.items()},
    ("Issue", "stateReason"): issue_state_reason,
    ("Issue", "comments"): issue_comments,
    ("Issue", "closedByPullRequestsReferences"): issue_closed_by,
    **{("PullRequest", name): resolver for name, resolver in _ISSUE_LIKE.items()},
    ("PullRequest", "isDraft"): _attribute(lambda issue: pull(issue).draft),
    ("PullRequest", "merged"): _attribute(lambda issue: pull(issue).merged),
    ("PullRequest", "mergedAt"): _attribute(lambda issue: pull(issue).merged_at),
    ("PullRequest", "headRefName"): _attribute(lambda issue: pull(issue).head_ref),
    ("PullRequest", "headRefOid"): _attribute(lambda issue: pull(issue).head_sha),
    ("PullRequest", "baseRefName"): _attribute(lambda issue: pull(issue).base_ref),
    ("PullRequest", "isCrossRepository"): _attribute(lambda issue: pull(issue).head_repo_id != issue.repo_id),
    ("PullRequest", "headRepository"): pull_head_repository,
    ("PullRequest", "headRepositoryOwner"): pull_head_repository_owner,
    ("PullRequest", "closingIssuesReferences"): pull_closing_issues,
    ("IssueComment", "id"): _attribute(lambda comment: comment.node_id),
    ("IssueComment", "body"): _attribute(lambda comment: comment.body),
    ("IssueComment", "createdAt"): _attribute(lambda comment: comment.created_at),
    ("IssueComment", "updatedAt"): _attribute(lambda comment: comment.updated_at),
    ("IssueComment", "author"): _with_state(lambda comment, state: actor(state, comment.user)),
    ("IssueComment", "url"): comment_url,
    ("IssueComment", "issue"): comment_issue,
    ("Label", "id"): _attribute(lambda label: label.node_id),
    ("Label", "name"): _attribute(lambda label: label.name),
    ("Label", "color"): _attribute(lambda label: label.color),
    ("Label", "url"): label_url,
    ("Reaction", "id"): _attribute(lambda value: reaction(value).node_id),
    ("Reaction", "content"): _attribute(lambda value: REACTION_CONTENT_FROM_REST[reaction(value).content]),
    ("Reaction", "createdAt"): _attribute(lambda value: reaction(value).created_at),
    ("Reaction", "user"): _with_state(lambda value, state: state.user(reaction(value).user)),
    ("Reaction", "reactable"): _with_state(
        lambda value, state: value.subject if isinstance(value, ReactionOn) else reaction_subject(state, value)
    ),
    **{(kind, "id"): _attribute(lambda user: user.node_id) for kind in ("User", "Bot", "Organization")},
    ("User", "login"): _attribute(lambda user: user.login),
    ("Organization", "login"): _attribute(lambda user: user.login),
    ("Bot", "login"): bot_login,
    **{(kind, "url"): actor_url for kind in ("User", "Bot", "Organization")},
    ("User", "name"): _attribute(lambda user: user.name),
    ("Organization", "name"): _attribute(lambda user: user.name),
    **REVIEW_RESOLVERS,
    **EDIT_RESOLVERS,
}
