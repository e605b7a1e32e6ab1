"""GitHubClient against the sandbox: partial data with errors on HTTP 200, rate limits, retries, failures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from symphony_bot.github.client import (
    MAX_CONNECT_RETRIES,
    USER_AGENT,
    DownloadError,
    FileTooLargeError,
    GitHubClient,
    GitHubError,
    NotAFileError,
    RateLimitError,
    resolve_api_urls,
)
from symphony_bot.sandbox import Sandbox
from tests.conformance.github_graphql import assert_valid_github_query
from tests.http_helpers import StaticServer, closed_port, static_server

QUERY = """query Probe($owner: String!, $name: String!) {
  rateLimit { cost remaining resetAt limit }
  a: repository(owner: $owner, name: $name) { nameWithOwner }
  b: repository(owner: $owner, name: "missing") { nameWithOwner }
}"""
VARIABLES = {"owner": "owner", "name": "proj"}


class Sleeps(list[float]):
    """A fake sleep and the clock that moves only when it is called."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)

    def monotonic(self) -> float:
        return 1000.0 + sum(self)


@pytest.fixture(autouse=True)
def _owner_project(sb: Sandbox) -> None:
    sb.add_user("owner", token="t-owner")
    sb.create_repo("owner", "proj", files={"README.md": "hi\n"})


def make_client(sb: Sandbox, token: str | None = "t-owner", **options: Any) -> tuple[GitHubClient, Sleeps]:
    sleeps = Sleeps()
    client = GitHubClient(sb.api_url, sb.graphql_url, token, sleep=sleeps, monotonic=sleeps.monotonic, **options)
    return client, sleeps


def probes(sb: Sandbox) -> list[int]:
    return [entry.status for entry in sb.requests if entry.graphql_operation == "Probe"]


def test_the_probe_is_a_valid_github_query() -> None:
    assert_valid_github_query(QUERY)


def test_errors_on_http_200_come_back_with_the_partial_data(sb: Sandbox) -> None:
    client, _ = make_client(sb)
    response = client.graphql(QUERY, VARIABLES)
    assert response.data["a"] == {"nameWithOwner": "owner/proj"}
    assert response.data["b"] is None
    (error,) = response.errors_for("b")
    assert error["type"] == "NOT_FOUND"
    assert response.errors_for("a") == [] and response.unplaced_errors() == []
    assert response.rate_limit is not None and response.rate_limit.cost >= 1
    assert client.last_rate_limit == response.rate_limit
    assert (client.graphql_requests, client.graphql_points) == (1, response.rate_limit.cost)


def test_rest_client_is_created_only_when_used(sb: Sandbox) -> None:
    client, _ = make_client(sb)
    client.graphql(QUERY, VARIABLES)
    assert client._github is None
    assert client.github.get_repo("owner/proj").default_branch == "main"
    assert client.github is client.github


def test_secondary_limit_with_retry_after_is_honoured(sb: Sandbox) -> None:
    sb.faults.inject("Probe", "secondary_rate_limit", retry_after=1, times=1)
    client, sleeps = make_client(sb)
    response = client.graphql(QUERY, VARIABLES)
    assert response.data["a"] == {"nameWithOwner": "owner/proj"}
    assert sleeps == [1.0]
    assert probes(sb) == [403, 200]


def test_primary_limit_429_waits_until_the_reset(sb: Sandbox) -> None:
    sb.faults.inject("Probe", "rate_limit", times=1)  # 429 with x-ratelimit-remaining: 0 (budget spent)
    client, sleeps = make_client(sb, max_rate_limit_wait=2 * 3600, max_retries=1)
    response = client.graphql(QUERY, VARIABLES)
    assert response.data["a"] == {"nameWithOwner": "owner/proj"}
    assert probes(sb) == [429, 200]
    assert len(sleeps) == 1 and 3500 < sleeps[0] <= 3601  # until x-ratelimit-reset, plus a second


def test_a_wait_longer_than_allowed_fails_at_once_with_the_time(sb: Sandbox) -> None:
    sb.faults.inject("Probe", "secondary_rate_limit", retry_after=3600, times=1)
    client, sleeps = make_client(sb, max_rate_limit_wait=60)
    with pytest.raises(RateLimitError) as caught:
        client.graphql(QUERY, VARIABLES)
    assert caught.value.retry_after_seconds == 3600
    assert "3600 s" in str(caught.value)
    assert sleeps == []


def test_a_limit_that_keeps_coming_back_fails_after_bounded_retries(sb: Sandbox) -> None:
    sb.faults.inject("Probe", "secondary_rate_limit", retry_after=1)
    client, sleeps = make_client(sb, max_retries=2)
    with pytest.raises(RateLimitError, match="after 2 retries"):
        client.graphql(QUERY, VARIABLES)
    assert sleeps == [1.0, 1.0]
    assert probes(sb) == [403, 403, 403]


def test_server_errors_are_retried_with_backoff(sb: Sandbox) -> None:
    sb.faults.inject("Probe", "status", status=502, times=2)
    client, sleeps = make_client(sb)
    client.graphql(QUERY, VARIABLES)
    assert sleeps == [1.0, 2.0]
    assert probes(sb) == [502, 502, 200]


def test_server_errors_that_persist_raise(sb: Sandbox) -> None:
    sb.faults.inject("Probe", "status", status=503)
    client, _ = make_client(sb, max_retries=1)
    with pytest.raises(GitHubError, match="HTTP 503"):
        client.graphql(QUERY, VARIABLES)


def test_spent_primary_budget_waits_for_the_reset_or_fails_clearly(sb: Sandbox) -> None:
    sb.set_rate_limit("owner", 1, "graphql")
    client, sleeps = make_client(sb, max_rate_limit_wait=60)
    client.graphql(QUERY, VARIABLES)
    with pytest.raises(RateLimitError, match="wait"):
        client.graphql(QUERY, VARIABLES)
    assert sleeps == []  # the reset is an hour away: no silent hour-long sleep


def test_bad_token_is_a_clear_error(sb: Sandbox) -> None:
    client, _ = make_client(sb, token="not-a-token")
    with pytest.raises(GitHubError, match="GITHUB_TOKEN") as caught:
        client.graphql(QUERY, VARIABLES)
    assert caught.value.status == 401


def test_unreachable_server_fails_after_retries() -> None:
    port = closed_port()
    sleeps = Sleeps()
    client = GitHubClient(
        f"http://127.0.0.1:{port}",
        f"http://127.0.0.1:{port}/graphql",
        None,
        sleep=sleeps,
        max_retries=2,
        timeout=2,
    )
    with pytest.raises(GitHubError, match="cannot reach"):
        client.graphql(QUERY, VARIABLES)
    assert sleeps == [1.0, 2.0]


def test_a_server_that_is_not_there_is_given_up_on_after_two_connect_retries_whatever_the_budget() -> None:
    # Nothing was sent when no connection was made: a few seconds outlast a blip, and a REST write is not retried
    # again on top of the HTTP library's own connect retries (a missing sandbox took a newcomer 77 s to hear).
    from symphony_bot.github import write_retry

    port = closed_port()
    sleeps = Sleeps()
    client = GitHubClient(
        f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}/graphql", "t", sleep=sleeps, max_retries=6, timeout=2
    )
    with pytest.raises(GitHubError, match="cannot reach"):
        client.graphql(QUERY, VARIABLES)
    assert len(sleeps) == MAX_CONNECT_RETRIES
    with pytest.raises(GitHubError, match=f"cannot reach http://127.0.0.1:{port}/user ") as caught:
        write_retry.request(client, "GET", "/user")
    assert type(caught.value) is GitHubError  # final, not a TransientError the caller would retry
    assert len(sleeps) == MAX_CONNECT_RETRIES  # write_retry slept no more


def test_rest_and_graphql_wait_on_one_pacer_shared_by_every_client_of_the_token(sb: Sandbox) -> None:
    with (
        GitHubClient(sb.api_url, sb.graphql_url, "t-owner") as first,
        GitHubClient(sb.api_url, sb.graphql_url, "t-owner") as second,
    ):
        assert first.pacer is second.pacer
        before = len(first.pacer.sent)
        first.graphql(QUERY, VARIABLES)
        second.github.get_repo("owner/proj").create_issue("paced")  # PyGithub's REST goes through it too
        sent = [(api, write) for _, api, write in list(first.pacer.sent)[before:]]
    assert sent == [("graphql", False), ("rest", False), ("rest", True)]


def test_pygithub_spacing_is_off_and_a_retry_after_holds_the_pacer(sb: Sandbox) -> None:
    client, _ = make_client(sb)
    requester = client.github.requester
    assert requester._Requester__seconds_between_writes is None  # type: ignore[attr-defined]
    assert requester._Requester__seconds_between_requests is None  # type: ignore[attr-defined]
    assert requester._Requester__connectionClass.__name__ == "PacedConnection"  # type: ignore[attr-defined]


def test_token_never_appears_in_errors(sb: Sandbox) -> None:
    sb.faults.inject("Probe", "status", status=500)
    client, _ = make_client(sb, token="t-owner", max_retries=0)
    with pytest.raises(GitHubError) as caught:
        client.graphql(QUERY, VARIABLES)
    assert "t-owner" not in str(caught.value)


def test_api_urls_follow_the_actions_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "https://ghe.example/api/v3")
    monkeypatch.delenv("GITHUB_GRAPHQL_URL", raising=False)
    assert resolve_api_urls(None) == ("https://ghe.example/api/v3", "https://ghe.example/api/graphql")
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", "https://ghe.example/api/graphql2")
    assert resolve_api_urls(None)[1] == "https://ghe.example/api/graphql2"
    # an explicit --github-url wins over the environment, and GraphQL follows it
    assert resolve_api_urls("http://127.0.0.1:9/") == ("http://127.0.0.1:9", "http://127.0.0.1:9/graphql")


def test_from_env_prefers_the_bots_own_token_and_closes_its_sessions(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sb.add_user("donor", token="t-donor")
    monkeypatch.setenv("GITHUB_TOKEN", "t-owner")
    monkeypatch.setenv("SYMPHONY_GITHUB_TOKEN", "t-donor")
    with GitHubClient.from_env(sb.api_url) as client:
        assert client.github.get_user().login == "donor"
        assert client.graphql("query { viewer { login } }").data == {"viewer": {"login": "donor"}}
    assert client._session is None and client._github is None
    monkeypatch.setenv("SYMPHONY_GITHUB_TOKEN", "  ")
    with GitHubClient.from_env(sb.api_url) as client:
        assert client.github.get_user().login == "owner"
    monkeypatch.delenv("SYMPHONY_GITHUB_TOKEN")
    monkeypatch.delenv("GITHUB_TOKEN")
    assert not GitHubClient.from_env(sb.api_url).authenticated


# --- repository files ------------------------------------------------------------------------------------------


def test_get_file_reads_a_file_on_a_ref_and_none_when_there_is_none(sb: Sandbox) -> None:
    sb.push_branch("owner", "proj", "other", {"docs/a b.md": "on other\n"})
    client, _ = make_client(sb)
    with client:
        assert client.get_file("owner", "proj", "README.md", "main") == b"hi\n"
        assert client.get_file("owner", "proj", "docs/a b.md", "other") == b"on other\n"
        assert client.get_file("owner", "proj", "docs/a b.md", "main") is None
        assert client.get_file("owner", "missing", "README.md", "main") is None
    # one request per file: the repository is not fetched first
    assert [entry.operation for entry in sb.requests] == ["repos/get-content"] * 4


def test_get_file_refuses_directories_and_files_over_the_cap(sb: Sandbox) -> None:
    sb.push_branch("owner", "proj", "main", {"docs/tasks.md": "- [ ] one\n"})
    client, _ = make_client(sb)
    with client:
        with pytest.raises(NotAFileError) as directory:
            client.get_file("owner", "proj", "docs", "main")
        assert directory.value.kind == "directory"
        with pytest.raises(FileTooLargeError) as large:
            client.get_file("owner", "proj", "docs/tasks.md", "main", max_bytes=4)
        assert (large.value.size, large.value.limit) == (10, 4)


def test_get_file_reports_githubs_refusal_with_its_status(sb: Sandbox) -> None:
    sb.faults.inject("repos/get-content", status=409)  # GitHub: "Git Repository is empty."
    client, _ = make_client(sb)
    with client, pytest.raises(GitHubError) as refused:
        client.get_file("owner", "proj", "README.md", "main")
    assert refused.value.status == 409


# --- plain downloads -------------------------------------------------------------------------------------------


@pytest.fixture
def served() -> Iterator[StaticServer]:
    with static_server({"/registry.json": b'{"repositories": []}', "/big": b"x" * 5000}) as server:
        yield server


def test_download_goes_through_the_clients_session(
    sb: Sandbox, served: StaticServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a proxy in the environment would refuse the connection: the download must not use it
    for variable in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(variable, raising=False)
    for variable in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(variable, f"http://127.0.0.1:{closed_port()}")
    client, _ = make_client(sb, token="t-owner")
    with client:
        assert client.download(f"{served.url}/registry.json", max_bytes=1000) == b'{"repositories": []}'
    assert served.seen[0]["User-Agent"] == USER_AGENT
    assert "Authorization" not in served.seen[0]  # the token is for GitHub's API, not for any host


def test_download_failures_name_the_status_the_cause_or_the_size(sb: Sandbox, served: StaticServer) -> None:
    client, _ = make_client(sb)
    with client:
        with pytest.raises(DownloadError) as missing:
            client.download(f"{served.url}/missing.json", max_bytes=1000)
        assert (missing.value.status, missing.value.cause) == (404, None)
        with pytest.raises(FileTooLargeError):
            client.download(f"{served.url}/big", max_bytes=1000)
        with pytest.raises(DownloadError) as unreachable:
            client.download(f"http://127.0.0.1:{closed_port()}/registry.json", max_bytes=1000)
        assert (unreachable.value.status, unreachable.value.cause) == (None, "ConnectionError")
