"""persistence.py: `sb.save()` and `Sandbox(root=...)` round trips."""

from __future__ import annotations

import pytest
from github import Auth, Github, GithubException

from symphony_bot.sandbox import Sandbox
from tests.sandbox_helpers import OWNER, REPO, github


def test_save_and_load_round_trip(sb, tmp_path):
    sb.create_issue(OWNER, REPO, "work", labels=["runmaestro.ai"])
    sb.push_branch(OWNER, REPO, "fix", {"f": "1"})
    sb.open_pull(OWNER, REPO, "fix", title="Fix", body="closes #1", draft=True)
    sb.rename_repo(OWNER, REPO, "moved")
    sb.save(tmp_path / "saved")
    with Sandbox(root=tmp_path / "saved") as loaded:
        repo = github(loaded, "maintainer").get_repo(f"{OWNER}/moved")
        assert repo.get_issue(1).labels[0].name == "runmaestro.ai"
        assert repo.get_pull(2).draft
        state = loaded.state
        issue = state.find_repo(OWNER, "moved").issues[1]
        assert [pr.number for _, pr in state.closed_by_pulls(state.find_repo(OWNER, "moved"), issue)] == [2]
        assert state.node(issue.node_id) is issue
        assert loaded.file(OWNER, "moved", "f", ref="fix") == "1"
        assert github(loaded, "maintainer").get_repo(f"{OWNER}/{REPO}").full_name == f"{OWNER}/moved"


def test_installation_tokens_and_the_actions_setting_survive_a_round_trip(sb, tmp_path):
    token = sb.add_actions_token(OWNER, REPO, permissions={"issues": "write"})
    sb.set_actions_can_create_pulls(OWNER, REPO)
    sb.create_issue(OWNER, REPO, "x")
    sb.save(tmp_path / "saved")
    with Sandbox(root=tmp_path / "saved") as loaded:
        gh = Github(base_url=loaded.api_url, auth=Auth.Token(token), retry=None, seconds_between_writes=0)
        issue = gh.get_repo(f"{OWNER}/{REPO}").get_issue(1)
        assert issue.create_comment("still me").user.login == "github-actions[bot]"
        with pytest.raises(GithubException) as refused:
            gh.get_repo(f"{OWNER}/{REPO}").create_git_ref("refs/heads/x", loaded.branches(OWNER, REPO)["main"])
        assert refused.value.status == 403  # the permissions came back too
        assert loaded.repo(OWNER, REPO).actions_can_create_pulls


def test_personal_token_limits_plans_and_answer_shapes_survive_a_round_trip(sb, tmp_path):
    sb.add_personal_token("contributor", "ghp_norepo", scopes=["public_repo"])
    sb.set_plan(OWNER, "pro")
    sb.set_installation_repo_permissions("absent")
    sb.set_graphql_rate_limit_shape("RATE_LIMITED")
    sb.save(tmp_path / "saved")
    with Sandbox(root=tmp_path / "saved") as loaded:
        assert loaded.state.personal_token("ghp_norepo").scopes == ("public_repo",)
        assert loaded.state.user(OWNER).plan == "pro"
        assert loaded.state.installation_repo_permissions == "absent"
        assert loaded.state.graphql_rate_limit_shape == "RATE_LIMITED"
