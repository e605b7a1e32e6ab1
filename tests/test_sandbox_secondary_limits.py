"""secondary_limits.py: GitHub's secondary limits emerge from the traffic (on by default), through PyGithub."""

from __future__ import annotations

import pytest
import requests
from github import GithubException

from tests.sandbox_helpers import OWNER, REPO, TOKENS, github

MESSAGE = "You have exceeded a secondary rate limit"


DOCS = "https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"


def test_on_by_default_with_githubs_content_creation_limit(sb):
    """80 content-generating requests a minute per user, then 403 with Retry-After (DOCS)."""
    sb.create_issue(OWNER, REPO, "x")
    issue = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_issue(1)
    for number in range(80):
        issue.create_comment(f"comment {number}")
    with pytest.raises(GithubException) as refused:
        issue.create_comment("the 81st in a minute")
    assert refused.value.status == 403 and MESSAGE in refused.value.data["message"]
    assert refused.value.headers.get("retry-after") == "60"
    assert len(sb.comments(OWNER, REPO, 1)) == 80


def test_rest_and_graphql_points_a_minute_are_counted_apart(sb):
    """GitHub: 900 REST and 2,000 GraphQL points a minute; a read costs 1 point, a write 5 (DOCS). This test
    scales the budgets down to 12 and 6 points so it reaches them in a few calls."""
    sb.set_secondary_limits(rest_points_per_minute=12, graphql_points_per_minute=6)
    headers = {"Authorization": f"token {TOKENS['maintainer']}"}
    url = f"{sb.api_url}/repos/{OWNER}/{REPO}/issues"
    assert requests.post(url, json={"title": "five points"}, headers=headers, timeout=5).status_code == 201
    reads = [requests.get(url, headers=headers, timeout=5).status_code for _ in range(8)]
    assert reads == [200] * 7 + [403]  # 5 + 7 = 12 points spent; the 13th point is refused
    query = {"query": "query { viewer { login } }"}
    answers = [requests.post(sb.graphql_url, json=query, headers=headers, timeout=5).status_code for _ in range(7)]
    assert answers == [200] * 6 + [403]  # GraphQL's budget is its own
    free = requests.get(f"{sb.api_url}/rate_limit", headers=headers, timeout=5)
    assert free.status_code == 200  # GitHub: /rate_limit never counts


def test_more_requests_in_flight_than_allowed_are_refused(sb):
    """No more than 100 concurrent requests, REST and GraphQL together (DOCS); scaled down to 1 here, with the
    one slot held by the test itself, so nothing depends on timing."""
    sb.set_secondary_limits(concurrent=1)
    headers = {"Authorization": f"token {TOKENS['maintainer']}"}
    assert sb.secondary_limits.enter("maintainer")
    try:
        refused = requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}", headers=headers, timeout=5)
        assert refused.status_code == 403 and MESSAGE in refused.json()["message"]
        assert refused.headers["Retry-After"] == "60"
        other = requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}", headers={"Authorization": "token contributor-token"})
        assert other.status_code == 200  # per user
    finally:
        sb.secondary_limits.leave("maintainer")
    assert requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}", headers=headers, timeout=5).status_code == 200


def test_a_test_may_say_it_needs_no_secondary_limit(sb):
    sb.set_secondary_limits(enabled=False)
    sb.create_issue(OWNER, REPO, "x")
    issue = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_issue(1)
    for number in range(85):
        issue.create_comment(f"comment {number}")
    assert len(sb.comments(OWNER, REPO, 1)) == 85


@pytest.mark.parametrize(("status", "retry_after"), [(403, 60), (429, None)])
def test_writes_beyond_the_per_minute_limit_are_refused_with_and_without_retry_after(sb, status, retry_after):
    sb.set_secondary_limits(per_minute=3, per_hour=100, status=status, retry_after=retry_after)
    sb.create_issue(OWNER, REPO, "x")
    issue = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_issue(1)
    for number in range(3):
        issue.create_comment(f"comment {number}")
    with pytest.raises(GithubException) as refused:
        issue.create_comment("one too many")
    assert refused.value.status == status and MESSAGE in refused.value.data["message"]
    assert refused.value.headers.get("retry-after") == (str(retry_after) if retry_after is not None else None)
    assert len(sb.comments(OWNER, REPO, 1)) == 3
    assert issue.title == "x" and [c.body for c in issue.get_comments()][-1] == "comment 2"  # reads still pass
    other = github(sb, "contributor").get_repo(f"{OWNER}/{REPO}").get_issue(1)
    other.create_comment("another user has a budget of their own")


def test_graphql_mutations_count_and_the_hourly_limit_bites_too(sb):
    sb.set_secondary_limits(per_minute=50, per_hour=2)
    sb.create_issue(OWNER, REPO, "x")
    node_id = sb.issue(OWNER, REPO, 1).node_id
    query = "mutation($id: ID!) { addReaction(input: {subjectId: $id, content: EYES}) { clientMutationId } }"
    headers = {"Authorization": f"bearer {TOKENS['maintainer']}"}
    answers = [
        requests.post(sb.graphql_url, json={"query": query, "variables": {"id": node_id}}, headers=headers, timeout=5)
        for _ in range(3)
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 403]
    assert MESSAGE in answers[2].json()["message"] and answers[2].headers["Retry-After"] == "60"
