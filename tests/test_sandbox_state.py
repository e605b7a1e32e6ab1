"""GitHub's linking and claim rules in the shared state (what REST and GraphQL both read)."""

from __future__ import annotations

import pytest

from symphony_bot.sandbox.state import SandboxError
from tests.sandbox_helpers import OWNER, REPO, github


@pytest.fixture(autouse=True)
def _ten_issues(sb):
    for number in range(1, 11):
        sb.create_issue(OWNER, REPO, f"issue {number}")


def closers(sb, number, include_closed=True):
    state = sb.state
    repo = state.find_repo(OWNER, REPO)
    found = state.closed_by_pulls(repo, repo.issues[number], include_closed=include_closed)
    return [pull.number for _, pull in found]


def test_keywords_link_only_on_the_default_branch(sb):
    sb.push_branch(OWNER, REPO, "develop", {"d": "1"})
    sb.push_branch(OWNER, REPO, "feature", {"f": "1"}, base="develop")
    off_default = sb.open_pull(OWNER, REPO, "feature", "develop", body="Fixes: #3")
    assert closers(sb, 3) == []
    github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_pull(off_default.number).edit(base="main")
    assert closers(sb, 3) == [off_default.number]


def test_colon_upper_case_and_cross_repo(sb):
    sb.create_repo("other", "lib")
    sb.create_issue("other", "lib", "upstream bug")
    sb.push_branch(OWNER, REPO, "a", {"a": "1"})
    pull = sb.open_pull(OWNER, REPO, "a", body="CLOSES #10 and fixes other/lib#1; see #4")
    assert closers(sb, 10) == [pull.number] and closers(sb, 4) == []
    other = sb.state.find_repo("other", "lib")
    assert [p.number for _, p in sb.state.closed_by_pulls(other, other.issues[1])] == [pull.number]
    closes = sb.state.closing_issues(sb.state.find_repo(OWNER, REPO).issues[pull.number])
    assert [(repo.full_name, issue.number) for repo, issue in closes] == [(f"{OWNER}/{REPO}", 10), ("other/lib", 1)]


def test_editing_the_body_removes_and_restores_the_link(sb):
    sb.push_branch(OWNER, REPO, "a", {"a": "1"})
    pull = sb.open_pull(OWNER, REPO, "a", body="Closes #2", draft=True)
    gh_pull = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_pull(pull.number)
    gh_pull.edit(body="No longer claims #2")
    assert closers(sb, 2) == []
    gh_pull.edit(body="resolves #2")
    assert closers(sb, 2) == [pull.number]


def test_closed_unmerged_pulls_hidden_unless_asked_and_merged_kept(sb):
    sb.push_branch(OWNER, REPO, "a", {"a": "1"})
    sb.push_branch(OWNER, REPO, "b", {"b": "1"})
    abandoned = sb.open_pull(OWNER, REPO, "a", body="fixes #5")
    merged = sb.open_pull(OWNER, REPO, "b", body="fixes #5")
    github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_pull(abandoned.number).edit(state="closed")
    sb.merge_pull(OWNER, REPO, merged.number)
    assert closers(sb, 5, include_closed=False) == [merged.number]
    assert closers(sb, 5) == [abandoned.number, merged.number]
    assert sb.issue(OWNER, REPO, 5).state == "closed" and sb.issue(OWNER, REPO, 5).state_reason == "completed"


def test_draft_toggle_and_draft_cannot_merge(sb):
    sb.push_branch(OWNER, REPO, "a", {"a": "1"})
    pull = sb.open_pull(OWNER, REPO, "a", body="fixes #1", draft=True)
    state = sb.state
    repo = state.find_repo(OWNER, REPO)
    with pytest.raises(SandboxError) as refused:
        state.merge_pull(repo, repo.issues[pull.number], "maintainer")
    assert refused.value.status == 405
    with pytest.raises(SandboxError):
        state.set_draft(repo, repo.issues[pull.number], False, "stranger")
    state.set_draft(repo, repo.issues[pull.number], False, "maintainer")
    assert not repo.issues[pull.number].pull.draft
    assert [event.event for event in repo.issues[pull.number].events][-1] == "ready_for_review"


def test_node_ids_resolve(sb):
    sb.push_branch(OWNER, REPO, "a", {"a": "1"})
    pull = sb.open_pull(OWNER, REPO, "a")
    state = sb.state
    repo = state.find_repo(OWNER, REPO)
    assert state.node(repo.node_id) is repo
    assert state.node(repo.issues[1].node_id) is repo.issues[1]
    assert state.node(pull.node_id) is repo.issues[pull.number]
    assert state.node(state.user("maintainer").node_id).login == "maintainer"
    assert pull.node_id.startswith("PR_") and repo.issues[1].node_id.startswith("I_")
    assert state.node("I_nope") is None
