"""secondary_limits.py: the content-creation limit emerges from the traffic (off by default), through PyGithub."""

from __future__ import annotations

import pytest
import requests
from github import GithubException

from tests.sandbox_helpers import OWNER, REPO, TOKENS, github

MESSAGE = "You have exceeded a secondary rate limit"


def test_off_by_default(sb):
    sb.create_issue(OWNER, REPO, "x")
    issue = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_issue(1)
    for number in range(90):  # beyond GitHub's 80 a minute: nothing refuses while the limit is off
        issue.create_comment(f"comment {number}")
    assert len(sb.comments(OWNER, REPO, 1)) == 90


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
