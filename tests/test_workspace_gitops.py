import subprocess
import tempfile
from pathlib import Path

import pytest

from symphony_bot.workspace.gitops import FileTooLarge, GitError, read_file_at_revision

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "PATH": "/usr/bin:/bin",
}


def git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True)


def test_reads_a_file_as_it_was_at_a_revision(tmp_path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "f.json").write_bytes(b"\xef\xbb\xbfold")
    git(tmp_path, "add", "f.json")
    git(tmp_path, "commit", "-qm", "one")
    (tmp_path / "f.json").write_text("new")
    git(tmp_path, "commit", "-qam", "two")
    assert read_file_at_revision(tmp_path, "HEAD~1", "f.json") == b"\xef\xbb\xbfold"
    assert read_file_at_revision(tmp_path / ".git" / "..", "main", "f.json") == b"new"


def test_missing_revision_or_path_is_a_clear_error(tmp_path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "f").write_text("x")
    git(tmp_path, "add", "f")
    git(tmp_path, "commit", "-qm", "one")
    with pytest.raises(GitError, match="cannot read nope:f"):
        read_file_at_revision(tmp_path, "nope", "f")
    with pytest.raises(GitError, match=r"cannot read main:missing\.json"):
        read_file_at_revision(tmp_path, "main", "missing.json")


def test_outside_a_repository_is_a_clear_error() -> None:
    # Not tmp_path: the suite keeps its temporary folders inside the checkout, which is a git repository.
    with tempfile.TemporaryDirectory() as outside, pytest.raises(GitError, match="not inside a git repository"):
        read_file_at_revision(Path(outside), "HEAD", "f")


def test_a_file_over_the_cap_is_refused_before_it_is_read(tmp_path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "big.json").write_bytes(b"x" * 5000)
    git(tmp_path, "add", "big.json")
    git(tmp_path, "commit", "-qm", "one")
    with pytest.raises(FileTooLarge, match="5,000 bytes") as refused:
        read_file_at_revision(tmp_path, "main", "big.json", max_bytes=4096)
    assert refused.value.size == 5000
    assert read_file_at_revision(tmp_path, "main", "big.json", max_bytes=5000) == b"x" * 5000


def test_a_revision_that_looks_like_an_option_is_refused(tmp_path) -> None:
    with pytest.raises(GitError, match="is not a revision"):
        read_file_at_revision(tmp_path, "--output=/tmp/x", "f")


# ---- the work tree of a contribution run ------------------------------------------------------------------

TOKEN = "bot-token-0123456789abcdef"


@pytest.fixture
def sandbox_repo():
    from symphony_bot.sandbox import Sandbox

    with Sandbox() as sb:
        sb.add_user("bot", token=TOKEN)
        sb.create_repo("bot", "p", files={"README.md": "hi\n", "docs/a.md": "- [ ] x\n"})
        yield sb


def _clone(sb, tmp_path):
    from symphony_bot.workspace.gitops import Remote, WorkTree

    return WorkTree.clone(Remote(sb.git_url("bot", "p"), TOKEN), "main", tmp_path / "work", tmp_path / "private")


def test_clone_leaves_no_git_directory_in_the_work_tree_and_no_token_on_disk(sandbox_repo, tmp_path) -> None:
    tree = _clone(sandbox_repo, tmp_path)
    assert sorted(p.name for p in tree.path.iterdir()) == ["README.md", "docs"]
    assert not tree.git_dir.is_relative_to(tree.path)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    assert "x-access-token" not in (tree.git_dir / "config").read_text()


def test_commit_and_push_a_branch_never_forced(sandbox_repo, tmp_path) -> None:
    from symphony_bot.workspace.gitops import GitError, Identity

    tree = _clone(sandbox_repo, tmp_path)
    tree.create_branch("symphony/1-abc")
    assert tree.commit_all("nothing", Identity("bot", "bot@example.com")).created is False
    (tree.path / "new.txt").write_text("x\n")
    result = tree.commit_all("symphony: a.md — x\n\nRefs #1\n", Identity.for_login("bot", 7))
    assert result.created
    tree.push("symphony/1-abc")
    assert sandbox_repo.branches("bot", "p")["symphony/1-abc"] == result.sha
    assert tree.remote_branches("symphony/1-") == {"symphony/1-abc": result.sha}
    assert sandbox_repo.file("bot", "p", "new.txt", ref="symphony/1-abc") == "x\n"
    # Someone else moves the branch on: our push is refused, not forced over theirs.
    sandbox_repo.push_branch("bot", "p", "symphony/1-abc", {"other.txt": "y\n"})
    (tree.path / "more.txt").write_text("z\n")
    tree.commit_all("more", Identity("bot", "bot@example.com"))
    with pytest.raises(GitError, match="git push failed"):
        tree.push("symphony/1-abc")


def test_resume_checks_out_a_pushed_branch(sandbox_repo, tmp_path) -> None:
    sha = sandbox_repo.push_branch("bot", "p", "symphony/1-old", {"docs/a.md": "- [x] x\n"})
    tree = _clone(sandbox_repo, tmp_path)
    assert tree.checkout_remote_branch("symphony/1-old") == sha
    assert (tree.path / "docs" / "a.md").read_text() == "- [x] x\n"


def test_a_bad_branch_name_is_refused(sandbox_repo, tmp_path) -> None:
    from symphony_bot.workspace.gitops import GitError

    tree = _clone(sandbox_repo, tmp_path)
    for name in ("--upload-pack=x", "a..b", "a b", ""):
        with pytest.raises(GitError, match="is not a branch name"):
            tree.create_branch(name)


def test_nothing_planted_by_the_agent_runs_and_the_token_is_never_seen(sandbox_repo, tmp_path) -> None:
    """An agent that finds the git directory and plants every configuration that runs a program."""
    from symphony_bot.workspace.gitops import Identity

    tree = _clone(sandbox_repo, tmp_path)
    tree.create_branch("symphony/1-abc")
    ran = tmp_path / "ran"
    probe = tmp_path / "probe.sh"
    probe.write_text(f'#!/bin/sh\necho "$0 $*" >> {ran}\nenv >> {ran}\ncat\n')
    probe.chmod(0o755)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for hook in ("pre-commit", "commit-msg", "post-commit", "pre-push", "reference-transaction", "post-checkout"):
        (hooks / hook).write_text(probe.read_text())
        (hooks / hook).chmod(0o755)
        (tree.git_dir / "hooks").mkdir(exist_ok=True)
        (tree.git_dir / "hooks" / hook).write_text(probe.read_text())
        (tree.git_dir / "hooks" / hook).chmod(0o755)
    included = tmp_path / "included.gitconfig"
    included.write_text(f"[core]\n\thooksPath = {hooks}\n")
    with (tree.git_dir / "config").open("a") as config:
        config.write(
            f"[core]\n\thooksPath = {hooks}\n\tfsmonitor = {probe}\n\tsshCommand = {probe}\n\tpager = {probe}\n"
            f'[filter "evil"]\n\tclean = {probe}\n\tsmudge = {probe}\n\tprocess = {probe}\n\trequired = true\n'
            f'[diff "evil"]\n\tcommand = {probe}\n\ttextconv = {probe}\n'
            f"[credential]\n\thelper = !{probe}\n"
            f"[include]\n\tpath = {included}\n"
        )
    (tree.git_dir / "info").mkdir(exist_ok=True)
    (tree.git_dir / "info" / "attributes").write_text("* filter=evil diff=evil\n")
    (tree.path / ".gitattributes").write_text("* filter=evil diff=evil\n")
    planted = tree.path / ".git"
    planted.mkdir()
    (planted / "config").write_text(f"[core]\n\thooksPath = {hooks}\n\tfsmonitor = {probe}\n")
    (tree.path / "change.txt").write_text("changed\n")

    tree.commit_all("symphony: a.md — x\n\nRefs #1\n", Identity("bot", "bot@example.com"))
    tree.push("symphony/1-abc")
    tree.remote_branches("symphony/")

    assert not ran.exists(), ran.read_text()
    assert sandbox_repo.file("bot", "p", "change.txt", ref="symphony/1-abc") == "changed\n"
    assert sandbox_repo.file("bot", "p", ".git/config", ref="symphony/1-abc") is None
