"""html_view.py: the `/html/...` links the sandbox gives as `html_url` (and the CLI prints) answer a minimal,
escaped HTML page: an issue with its comments, a pull request with its commits and comments, a repository."""

from __future__ import annotations

import requests

from tests.sandbox_helpers import OWNER, REPO, github


def test_an_issue_page_shows_its_title_body_and_comments_escaped(sb):
    sb.create_issue(OWNER, REPO, "Run <the> docs", body="Auto Run: docs/tasks.md", labels=["runmaestro.ai"])
    sb.comment(OWNER, REPO, 1, "<script>alert(1)</script> claimed")
    issue = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_issue(1)
    page = requests.get(issue.html_url, timeout=5)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "Run &lt;the&gt; docs" in page.text and "Auto Run: docs/tasks.md" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; claimed" in page.text and "<script>" not in page.text
    assert "runmaestro.ai" in page.text
    comment_url = issue.get_comments()[0].html_url
    assert comment_url.startswith(issue.html_url + "#issuecomment-")
    assert f'id="{comment_url.split("#")[1]}"' in page.text


def test_a_pull_request_page_lists_its_commits_and_comments(sb):
    sb.push_branch(OWNER, REPO, "symphony/1", {"work.txt": "work\n"}, message="Task 1: write the work")
    sb.open_pull(OWNER, REPO, "symphony/1", title="Symphony: run the docs", body="Closes #1", draft=True)
    sb.comment(OWNER, REPO, 1, "progress: 1 of 3")
    pull = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_pull(1)
    page = requests.get(pull.html_url, timeout=5).text
    assert "Symphony: run the docs" in page and "draft" in page
    assert "Commits (1)" in page and "Task 1: write the work" in page
    assert "progress: 1 of 3" in page and "symphony/1" in page
    repository = requests.get(f"{sb.api_url}/html/{OWNER}/{REPO}", timeout=5).text
    assert f'href="{pull.html_url}"' in repository


def test_private_and_unknown_pages_are_not_found(sb):
    sb.create_repo(OWNER, "secret", private=True, files={"README.md": "x\n"})
    sb.create_issue(OWNER, "secret", "hidden")
    for path in (f"/html/{OWNER}/secret/issues/1", f"/html/{OWNER}/{REPO}/issues/99", "/html/nobody", "/html"):
        answer = requests.get(sb.api_url + path, timeout=5)
        assert answer.status_code == 404 and "hidden" not in answer.text, path
