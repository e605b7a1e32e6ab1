"""rest/reactions.py through unchanged PyGithub."""

from __future__ import annotations

import requests

from tests.sandbox_helpers import OWNER, REPO, TOKENS, github


def test_reactions_are_idempotent(sb):
    sb.create_issue(OWNER, REPO, "x")
    sb.comment(OWNER, REPO, 1, "/symphony run", author="contributor")
    comment_id = sb.comments(OWNER, REPO, 1)[0].id
    headers = {"Authorization": f"token {TOKENS['maintainer']}"}
    url = f"{sb.api_url}/repos/{OWNER}/{REPO}/issues/comments/{comment_id}/reactions"
    first = requests.post(url, json={"content": "eyes"}, headers=headers, timeout=5)
    again = requests.post(url, json={"content": "eyes"}, headers=headers, timeout=5)
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert requests.post(url, json={"content": "nope"}, headers=headers, timeout=5).status_code == 422
    issue = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_issue(1)
    issue.create_reaction("+1")
    assert [r.content for r in issue.get_reactions()] == ["+1"]
    assert [r.content for r in issue.get_comment(comment_id).get_reactions()] == ["eyes"]
