"""Read the contribution PRs of the registry's repositories back from GitHub, in a handful of requests.

Modelled on `scan`: one aliased GraphQL query covers BATCH_SIZE repositories, each with its pull requests
(100 a page, every page followed); R repositories with at most 100 PRs each cost ceil(R / BATCH_SIZE)
requests. Results are cached per repository for the issues TTL (5 min), keyed like the scan's.

A contribution is a PR whose body carries the runner's metadata block (`symphony_bot.stats.pr_metadata`). A PR body
is written by whoever can edit the PR, so it is hostile input: a malformed block, or a block that names another
repository, is ignored with a warning naming the PR and the reason — it never stops the others. A block may
credit someone other than the PR's author only when the author could push to the repository (the PR's branch is
in it, not in a fork: the runner's own account or the workflow's bot, started by someone's `/symphony run`) or
is a bot; a PR from a fork that credits someone else is ignored, so nobody can pad another person's numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from symphony_bot.github.cache import ISSUES_TTL_SECONDS, Cache
from symphony_bot.github.client import NOT_FOUND_ERROR_TYPE, GitHubClient, GitHubError
from symphony_bot.github.issue_queries import BATCH_SIZE
from symphony_bot.github.repository_batches import (
    alias,
    batch_query,
    batch_variables,
    repository_cache_key,
    unique_slugs,
)
from symphony_bot.stats.history import ContributionPull, PullState
from symphony_bot.stats.pr_metadata import BLOCK_OPENING, MetadataError, parse_block

PULL_REQUESTS_PAGE = 100
CACHE_NAMESPACE = "contributions"
BOT_TYPENAME = "Bot"

PULL_REQUEST_PAGE_FIELDS = """
fragment ContributionPullFields on PullRequestConnection {
  totalCount
  pageInfo { hasNextPage endCursor }
  nodes {
    number
    url
    title
    state
    isDraft
    merged
    createdAt
    mergedAt
    closedAt
    body
    isCrossRepository
    author { __typename login }
  }
}
"""


def build_contributions_query(count: int) -> str:
    """The query for `count` repositories: variables $o{i}, $n{i} (owner, name) and $c{i} (PR cursor)."""
    return batch_query(
        "SymphonyContributions",
        count,
        "    nameWithOwner\n"
        f"    pullRequests(first: {PULL_REQUESTS_PAGE}, after: $c0,"
        " orderBy: {field: CREATED_AT, direction: ASC}) { ...ContributionPullFields }\n",
        PULL_REQUEST_PAGE_FIELDS,
    )


@dataclass
class ContributionsResult:
    pulls: list[ContributionPull] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # ignored PRs: which one and why
    failures: list[str] = field(default_factory=list)  # repositories that could not be read
    requests: int = 0


@dataclass
class _Pending:
    slug: str
    owner: str
    name: str
    cursor: str | None = None
    name_with_owner: str | None = None
    nodes: list[dict[str, Any]] = field(default_factory=list)
    failed: bool = False


def fetch_contributions(
    client: GitHubClient, slugs: Iterable[str], *, cache: Cache | None = None, refresh: bool = False
) -> ContributionsResult:
    """Every contribution PR in the repositories `slugs` (duplicates and invalid slugs reported, skipped)."""
    requests_before = client.graphql_requests
    result = ContributionsResult()
    pending: list[_Pending] = []
    for slug, parts in unique_slugs(slugs):
        if parts is None:
            result.failures.append(f"{slug!r} is not an owner/name slug")
            continue
        key = repository_cache_key(client, slug)
        cached = None if cache is None or refresh else cache.get(CACHE_NAMESPACE, key, ISSUES_TTL_SECONDS)
        if isinstance(cached, dict) and isinstance(cached.get("nodes"), list):
            _collect(result, str(cached.get("nameWithOwner") or slug), cached["nodes"])
            continue
        pending.append(_Pending(slug, *parts))

    _fetch_pages(client, pending, result)
    for item in pending:
        if item.failed:
            continue
        repository = item.name_with_owner or item.slug
        if cache is not None:
            key = repository_cache_key(client, item.slug)
            cache.put(CACHE_NAMESPACE, key, {"nameWithOwner": repository, "nodes": item.nodes})
        _collect(result, repository, item.nodes)
    result.requests = client.graphql_requests - requests_before
    return result


def _fetch_pages(client: GitHubClient, pending: list[_Pending], result: ContributionsResult) -> None:
    waiting = list(pending)
    while waiting:
        next_round: list[_Pending] = []
        for start in range(0, len(waiting), BATCH_SIZE):
            batch = waiting[start : start + BATCH_SIZE]
            try:
                response = client.graphql(build_contributions_query(len(batch)), batch_variables(batch))
            except GitHubError as error:
                for item in batch:
                    _fail(item, result, f"the contributions query failed: {error}")
                continue
            for index, item in enumerate(batch):
                repository = response.data.get(alias(index))
                errors = response.errors_for(alias(index)) or ([] if repository else response.unplaced_errors())
                if not isinstance(repository, dict) or errors:
                    not_found = not errors or any(error.get("type") == NOT_FOUND_ERROR_TYPE for error in errors)
                    reason = (
                        "not found, or private and the token cannot see it; check the slug in the registry"
                        if not_found
                        else "; ".join(str(error.get("message", "unknown error")) for error in errors)
                    )
                    _fail(item, result, reason)
                    continue
                item.name_with_owner = repository.get("nameWithOwner")
                connection = repository.get("pullRequests") or {}
                for node in connection.get("nodes") or []:
                    # Keep only what may be a contribution: the cache holds no unrelated PR bodies.
                    if isinstance(node, dict) and BLOCK_OPENING in str(node.get("body") or ""):
                        item.nodes.append(node)
                page_info = connection.get("pageInfo") or {}
                if page_info.get("hasNextPage") and page_info.get("endCursor"):
                    item.cursor = page_info["endCursor"]
                    next_round.append(item)
        waiting = next_round


def _fail(item: _Pending, result: ContributionsResult, reason: str) -> None:
    item.failed = True
    item.nodes = []
    result.failures.append(f"{item.slug}: {reason}")


def _collect(result: ContributionsResult, repository: str, nodes: list[Any]) -> None:
    for node in nodes:
        if not isinstance(node, dict):
            continue
        pull, warning = contribution_from_node(repository, node)
        if pull is not None:
            result.pulls.append(pull)
        if warning is not None:
            result.warnings.append(warning)


def contribution_from_node(repository: str, node: dict[str, Any]) -> tuple[ContributionPull | None, str | None]:
    """(the contribution, None), (None, why it was ignored), or (None, None) for a PR without a block."""
    where = f"{repository}#{node.get('number')}"
    try:
        metadata = parse_block(str(node.get("body") or ""))
    except MetadataError as error:
        return None, f"{where}: metadata block ignored: {error}"
    if metadata is None:
        return None, None
    if metadata.repository.casefold() != repository.casefold():
        return None, f"{where}: metadata block ignored: it names {metadata.repository}, not this repository"
    author = node.get("author") or {}
    login = str(author.get("login") or "")
    could_push = node.get("isCrossRepository") is False  # its branch is in the repository itself
    credited_self = login.casefold() == metadata.contributor.casefold()
    if not (credited_self or could_push or author.get("__typename") == BOT_TYPENAME):
        return None, (
            f"{where}: metadata block ignored: it credits {metadata.contributor} but the PR was opened by "
            f"{login or 'a deleted account'}"
        )
    if node.get("merged"):
        state = PullState.MERGED
    elif node.get("state") == "CLOSED":
        state = PullState.CLOSED
    else:
        state = PullState.DRAFT if node.get("isDraft") else PullState.OPEN
    try:
        number = int(node["number"])
    except (KeyError, TypeError, ValueError):
        return None, f"{where}: the PR has no number; ignored"
    return (
        ContributionPull(
            repository=repository,
            number=number,
            url=str(node.get("url") or ""),
            title=str(node.get("title") or ""),
            state=state,
            author=login or None,
            created_at=str(node.get("createdAt") or ""),
            merged_at=node.get("mergedAt"),
            closed_at=node.get("closedAt"),
            metadata=metadata,
        ),
        None,
    )
