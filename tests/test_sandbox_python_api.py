"""python_api.py: the `Sandbox` API tests build worlds with."""

from __future__ import annotations

from tests.sandbox_helpers import OWNER, REPO


def test_read_only_views_are_copies(sb):
    sb.create_issue(OWNER, REPO, "x")
    view = sb.issues(OWNER, REPO)
    view[0].title = "changed"
    assert sb.issue(OWNER, REPO, 1).title == "x"
