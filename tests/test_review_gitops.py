"""Security review: what an agent can plant between tasks so that the harness's git runs its code while it
holds the token (the agent runs as the bot's own user when the bot is not root, so it can write the git dir)."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from symphony_bot.workspace.gitops import Identity, Remote, WorkTree

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
