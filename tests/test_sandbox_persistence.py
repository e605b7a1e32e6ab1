"""persistence.py: `sb.save()` and `Sandbox(root=...)` round trips."""

from __future__ import annotations

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
