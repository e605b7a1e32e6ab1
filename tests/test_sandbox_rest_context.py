"""rest/context.py and the server: pagination (`Link`, `per_page` up to 100) and caching headers as GitHub sends."""

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
    repo_id = sb.repo(OWNER, REPO).id  # GitHub's links name the repository by id (@octokit/fixtures paginate-issues)
    assert f'<{sb.api_url}/repositories/{repo_id}/issues?per_page=100&page=2>; rel="next"' in response.headers["Link"]
    assert 'rel="last"' in response.headers["Link"]
    following = requests.get(f"{sb.api_url}/repositories/{repo_id}/issues?per_page=100&page=2", timeout=5)
    assert len(following.json()) == 30


def test_cache_and_vary_headers_as_github_sends_them(sb):
    """@octokit/fixtures get-repository: `Cache-Control: private, max-age=60, s-maxage=60` for an authenticated
    GET, and `Vary: Accept, Authorization, Cookie, X-GitHub-OTP` plus `Vary: Accept-Encoding, Accept,
    X-Requested-With`; an anonymous caller's answer is public."""
    url = f"{sb.api_url}/repos/{OWNER}/{REPO}"
    mine = requests.get(url, headers={"Authorization": "token maintainer-token"}, timeout=5)
    assert mine.headers["Cache-Control"] == "private, max-age=60, s-maxage=60"
    assert mine.raw.headers.getlist("Vary") == [
        "Accept, Authorization, Cookie, X-GitHub-OTP",
        "Accept-Encoding, Accept, X-Requested-With",
    ]
    assert requests.get(url, timeout=5).headers["Cache-Control"] == "public, max-age=60, s-maxage=60"
