"""rest/context.py: pagination (`Link`, `per_page` up to 100) as clients follow it."""

from __future__ import annotations

import requests

from tests.sandbox_helpers import OWNER, REPO, github


def test_pagination_link_headers_past_one_hundred(sb):
    for number in range(130):
        sb.create_issue(OWNER, REPO, f"issue {number}")
    issues = github(sb, "maintainer", per_page=100).get_repo(f"{OWNER}/{REPO}").get_issues(state="all")
    assert len(list(issues)) == 130
    pages = [entry for entry in sb.requests if entry.operation == "issues/list-for-repo"]
    assert len(pages) == 2
    response = requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}/issues?per_page=500&page=1", timeout=5)
    assert len(response.json()) == 100
    assert f'<{sb.api_url}/repos/{OWNER}/{REPO}/issues?per_page=100&page=2>; rel="next"' in response.headers["Link"]
    assert 'rel="last"' in response.headers["Link"]
