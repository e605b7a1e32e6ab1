"""Security review: what an agent can plant between tasks so that the harness's git runs its code while it
holds the token (the agent runs as the bot's own user when the bot is not root, so it can write the git dir)."""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from symphony_bot.workspace.gitops import GitError, Identity, Remote, WorkTree

TOKEN = "bot-token-review-0123456789"


@pytest.fixture
def sandbox() -> Iterator[object]:
    from symphony_bot.sandbox import Sandbox

    with Sandbox() as sb:
        sb.add_user("bot", token=TOKEN)
        sb.create_repo("bot", "p", files={"README.md": "hi\n"})
        yield sb


def _probe(tmp_path: Path) -> tuple[Path, Path]:
    ran = tmp_path / "ran"
    probe = tmp_path / "probe.sh"
    probe.write_text(f'#!/bin/sh\necho "$0 $*" >> {ran}\nenv >> {ran}\n')
    probe.chmod(0o755)
    return probe, ran


def _assert_nothing_ran(ran: Path) -> None:
    seen = ran.read_text() if ran.exists() else ""
    encoded = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    assert encoded not in seen and TOKEN not in seen
    assert not seen, seen


def test_a_planted_commondir_cannot_redirect_the_configuration(sandbox, tmp_path: Path) -> None:
    """`GIT_DIR/commondir` makes git read config, objects and refs from another folder: a config there is never
    restored by the harness, so `core.alternateRefsCommand` ran during fetch/push with the token in its env."""
    tree = WorkTree.clone(Remote(sandbox.git_url("bot", "p"), TOKEN), "main", tmp_path / "work", tmp_path / "private")
    tree.create_branch("symphony/1-abc")
    probe, ran = _probe(tmp_path)
    evil = tmp_path / "evil"
    shutil.copytree(tree.git_dir, evil)
    alternate = tmp_path / "alternate"
    shutil.copytree(tree.git_dir, alternate)
    with (evil / "config").open("a") as config:
        config.write(f"[core]\n\talternateRefsCommand = {probe}\n")
    (evil / "objects" / "info").mkdir(exist_ok=True)
    (evil / "objects" / "info" / "alternates").write_text(f"{alternate / 'objects'}\n")
    (tree.git_dir / "commondir").write_text(f"{evil}\n")

    (tree.path / "change.txt").write_text("changed\n")
    tree.commit_all("symphony: a.md — x\n\nRefs #1\n", Identity("bot", "bot@example.com"))
    tree.push("symphony/1-abc")
    tree.checkout_remote_branch("symphony/1-abc")

    _assert_nothing_ran(ran)
    assert sandbox.file("bot", "p", "change.txt", ref="symphony/1-abc") == "changed\n"


def test_an_excluded_folder_stays_out_of_commits_whatever_the_repositorys_gitignore_says(tmp_path: Path) -> None:
    """Attachments are copied into the work tree under a folder `exclude` keeps out of every commit, through
    `info/exclude`. A `.gitignore` in the work tree (the repository's, or one the agent writes) outranks
    `info/exclude`: `!/.symphony-attachments/` put the downloaded documents into the pushed commit."""
    from symphony_bot.sandbox import Sandbox

    with Sandbox() as sb:
        sb.add_user("bot", token=TOKEN)
        sb.create_repo("bot", "p", files={"README.md": "hi\n", ".gitignore": "!/.symphony-attachments/\n"})
        tree = WorkTree.clone(Remote(sb.git_url("bot", "p"), TOKEN), "main", tmp_path / "work", tmp_path / "private")
        tree.create_branch("symphony/1-abc")
        tree.exclude("/.symphony-attachments/")
        (tree.path / ".symphony-attachments").mkdir()
        (tree.path / ".symphony-attachments" / "01-doc.md").write_text("- [x] task\n")
        (tree.path / "change.txt").write_text("changed\n")
        tree.commit_all("symphony: doc — task\n\nRefs #1\n", Identity("bot", "bot@example.com"))
        tree.push("symphony/1-abc")
        assert sb.file("bot", "p", "change.txt", ref="symphony/1-abc") == "changed\n"
        assert sb.file("bot", "p", ".symphony-attachments/01-doc.md", ref="symphony/1-abc") is None


def _as_agent(tree: WorkTree, *args: str) -> str:
    """git as an agent sharing the bot's user runs it: straight at the private git directory."""
    environment = {
        "GIT_DIR": str(tree.git_dir),
        "GIT_WORK_TREE": str(tree.path),
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "agent",
        "GIT_AUTHOR_EMAIL": "agent@example.com",
        "GIT_COMMITTER_NAME": "agent",
        "GIT_COMMITTER_EMAIL": "agent@example.com",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(["git", *args], cwd=tree.path, env=environment, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def test_a_replace_ref_decoy_cannot_hide_the_agents_workflow_commit(sandbox, tmp_path: Path) -> None:
    """The agent commits a workflow, then `git replace`s that commit with a decoy whose tree has no workflow:
    with replace objects honoured, both guards (the diff since the last push, the log of its commits) read the
    decoy and the workflow was pushed. git runs with GIT_NO_REPLACE_OBJECTS=1, so they read the real commit."""
    tree = WorkTree.clone(Remote(sandbox.git_url("bot", "p"), TOKEN), "main", tmp_path / "work", tmp_path / "private")
    tree.create_branch("symphony/1-abc")
    since = tree.head()
    workflows = tree.path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "evil.yml").write_text("on: push\njobs: {}\n")
    (tree.path / "work.txt").write_text("done\n")
    _as_agent(tree, "add", "-A")
    _as_agent(tree, "commit", "-qm", "work")
    real = _as_agent(tree, "rev-parse", "HEAD")
    decoy_tree = _as_agent(tree, "rev-parse", f"{since}^{{tree}}")
    decoy = _as_agent(tree, "commit-tree", decoy_tree, "-p", since, "-m", "work")
    _as_agent(tree, "replace", real, decoy)
    assert _as_agent(tree, "show", "--name-only", "--format=", "HEAD") == ""  # the decoy is what git shows

    with pytest.raises(GitError, match=r"\.github/workflows/"):
        tree.commit_all("symphony: a.md — x\n\nRefs #1\n", Identity("bot", "bot@example.com"), since=since)
    assert "symphony/1-abc" not in sandbox.branches("bot", "p")


def test_grafts_cannot_hide_an_agent_commit_that_touched_workflows(tmp_path: Path) -> None:
    """`info/grafts` rewrites parents: the agent commits a workflow (A), removes it again (B) and grafts B onto
    the last push, so A vanishes from the history git walks. git runs with GIT_GRAFT_FILE=/dev/null."""
    from tests.test_workspace_gitops import git

    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / "README.md").write_text("hi\n")
    git(work, "add", "README.md")
    git(work, "commit", "-qm", "one")
    home = tmp_path / "home"
    home.mkdir()
    tree = WorkTree(work, work / ".git", home, Remote("https://example.invalid/o/r.git"))
    since = tree.head()
    (work / ".github" / "workflows").mkdir(parents=True)
    (work / ".github" / "workflows" / "evil.yml").write_text("on: push\n")
    _as_agent(tree, "add", "-A")
    _as_agent(tree, "commit", "-qm", "A")
    _as_agent(tree, "rm", "-rq", ".github")
    (work / "work.txt").write_text("done\n")
    _as_agent(tree, "add", "-A")
    _as_agent(tree, "commit", "-qm", "B")
    head = _as_agent(tree, "rev-parse", "HEAD")
    (work / ".git" / "info").mkdir(exist_ok=True)
    (work / ".git" / "info" / "grafts").write_text(f"{head} {since}\n")
    assert _as_agent(tree, "log", "--format=%s", f"{since}..HEAD") == "B"  # A is hidden from a plain git

    with pytest.raises(GitError, match=r"\.github/workflows/"):
        tree.commit_all("symphony: a.md — x\n\nRefs #1\n", Identity("bot", "bot@example.com"), since=since)
