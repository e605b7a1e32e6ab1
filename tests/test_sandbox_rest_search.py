"""rest/search.py: `search/issues` as GitHub reads a query, through unchanged PyGithub."""

from __future__ import annotations

import pytest
from github import GithubException

from tests.sandbox_helpers import OWNER, REPO, github


def test_search_requires_a_type_and_filters(sb):
    sb.create_issue(OWNER, REPO, "Ready to run", labels=["runmaestro.ai"])
    sb.create_issue(OWNER, REPO, "Other")
    gh = github(sb, "contributor")
    with pytest.raises(GithubException) as missing:
        list(gh.search_issues(f"repo:{OWNER}/{REPO} label:runmaestro.ai"))
    assert missing.value.status == 422 and "is:issue" in missing.value.data["message"]
    found = list(gh.search_issues(f"repo:{OWNER}/{REPO} is:issue is:open label:runmaestro.ai"))
    assert [i.title for i in found] == ["Ready to run"]
    assert [i.title for i in gh.search_issues("is:issue Other in:title")] == ["Other"]
    assert list(gh.search_issues(f"repo:{OWNER}/{REPO} is:pr")) == []
