"""server.py: the request pipeline as clients see it: authentication, conditional requests, budgets, the log."""

from __future__ import annotations

import email.utils

import pytest
import requests
from github import GithubException

from tests.sandbox_helpers import OWNER, REPO, TOKENS, github

AUTH = {"Authorization": f"token {TOKENS['maintainer']}"}


def test_single_objects_carry_last_modified_and_if_modified_since_gets_a_free_304(sb):
    sb.create_issue(OWNER, REPO, "x")
    sb.comment(OWNER, REPO, 1, "hello")
    comment_id = sb.comments(OWNER, REPO, 1)[0].id
    for path in ("", "/issues/1", f"/issues/comments/{comment_id}"):
        url = f"{sb.api_url}/repos/{OWNER}/{REPO}{path}"
        first = requests.get(url, headers=AUTH, timeout=5)
        stamp = first.headers["Last-Modified"]
        assert email.utils.parsedate_to_datetime(stamp).tzinfo is not None, stamp
        again = requests.get(url, headers={**AUTH, "If-Modified-Since": stamp}, timeout=5)
        assert again.status_code == 304 and again.content == b"", path
        assert again.headers["x-ratelimit-used"] == first.headers["x-ratelimit-used"]  # free, as on GitHub
        older = requests.get(url, headers={**AUTH, "If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}, timeout=5)
        assert older.status_code == 200, path
    listing = requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}/issues", headers=AUTH, timeout=5)
    assert "Last-Modified" not in listing.headers


def test_private_repository_is_404_and_bad_token_is_401(sb):
    sb.create_repo(OWNER, "secret", private=True)
    with pytest.raises(GithubException) as hidden:
        github(sb, "stranger").get_repo(f"{OWNER}/secret").full_name  # noqa: B018
    assert hidden.value.status == 404
    assert github(sb, "maintainer").get_repo(f"{OWNER}/secret").private
    bad = requests.get(f"{sb.api_url}/user", headers={"Authorization": "token nope"}, timeout=5)
    assert bad.status_code == 401 and bad.json()["message"] == "Bad credentials"


def test_etag_304_is_free(sb):
    url = f"{sb.api_url}/repos/{OWNER}/{REPO}"
    headers = {"Authorization": "token maintainer-token"}
    first = requests.get(url, headers=headers, timeout=5)
    again = requests.get(url, headers={**headers, "If-None-Match": first.headers["ETag"]}, timeout=5)
    assert again.status_code == 304 and again.content == b""
    assert again.headers["x-ratelimit-used"] == first.headers["x-ratelimit-used"]
    sb.create_issue(OWNER, REPO, "changes the repository's open issue count")
    changed = requests.get(url, headers={**headers, "If-None-Match": first.headers["ETag"]}, timeout=5)
    assert changed.status_code == 200
    other = requests.get(
        url, headers={"Authorization": "token contributor-token", "If-None-Match": first.headers["ETag"]}, timeout=5
    )
    assert other.status_code == 200  # ETags are token specific, as on GitHub


def test_rate_limit_headers_and_exhaustion(sb):
    from github import RateLimitExceededException

    sb.set_rate_limit("contributor", 3)
    gh = github(sb, "contributor")
    repo = gh.get_repo(f"{OWNER}/{REPO}")
    assert gh.rate_limiting[1] == 3 and gh.rate_limiting[0] == 2
    list(repo.get_labels())
    list(repo.get_issues())
    assert gh.rate_limiting[0] == 0
    with pytest.raises(RateLimitExceededException):
        repo.get_branch("main")
    response = requests.get(
        f"{sb.api_url}/repos/{OWNER}/{REPO}", headers={"Authorization": "token contributor-token"}, timeout=5
    )
    assert response.status_code == 403 and response.headers["x-ratelimit-remaining"] == "0"
    assert response.headers["x-ratelimit-resource"] == "core"
    assert gh.get_rate_limit().rate.remaining == 0  # /rate_limit itself is free
    assert github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").full_name  # budgets are per user
    points = [(entry.method, entry.points) for entry in sb.requests if entry.login == "maintainer"]
    assert points == [("GET", 1)]


def test_request_log_points_and_operations(sb):
    repo = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}")
    repo.create_issue("x").create_comment("hi")
    assert sb.requests.operations() == ["repos/get", "issues/create", "issues/create-comment"]
    assert [entry.points for entry in sb.requests] == [1, 5, 5] and sb.requests.points() == 11
    assert sb.requests.calls("issues/create-comment") == 1
    assert {entry.login for entry in sb.requests} == {"maintainer"}


def test_graphql_route_authenticates(sb):
    bad = requests.post(
        sb.graphql_url, json={"query": "{ viewer { login } }"}, headers={"Authorization": "bearer nope"}, timeout=5
    )
    assert bad.status_code == 401
    anonymous = requests.post(sb.graphql_url, json={"query": "{ viewer { login } }"}, timeout=5)
    assert anonymous.status_code in (401, 404)


def test_anonymous_callers_see_public_repositories_only(sb):
    sb.create_repo(OWNER, "secret", private=True)
    assert requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}", timeout=5).status_code == 200
    assert requests.get(f"{sb.api_url}/repos/{OWNER}/secret", timeout=5).status_code == 404
    assert requests.get(f"{sb.api_url}/repos/{OWNER}/secret/issues", timeout=5).status_code == 404
    anonymous_write = requests.post(f"{sb.api_url}/repos/{OWNER}/{REPO}/issues", json={"title": "x"}, timeout=5)
    assert anonymous_write.status_code == 401


def test_the_graphql_schema_is_built_when_the_server_starts(sb):
    """Issue 21: the first GraphQL request must not pay for importing graphql-core and building the schema. The
    server builds it beside its start; `graphql_ready` is set without any GraphQL request having been made."""
    assert sb.server.graphql_ready.wait(600)
    assert not [entry for entry in sb.requests if entry.operation == "graphql"]
    from symphony_bot.sandbox import graphql_api

    assert graphql_api.sandbox_schema.cache_info().currsize == 1
