"""rest/git.py: git refs through unchanged PyGithub, with GitHub's refusals."""

from __future__ import annotations

import pytest
from github import GithubException

from tests.sandbox_helpers import OWNER, REPO, github


@pytest.mark.parametrize("name", ["a..b", "has space", "x.lock", ".hidden", "a:b", "trailing/", "tilde~1", "at@{x"])
def test_creating_a_ref_with_an_invalid_name_is_422_not_a_dropped_connection(sb, name):
    repo = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}")
    sha = sb.branches(OWNER, REPO)["main"]
    with pytest.raises(GithubException) as refused:
        repo.create_git_ref(f"refs/heads/{name}", sha)
    assert refused.value.status == 422
    assert refused.value.data["message"] == f"refs/heads/{name} is not a valid ref name."
    assert set(sb.branches(OWNER, REPO)) == {"main"}
    assert repo.get_branch("main").commit.sha == sha  # the connection and the server are still fine


def test_a_ref_that_would_nest_under_an_existing_branch_fails_as_on_github(sb):
    sha = sb.push_branch(OWNER, REPO, "feature", {"a": "1"})
    repo = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}")
    with pytest.raises(GithubException) as refused:
        repo.create_git_ref("refs/heads/feature/x", sha)
    assert (refused.value.status, refused.value.data["message"]) == (422, "Reference update failed")
    assert repo.create_git_ref("refs/heads/feature-x", sha).ref == "refs/heads/feature-x"


def test_matching_refs_lists_every_branch_under_heads(sb):
    sb.push_branch(OWNER, REPO, "symphony/1", {"a": "1"})
    sb.push_branch(OWNER, REPO, "feature", {"b": "1"})
    repo = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}")
    assert [ref.ref for ref in repo.get_git_matching_refs("heads")] == [
        "refs/heads/feature",
        "refs/heads/main",
        "refs/heads/symphony/1",
    ]
    assert [ref.ref for ref in repo.get_git_matching_refs("heads/symphony/")] == ["refs/heads/symphony/1"]
    assert list(repo.get_git_matching_refs("tags")) == []


def test_branches_and_refs(sb):
    sha = sb.push_branch(OWNER, REPO, "feature/x", {"a": "1"})
    repo = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}")
    assert {b.name for b in repo.get_branches()} == {"main", "feature/x"}
    assert repo.get_branch("feature/x").commit.sha == sha
    assert repo.get_git_ref("heads/feature/x").object.sha == sha
    ref = repo.create_git_ref("refs/heads/copy", sha)
    assert sb.branches(OWNER, REPO)["copy"] == sha
    ref.delete()
    assert "copy" not in sb.branches(OWNER, REPO)
