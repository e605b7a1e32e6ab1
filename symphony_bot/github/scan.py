"""Scan repositories for `runmaestro.ai` issues and decide each one's status, in a handful of requests.

One aliased GraphQL query covers up to SCAN_BATCH_SIZE repositories: for each, the labelled issues (open, and
closed ones when `completed` is wanted) with labels, body, author and `closedByPullRequestsReferences(
includeClosedPrs: true)` — GitHub's own linkage, the truth about which PR closes which issue (github-semantics
§2, §9). R repositories cost ceil(R / SCAN_BATCH_SIZE) requests, plus one request per batch of repositories
that have another page of 100 issues, plus one per batch of issues with more than LINKED_PULL_REQUESTS_PAGE
linked PRs. Nothing is capped silently: every connection is followed to its last page.

Whether each available issue's documents exist (`document_checks`) is read in the same requests: each scan
request also carries the `object(expression:)` checks of the issues read so far (up to RIDING_CHECKS), and
the rest go in requests of their own (EXISTENCE_PER_QUERY each), never one per file. A scan request that fails
with checks riding in it is sent again without them, so the checks can never cost a repository its issues.

A repository that is missing (or private to the token), renamed, archived or private is reported on its own
result and never stops the others; an answer with field errors still yields the repositories it did return.
The queries and the readers of their nodes live in `issue_queries`; the command renders the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from symphony_bot.github.cache import ISSUES_TTL_SECONDS, Cache
from symphony_bot.github.client import (
    NOT_FOUND_ERROR_TYPE,
    GitHubClient,
    GitHubError,
    GraphQLResponse,
    RateLimitStatus,
)
from symphony_bot.github.document_checks import (
    answer_from_json,
    answer_to_json,
    checked_issue,
    document_requests,
)
from symphony_bot.github.files import (
    FileAnswer,
    FileRequest,
    answers_from,
    file_selections,
    read_files,
)
from symphony_bot.github.issue_queries import (
    LABELS_PAGE,
    LINKED_CONNECTION,
    LinkedFollowUp,
    ScannedIssue,
    build_scan_query,
    error_messages,
    follow_linked_pages,
    issue_from_node,
    labels_truncated,
    next_cursor,
)
from symphony_bot.github.repository_batches import (
    alias,
    batch_variables,
    repository_cache_key,
    unique_slugs,
)
from symphony_bot.issues.status import SYMPHONY_LABEL

CACHE_NAMESPACE = "issues"
# Repositories per scan request. GitHub's node limit is 500,000 a call (docs.github.com/en/graphql/overview/
# rate-limits-and-query-limits-for-the-graphql-api); each repository asks for up to 100 issues x (100 labels +
# 10 linked PRs): 11,101 nodes, so 25 of them are 277,525 nodes, about 50 points.
SCAN_BATCH_SIZE = 25
TOO_MANY_LABELS_MESSAGE = "{issues} {have} more than {labels} labels; only the first {labels} were read"
DOCUMENTS_PREFIX = "d"  # the names of the document checks riding in a scan request start with this
RIDING_CHECKS = 500  # document checks per scan request: the scan's own answer must stay well inside 10 s


class RepositoryProblemCode(StrEnum):
    NOT_FOUND = "not-found"
    RENAMED = "renamed"
    ARCHIVED = "archived"
    PRIVATE = "private"
    QUERY_FAILED = "query-failed"
    TOO_MANY_LABELS = "labels-truncated"


# Problems that mean the repository's issues could not be listed (exit 1), as opposed to notes about it.
FAILURES = frozenset({RepositoryProblemCode.NOT_FOUND, RepositoryProblemCode.QUERY_FAILED})


@dataclass(frozen=True)
class RepositoryProblem:
    code: RepositoryProblemCode
    message: str

    @property
    def fatal(self) -> bool:
        return self.code in FAILURES

    def to_json(self) -> dict[str, Any]:
        return {"code": str(self.code), "message": self.message, "failure": self.fatal}


@dataclass
class RepositoryResult:
    slug: str  # as requested
    name_with_owner: str | None = None  # as GitHub answers (differs after a rename)
    url: str | None = None
    default_branch: str | None = None
    archived: bool = False
    private: bool = False
    issues: list[ScannedIssue] = field(default_factory=list)
    problems: list[RepositoryProblem] = field(default_factory=list)
    from_cache: bool = False

    @property
    def failed(self) -> bool:
        return any(problem.fatal for problem in self.problems)

    def to_json(self) -> dict[str, Any]:
        return {
            "repo": self.slug,
            "nameWithOwner": self.name_with_owner,
            "url": self.url,
            "defaultBranch": self.default_branch,
            "archived": self.archived,
            "private": self.private,
            "failed": self.failed,
            "fromCache": self.from_cache,
            "issueCount": len(self.issues),
            "problems": [problem.to_json() for problem in self.problems],
        }


@dataclass
class ScanResult:
    repositories: list[RepositoryResult]
    requests: int = 0
    points: int = 0
    rate_limit: RateLimitStatus | None = None

    @property
    def issues(self) -> list[ScannedIssue]:
        return [issue for repository in self.repositories for issue in repository.issues]

    @property
    def failed(self) -> bool:
        return any(repository.failed for repository in self.repositories)


# --- the scan ------------------------------------------------------------------------------------------------


@dataclass
class _Pending:
    result: RepositoryResult
    owner: str
    name: str
    cursor: str | None = None
    repository_data: dict[str, Any] | None = None
    issue_nodes: list[dict[str, Any]] = field(default_factory=list)
    issues: list[ScannedIssue] = field(default_factory=list)  # one per node, read as the pages come


@dataclass
class _DocumentChecks:
    """The existence checks still to send, and the answers so far."""

    queue: list[FileRequest] = field(default_factory=list)
    answers: dict[FileRequest, FileAnswer] = field(default_factory=dict)

    def add(self, requests: Iterable[FileRequest]) -> None:
        for request in requests:
            if request not in self.answers:
                self.answers[request] = FileAnswer(checked=False)  # until answered
                self.queue.append(request)

    def take(self) -> list[FileRequest]:
        riding, self.queue = self.queue[:RIDING_CHECKS], self.queue[RIDING_CHECKS:]
        return riding


def scan(
    client: GitHubClient,
    slugs: Iterable[str],
    *,
    include_closed: bool = True,
    cache: Cache | None = None,
    refresh: bool = False,
) -> ScanResult:
    """Scan each repository (`owner/name`, validated by the caller with `parse_slug`)."""
    requests_before, points_before = client.graphql_requests, client.graphql_points
    states = ["OPEN", "CLOSED"] if include_closed else ["OPEN"]
    results: list[RepositoryResult] = []
    pending: list[_Pending] = []
    checks = _DocumentChecks()
    for slug, parts in unique_slugs(slugs):
        result = RepositoryResult(slug=slug)
        results.append(result)
        if parts is None:
            result.problems.append(
                RepositoryProblem(RepositoryProblemCode.NOT_FOUND, f"{slug!r} is not an owner/name slug")
            )
            continue
        cached = (
            None
            if cache is None or refresh
            else cache.get(CACHE_NAMESPACE, _cache_key(client, slug, states), ISSUES_TTL_SECONDS)
        )
        if isinstance(cached, dict) and isinstance(cached.get("documents"), dict):
            documents = _cached_answers(result, cached)
            _finish(result, cached.get("repository") or {}, cached.get("issues") or [], documents)
            result.from_cache = True
            continue
        pending.append(_Pending(result, *parts))

    _fetch_issue_pages(client, pending, states, checks)
    _fetch_linked_pages(client, [item for item in pending if item.repository_data is not None])
    _drain(client, checks)
    for item in pending:
        if item.repository_data is None:
            continue
        _finish(item.result, item.repository_data, item.issue_nodes, checks.answers, item.issues)
        if cache is not None:
            branch = (item.repository_data.get("defaultBranchRef") or {}).get("name")
            checked = {
                request.path: answer_to_json(answer)
                for request in {r for issue in item.issues for r in document_requests(issue, branch)}
                if (answer := checks.answers[request]).checked
            }
            cache.put(
                CACHE_NAMESPACE,
                _cache_key(client, item.result.slug, states),
                {"repository": item.repository_data, "issues": item.issue_nodes, "documents": checked},
            )
    return ScanResult(
        repositories=results,
        requests=client.graphql_requests - requests_before,
        points=client.graphql_points - points_before,
        rate_limit=client.last_rate_limit,
    )


def _cached_answers(result: RepositoryResult, cached: dict[str, Any]) -> dict[FileRequest, FileAnswer]:
    branch = ((cached.get("repository") or {}).get("defaultBranchRef") or {}).get("name")
    repo = (cached.get("repository") or {}).get("nameWithOwner") or result.slug
    answers = {}
    for path, data in cached["documents"].items():
        answer = answer_from_json(data)
        if answer is not None and isinstance(branch, str):
            answers[FileRequest(str(repo), branch, str(path))] = answer
    return answers


def _cache_key(client: GitHubClient, slug: str, states: list[str]) -> str:
    return repository_cache_key(client, slug, ",".join(states))


def _fetch_issue_pages(
    client: GitHubClient, pending: list[_Pending], states: list[str], checks: _DocumentChecks
) -> None:
    waiting = list(pending)
    while waiting:
        next_round: list[_Pending] = []
        for start in range(0, len(waiting), SCAN_BATCH_SIZE):
            batch = waiting[start : start + SCAN_BATCH_SIZE]
            riding = checks.take()
            variables: dict[str, Any] = {"labels": [SYMPHONY_LABEL], "states": states} | batch_variables(batch)
            try:
                response = _scan_request(client, len(batch), variables, riding)
            except GitHubError as error:
                for item in batch:
                    _fail(item, f"the scan query failed: {error}")
                continue
            if response is None:  # failed with checks riding: the issues again, alone; the checks later
                checks.queue[:0] = riding
                riding = []
                try:
                    response = client.graphql(build_scan_query(len(batch)), variables)
                except GitHubError as error:
                    for item in batch:
                        _fail(item, f"the scan query failed: {error}")
                    continue
            checks.answers.update(answers_from(response, riding, False, DOCUMENTS_PREFIX))
            whole_query_errors = response.unplaced_errors()
            for index, item in enumerate(batch):
                repository = response.data.get(alias(index))
                errors = response.errors_for(alias(index))
                if not isinstance(repository, dict):
                    _record_missing(item, errors or whole_query_errors)
                    continue
                if errors:  # a partial repository: do not trust a half-read issue list
                    _fail(item, "GitHub answered with errors: " + error_messages(errors))
                    continue
                _read_page(item, repository, checks)
                if item.cursor is not None:
                    next_round.append(item)
        waiting = next_round


def _scan_request(
    client: GitHubClient, count: int, variables: dict[str, Any], riding: list[FileRequest]
) -> GraphQLResponse | None:
    """One scan request with the document checks riding in it; None when it failed and checks were riding."""
    documents = file_selections(riding, text=False, prefix=DOCUMENTS_PREFIX)
    query = build_scan_query(count, documents.declarations, documents.fields)
    try:
        return client.graphql(query, variables | documents.variables)
    except GitHubError:
        if riding:
            return None
        raise


def _read_page(item: _Pending, repository: dict[str, Any], checks: _DocumentChecks) -> None:
    """Keep one page of a repository's issues, and queue the document checks of its available issues."""
    connection = repository.get("issues") or {}
    item.repository_data = {key: value for key, value in repository.items() if key != "issues"}
    nodes = [node for node in connection.get("nodes") or [] if isinstance(node, dict)]
    item.issue_nodes.extend(nodes)
    item.cursor = next_cursor(connection)
    if repository.get("isArchived"):
        return  # its issues are not listed
    repo_name = str(repository.get("nameWithOwner") or item.result.slug)
    branch = (repository.get("defaultBranchRef") or {}).get("name")
    for node in nodes:
        issue = issue_from_node(repo_name, node)
        item.issues.append(issue)
        checks.add(document_requests(issue, branch))


def _drain(client: GitHubClient, checks: _DocumentChecks) -> None:
    """Send the checks no scan request carried (the last batch's) in requests of their own. One GitHub could not
    answer stays unchecked, and an unchecked document never makes an issue invalid."""
    checks.answers.update(read_files(client, checks.queue, text=False))
    checks.queue = []


def _fetch_linked_pages(client: GitHubClient, done: list[_Pending]) -> None:
    """Follow every issue whose linked PRs did not fit on the first page."""
    issues = [(item, LinkedFollowUp(item.owner, item.name, node)) for item in done for node in item.issue_nodes]
    followed = {id(follow_up.node) for _, follow_up in issues if next_cursor(follow_up.node.get(LINKED_CONNECTION))}
    failures = follow_linked_pages(client, [follow_up for _, follow_up in issues])
    for position, message in sorted(failures.items()):
        _fail(issues[position][0], message)
    for item in done:  # an issue with more linked PRs than the first page held is read again, whole
        if followed and item.repository_data is not None:
            repo_name = str(item.repository_data.get("nameWithOwner") or item.result.slug)
            item.issues = [
                issue_from_node(repo_name, node) if id(node) in followed else issue
                for issue, node in zip(item.issues, item.issue_nodes, strict=True)
            ]


def _record_missing(item: _Pending, errors: list[dict[str, Any]]) -> None:
    if not errors or any(error.get("type") == NOT_FOUND_ERROR_TYPE for error in errors):
        item.result.problems.append(
            RepositoryProblem(
                RepositoryProblemCode.NOT_FOUND,
                f"{item.result.slug} was not found, or is private and the token cannot see it; "
                "check the slug in the registry (or give a token with access)",
            )
        )
    else:
        _fail(item, error_messages(errors))


def _fail(item: _Pending, message: str) -> None:
    item.repository_data = None
    item.issue_nodes = []
    item.issues = []
    item.result.problems.append(RepositoryProblem(RepositoryProblemCode.QUERY_FAILED, message))


def _finish(
    result: RepositoryResult,
    repository: dict[str, Any],
    nodes: list[dict[str, Any]],
    documents: dict[FileRequest, FileAnswer],
    issues: list[ScannedIssue] | None = None,
) -> None:
    """Fill the result from the repository's fields and issue nodes (`issues`: already read from them)."""
    result.name_with_owner = repository.get("nameWithOwner")
    result.url = repository.get("url")
    result.default_branch = (repository.get("defaultBranchRef") or {}).get("name")
    result.archived = bool(repository.get("isArchived"))
    result.private = bool(repository.get("isPrivate"))
    if result.name_with_owner and result.name_with_owner.casefold() != result.slug.casefold():
        result.problems.append(
            RepositoryProblem(
                RepositoryProblemCode.RENAMED,
                f"{result.slug} is now {result.name_with_owner}; update the registry entry",
            )
        )
    if result.private:
        result.problems.append(
            RepositoryProblem(
                RepositoryProblemCode.PRIVATE,
                f"{result.slug} is private: only people with access can contribute; Symphony projects are public",
            )
        )
    if result.archived:
        result.problems.append(
            RepositoryProblem(
                RepositoryProblemCode.ARCHIVED,
                f"{result.slug} is archived (read-only): no PR can be opened, so its issues are not listed; "
                "deactivate it in the registry",
            )
        )
        return
    repo_name = result.name_with_owner or result.slug
    if issues is None:
        issues = [issue_from_node(repo_name, node) for node in nodes]
    issues = [checked_issue(issue, result.default_branch, documents) for issue in issues]
    truncated = [issue.number for issue, node in zip(issues, nodes, strict=True) if labels_truncated(node)]
    if truncated:
        result.problems.append(
            RepositoryProblem(
                RepositoryProblemCode.TOO_MANY_LABELS,
                TOO_MANY_LABELS_MESSAGE.format(
                    issues=", ".join(f"#{number}" for number in truncated),
                    have="has" if len(truncated) == 1 else "have",
                    labels=LABELS_PAGE,
                ),
            )
        )
    result.issues = sorted(issues, key=lambda issue: issue.number)
