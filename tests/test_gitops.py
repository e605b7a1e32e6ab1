import subprocess

import pytest

from symphony_bot.gitops import FileTooLarge, GitError, read_file_at_revision

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


def test_outside_a_repository_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(GitError, match="not inside a git repository"):
        read_file_at_revision(tmp_path, "HEAD", "f")


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
