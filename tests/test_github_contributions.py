"""Contribution PRs read back from the sandbox GitHub: states, hostile metadata blocks, batching, pagination,
missing repositories, the cache, and the query against GitHub's schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from github import Auth, Github

from symphony_bot.github.cache import Cache
from symphony_bot.github.client import GitHubClient
from symphony_bot.github.contributions import (
    BATCH_SIZE,
    PULL_REQUESTS_PAGE,
    build_contributions_query,
    fetch_contributions,
)
from symphony_bot.github.pacer import Limits, Pacer
from symphony_bot.sandbox import Sandbox
from symphony_bot.stats.history import PullState
from symphony_bot.stats.pr_metadata import BLOCK_OPENING, ContributionMetadata, render_block
from tests.conformance.github_graphql import assert_valid_github_query

OPERATION = "SymphonyContributions"


def metadata(repository: str, issue: int, contributor: str = "donor", **changes: Any) -> ContributionMetadata:
    values: dict[str, Any] = {
        "repository": repository,
        "issue": issue,
        "contributor": contributor,
        "agent": "claude",
        "state": "completed",
        "started_at": "2026-11-02T10:00:00Z",
        "completed_at": "2026-11-02T11:00:00Z",
        "documents": ("docs/a.md",),
        "tasks_done": 2,
        "tasks_total": 2,
        "tokens_in": 100,
        "tokens_out": 20,
        "cost_usd": 0.01,
    }
    values.update(changes)
    return ContributionMetadata(**values)


def client_for(sb: Sandbox, token: str = "t-reader") -> GitHubClient:
    return GitHubClient(sb.api_url, sb.graphql_url, token, pacer=Pacer(Limits.unlimited()))


def calls(sb: Sandbox) -> int:
    return sum(1 for entry in sb.requests if entry.graphql_operation == OPERATION)


def hostile_block(payload: str) -> str:
    return f"Closes #1\n\n{BLOCK_OPENING}\n{payload}\n-->\n"


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Sandbox, dict[str, int]]]:
    with Sandbox() as sb:
        for login in ("owner", "donor", "mallory", "reader"):
            sb.add_user(login, token=f"t-{login}")
        sb.create_repo("owner", "proj", files={"README.md": "hi\n"})
        numbers: dict[str, int] = {}

        def pull(case: str, body: str, *, author: str = "donor", draft: bool = False) -> int:
            sb.push_branch("owner", "proj", f"symphony/{case}", {f"{case}.txt": case})
            number = sb.open_pull(
                "owner", "proj", f"symphony/{case}", title=case, body=body, draft=draft, author=author
            ).number
            numbers[case] = number
            return number

        pull("merged", "Closes #1\n\n" + render_block(metadata("owner/proj", 1)))
        sb.merge_pull("owner", "proj", numbers["merged"])
        running = metadata("owner/proj", 2, state="running", completed_at=None, tasks_done=1, tasks_total=4)
        pull("running", "Closes #2\n\n" + render_block(running), draft=True)
        pull("open", "Closes #3\n\n" + render_block(metadata("owner/proj", 3, state="halted")))
        pull("closed", "Closes #4\n\n" + render_block(metadata("owner/proj", 4, state="failed")))
        github = Github(base_url=sb.api_url, auth=Auth.Token("t-owner"), retry=None, seconds_between_writes=0)
        github.get_repo("owner/proj").get_pull(numbers["closed"]).edit(state="closed")
        pull("plain", "A PR without any block")
        pull("not-json", hostile_block("{not json <script>alert(1)</script>"), author="mallory")
        pull("two-blocks", "x\n" + render_block(metadata("owner/proj", 5)) * 2)
        pull("unclosed", f"{BLOCK_OPENING}\n{{}}")
        pull("nan", hostile_block(json.dumps({"v": 1, "cost_usd": "NaN"}).replace('"NaN"', "NaN")))
        pull("huge", hostile_block('{"v": 1, "agent": "' + "x" * 20000 + '"}'))
        pull("wrong-type", hostile_block(json.dumps({**metadata("owner/proj", 6).to_json(), "issue": "6"})))
        pull("other-repo", render_block(metadata("victim/repo", 7)))
        sb.fork("owner", "proj", "mallory")
        sb.push_branch("mallory", "proj", "forged", {"forged.txt": "x"})
        forged = render_block(metadata("owner/proj", 8, contributor="donor"))
        numbers["forged-credit"] = sb.open_pull(
            "owner", "proj", "forged", "main", title="forged", body=forged, head_owner="mallory"
        ).number
        # A run started by someone's `/symphony run`: the runner's account (with push access) opens the PR from
        # a branch of the repository and credits the requester.
        pull("requested", render_block(metadata("owner/proj", 10, contributor="owner")), author="donor")
        pull("hostile-text", render_block(metadata("owner/proj", 9, agent='"><img src=x onerror=alert(1)>')))
        yield sb, numbers


def test_contributions_and_their_states(world: tuple[Sandbox, dict[str, int]]) -> None:
    sb, numbers = world
    result = fetch_contributions(client_for(sb), ["owner/proj"])
    by_number = {pull.number: pull for pull in result.pulls}
    assert by_number[numbers["merged"]].state is PullState.MERGED
    assert by_number[numbers["merged"]].merged_at
    assert by_number[numbers["running"]].state is PullState.DRAFT
    assert by_number[numbers["running"]].metadata.state == "running"
    assert by_number[numbers["open"]].state is PullState.OPEN
    assert by_number[numbers["closed"]].state is PullState.CLOSED
    # A hostile value that passes the field checks is data: kept verbatim, to be escaped by whoever shows it.
    assert by_number[numbers["hostile-text"]].metadata.agent == '"><img src=x onerror=alert(1)>'
    assert by_number[numbers["requested"]].metadata.contributor == "owner"
    accepted = ("merged", "running", "open", "closed", "hostile-text", "requested")
    assert set(by_number) == {numbers[case] for case in accepted}
    assert result.failures == []
    assert result.requests == 1


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("not-json", "not JSON"),
        ("two-blocks", "2 metadata blocks"),
        ("unclosed", "not closed"),
        ("nan", "not JSON"),
        ("huge", "more than"),
        ("wrong-type", "field 'issue'"),
        ("other-repo", "names victim/repo"),
        ("forged-credit", "credits donor but the PR was opened by mallory"),
    ],
)
def test_hostile_blocks_are_ignored_with_a_warning(
    world: tuple[Sandbox, dict[str, int]], case: str, reason: str
) -> None:
    sb, numbers = world
    result = fetch_contributions(client_for(sb), ["owner/proj"])
    prefix = f"owner/proj#{numbers[case]}: "
    matching = [warning for warning in result.warnings if warning.startswith(prefix)]
    assert len(matching) == 1, result.warnings
    assert reason in matching[0]
    assert numbers[case] not in {pull.number for pull in result.pulls}


def test_a_pr_without_a_block_is_no_contribution_and_no_warning(world: tuple[Sandbox, dict[str, int]]) -> None:
    sb, numbers = world
    result = fetch_contributions(client_for(sb), ["owner/proj"])
    assert not any(f"#{numbers['plain']}:" in warning for warning in result.warnings)
    assert numbers["plain"] not in {pull.number for pull in result.pulls}


def test_missing_repository_is_reported_and_the_rest_still_read(world: tuple[Sandbox, dict[str, int]]) -> None:
    sb, _ = world
    result = fetch_contributions(client_for(sb), ["ghost/none", "owner/proj", "not a slug", "OWNER/proj"])
    assert len(result.pulls) == 6
    assert any(failure.startswith("ghost/none: not found") for failure in result.failures)
    assert any("'not a slug'" in failure for failure in result.failures)
    assert result.requests == 1


def test_the_cache_answers_within_its_ttl(world: tuple[Sandbox, dict[str, int]], tmp_path: Path) -> None:
    sb, _ = world
    cache = Cache(tmp_path)
    first = fetch_contributions(client_for(sb), ["owner/proj"], cache=cache)
    before = calls(sb)
    second = fetch_contributions(client_for(sb), ["owner/proj"], cache=cache)
    assert calls(sb) == before and second.requests == 0
    assert [pull.number for pull in second.pulls] == [pull.number for pull in first.pulls]
    assert sorted(second.warnings) == sorted(first.warnings)
    stored = "".join(path.read_text() for path in tmp_path.rglob("*.json"))
    assert "A PR without any block" not in stored  # unrelated PR bodies are not cached
    fetch_contributions(client_for(sb), ["owner/proj"], cache=cache, refresh=True)
    assert calls(sb) == before + 1


def test_batches_and_pagination() -> None:
    repositories = BATCH_SIZE + 5
    with Sandbox() as sb:
        sb.add_user("donor", token="t-donor")
        for index in range(repositories):
            sb.create_repo("donor", f"r{index}", files={"README.md": "hi\n"})
        # one repository with more than a page of PRs
        for number in range(PULL_REQUESTS_PAGE + 3):
            sb.create_issue("donor", "r0", f"issue {number}")
        for number in range(PULL_REQUESTS_PAGE + 3):
            branch = f"symphony/{number}"
            sb.push_branch("donor", "r0", branch, {"f.txt": str(number)})
            body = render_block(metadata("donor/r0", number + 1))
            sb.open_pull("donor", "r0", branch, title=str(number), body=body, author="donor")
        result = fetch_contributions(client_for(sb, "t-donor"), [f"donor/r{index}" for index in range(repositories)])
        assert len(result.pulls) == PULL_REQUESTS_PAGE + 3
        assert result.requests == 3  # two batches, then the second page of r0
        assert calls(sb) == 3


def test_query_is_valid_against_githubs_schema() -> None:
    for count in (1, BATCH_SIZE):
        assert_valid_github_query(build_contributions_query(count))


def test_a_flaky_api_is_retried(world: tuple[Sandbox, dict[str, int]]) -> None:
    sb, _ = world
    sb.faults.inject(OPERATION, "secondary_rate_limit", retry_after=1, times=1)  # the first call
    sb.faults.inject(OPERATION, "status", status=502, times=1)  # then the second
    slept: list[float] = []
    client = GitHubClient(sb.api_url, sb.graphql_url, "t-reader", sleep=slept.append)
    try:
        result = fetch_contributions(client, ["owner/proj"])
    finally:
        sb.faults.clear()
    assert result.failures == [] and len(result.pulls) == 6
    assert result.requests == 3
    assert 1.0 in slept  # the secondary limit's Retry-After was honoured


def test_a_failing_api_fails_the_batch_not_the_program(world: tuple[Sandbox, dict[str, int]]) -> None:
    sb, _ = world
    sb.faults.inject(OPERATION, "status", status=500)
    client = GitHubClient(sb.api_url, sb.graphql_url, "t-reader", max_retries=1, sleep=lambda _: None)
    try:
        result = fetch_contributions(client, ["owner/proj", "ghost/none"])
    finally:
        sb.faults.clear()
    assert result.pulls == []
    assert [failure.split(":")[0] for failure in result.failures] == ["owner/proj", "ghost/none"]
    assert all("the contributions query failed" in failure for failure in result.failures)
