"""Caps on what one task pushes, checked before the commit: GitHub's 100 MiB limit per file (a warning above
50 MiB), at most 10,000 changed files, at most 500 MiB of new content. GitHub's limits:
https://docs.github.com/en/repositories/working-with-files/managing-large-files/about-large-files-on-github
Sizes come from sparse files (truncate): git reads zeros, the disk holds nothing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from symphony_bot.workspace.gitops import Identity, PushRefused, Remote, WorkTree
from symphony_bot.workspace.push_caps import (
    GITHUB_FILE_LIMIT_BYTES,
    GITHUB_FILE_WARNING_BYTES,
    MAX_CHANGED_FILES,
    MAX_DIFF_BYTES,
    MIB,
    PushCaps,
    judge,
)
from tests.test_workspace_gitops import git

ME = Identity("bot", "bot@example.com")


def test_githubs_limits_are_the_defaults() -> None:
    assert GITHUB_FILE_LIMIT_BYTES == 100 * 1024 * 1024  # "blocks files larger than 100 MiB"
    assert GITHUB_FILE_WARNING_BYTES == 50 * 1024 * 1024  # "a warning ... larger than 50 MiB"
    assert (MAX_CHANGED_FILES, MAX_DIFF_BYTES) == (10_000, 500 * MIB)


def test_the_verdict_names_the_file_and_the_fix() -> None:
    caps = PushCaps()
    assert judge(3, [("a", 10)], caps).refusal is None
    refusal = judge(1, [("big.bin", 101 * MIB)], caps).refusal
    assert refusal is not None and "big.bin is 101.0 MiB" in refusal and "Git LFS" in refusal
    assert "docs.github.com" in refusal
    assert judge(10_001, [], caps).refusal == (
        "the task changed 10,001 files, more than the 10,000 one task may change; nothing of it is committed or "
        "pushed and the run stops (split the task into smaller ones)"
    )
    assert "over the 500.0 MiB" in (judge(11, [(f"f{i}", 49 * MIB) for i in range(11)], caps).refusal or "")
    [warning] = judge(1, [("half.bin", 60 * MIB)], caps).warnings
    assert "half.bin is 60.0 MiB" in warning and "it is pushed" in warning


@pytest.fixture
def tree(tmp_path: Path) -> WorkTree:
    """A work tree on a local repository (nothing is pushed: every cap refuses before the commit)."""
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / "README.md").write_text("hi\n")
    git(work, "add", "README.md")
    git(work, "commit", "-qm", "one")
    home = tmp_path / "home"
    home.mkdir()
    return WorkTree(work, work / ".git", home, Remote("https://example.invalid/o/r.git"))


def _sparse(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(size)


def _refused(tree: WorkTree, match: str) -> None:
    before = tree.head()
    with pytest.raises(PushRefused, match=match):
        tree.commit_all("symphony: a.md — x", ME)
    assert tree.head() == before  # nothing was committed


def test_a_file_over_githubs_limit_is_refused_before_commit(tree: WorkTree) -> None:
    _sparse(tree.path / "data" / "disk.img", GITHUB_FILE_LIMIT_BYTES + 1)
    (tree.path / "notes.txt").write_text("ok\n")
    _refused(tree, r"data/disk\.img is 100\.0 MiB, over GitHub's 100\.0 MiB limit")


def test_a_file_over_the_warning_size_is_pushed_with_a_warning(tree: WorkTree) -> None:
    _sparse(tree.path / "half.bin", GITHUB_FILE_WARNING_BYTES + MIB)
    result = tree.commit_all("symphony: a.md — x", ME)
    assert result.created
    [warning] = result.warnings
    assert "half.bin is 51.0 MiB, over GitHub's 50.0 MiB warning size" in warning


def test_more_than_ten_thousand_changed_files_are_refused(tree: WorkTree) -> None:
    many = tree.path / "many"
    many.mkdir()
    for index in range(MAX_CHANGED_FILES + 1):
        (many / f"{index}.txt").write_bytes(b"")
    _refused(tree, "the task changed 10,001 files, more than the 10,000")


def test_the_file_count_cap_is_a_parameter(tree: WorkTree) -> None:
    tree.caps = PushCaps(max_changed_files=5)
    for index in range(5):
        (tree.path / f"{index}.txt").write_text(str(index))
    assert tree.commit_all("five", ME).created
    for index in range(6):
        (tree.path / f"{index}.txt").write_text(f"changed {index}")
    _refused(tree, "the task changed 6 files, more than the 5")


def test_a_task_adding_more_content_than_the_cap_is_refused(tree: WorkTree) -> None:
    """The default (500 MiB) is judged in test_the_verdict_names_the_file_and_the_fix; through git, the same rule
    with a lowered cap keeps the test from hashing half a gigabyte of zeros."""
    tree.caps = PushCaps(max_diff_bytes=8 * MIB)
    for index in range(3):  # 3 x 3 MiB: 9 MiB together
        _sparse(tree.path / "parts" / f"{index}.bin", 3 * MIB + index)  # distinct sizes: distinct blobs
    _refused(tree, r"the task's changes add 9\.0 MiB of content, over the 8\.0 MiB one task may push")


def test_a_large_file_in_a_commit_the_agent_made_itself_is_counted(tree: WorkTree) -> None:
    """The agent (sharing the bot's user) commits a 101 MiB file and deletes it again in a second commit: the
    work tree and the index are clean of it, but the push would carry it."""
    environment = {
        "GIT_DIR": str(tree.git_dir),
        "GIT_WORK_TREE": str(tree.path),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "a",
        "GIT_AUTHOR_EMAIL": "a@b",
        "GIT_COMMITTER_NAME": "a",
        "GIT_COMMITTER_EMAIL": "a@b",
        "PATH": "/usr/bin:/bin",
    }
    since = tree.head()
    _sparse(tree.path / "hidden.bin", GITHUB_FILE_LIMIT_BYTES + MIB)
    for args in (["add", "-A"], ["commit", "-qm", "big"], ["rm", "-q", "hidden.bin"], ["commit", "-qm", "gone"]):
        subprocess.run(["git", *args], cwd=tree.path, env=environment, check=True, capture_output=True)
    (tree.path / "work.txt").write_text("done\n")
    with pytest.raises(PushRefused, match=r"hidden\.bin is 101\.0 MiB"):
        tree.commit_all("symphony: a.md — x", ME, since=since)
