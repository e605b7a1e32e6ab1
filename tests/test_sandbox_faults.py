"""Injected faults: statuses, secondary rate limits, 429, connection resets, slow responses."""

from __future__ import annotations

import time

import pytest
import requests
from github import GithubException, RateLimitExceededException

from symphony_bot.sandbox.faults import Faults
from tests.sandbox_helpers import OWNER, REPO, github

AUTH = {"Authorization": "token maintainer-token"}


@pytest.fixture(autouse=True)
def _one_issue(sb):
    sb.create_issue(OWNER, REPO, "x")


@pytest.mark.parametrize("status", [500, 502, 503])
def test_nth_call_gets_a_server_error(sb, status):
    sb.faults.inject("issues/create-comment", status=status, nth=2)
    issue = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_issue(1)
    issue.create_comment("one")
    with pytest.raises(GithubException) as failed:
        issue.create_comment("two")
    assert failed.value.status == status
    issue.create_comment("three")
    assert [c.body for c in sb.comments(OWNER, REPO, 1)] == ["one", "three"]
    statuses = [entry.status for entry in sb.requests if entry.operation == "issues/create-comment"]
    assert statuses == [201, status, 201]
    assert [entry.fault for entry in sb.requests if entry.fault] == ["status"]


def test_secondary_rate_limit_has_retry_after(sb):
    sb.faults.inject("issues/get", "secondary_rate_limit", retry_after=17, times=1)
    response = requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}/issues/1", headers=AUTH, timeout=5)
    assert response.status_code == 403 and response.headers["Retry-After"] == "17"
    assert "secondary rate limit" in response.json()["message"]
    with pytest.raises(RateLimitExceededException):
        sb.faults.inject("repos/get", "secondary_rate_limit")
        github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}")
    assert requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}/issues/1", headers=AUTH, timeout=5).status_code == 200


def test_429_with_exhausted_headers(sb):
    sb.faults.inject("GET /repos/[^/]+/[^/]+/issues/\\d+", "rate_limit", nth=1)
    response = requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}/issues/1", headers=AUTH, timeout=5)
    assert response.status_code == 429 and response.headers["x-ratelimit-remaining"] == "0"


def test_connection_reset(sb):
    sb.faults.inject("repos/get", "reset", nth=1)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}", headers=AUTH, timeout=5)
    assert requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}", headers=AUTH, timeout=5).status_code == 200
    assert sb.requests[0].fault == "reset" and sb.requests[0].status == 0


def test_slow_response_then_the_real_answer(sb):
    sb.faults.inject("repos/get", "delay", delay=0.3, nth=1)
    started = time.monotonic()
    response = requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}", headers=AUTH, timeout=5)
    assert response.status_code == 200 and time.monotonic() - started >= 0.3
    with pytest.raises(requests.Timeout):
        sb.faults.inject("repos/get", "delay", delay=1.0, nth=1)  # nth counts calls seen by this rule
        requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}", headers=AUTH, timeout=0.2)


def test_probability_is_reproducible_with_a_seed():
    def pattern(seed):
        faults = Faults()
        faults.inject("issues/get", probability=0.5, seed=seed)
        return [faults.pick("GET", "/x", "issues/get", None) is not None for _ in range(40)]

    assert pattern(7) == pattern(7) and pattern(7) != pattern(8)
    assert 5 < sum(pattern(7)) < 35


def test_graphql_operation_names_match(sb):
    sb.faults.inject("ScanIssues", status=502, nth=1)
    response = requests.post(
        sb.graphql_url, json={"query": "query ScanIssues { viewer { login } }"}, headers=AUTH, timeout=5
    )
    assert response.status_code == 502 and sb.requests[-1].graphql_operation == "ScanIssues"


def test_git_faults(sb, tmp_path):
    import subprocess

    sb.faults.inject("git/upload-pack", status=503, nth=1)
    url = sb.git_url(OWNER, REPO).replace("http://", "http://x-access-token:maintainer-token@")
    env = {
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "PATH": "/usr/bin:/bin",
    }
    failed = subprocess.run(["git", "ls-remote", url], capture_output=True, env=env, check=False)
    assert failed.returncode != 0
    assert subprocess.run(["git", "ls-remote", url], capture_output=True, env=env, check=False).returncode == 0
