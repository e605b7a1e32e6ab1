"""Every git process the harness starts gets an environment built from scratch, from a git resolved once in
root-owned folders: a `git` planted first on PATH never runs, and no secret of the bot's environment reaches
git, except the token's HTTP header on the commands that talk to the remote."""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from symphony_bot.workspace import git_executable
from symphony_bot.workspace.git_executable import (
    UntrustedGit,
    git_program,
    git_program_for_tests,
    untrusted_reason,
)
from symphony_bot.workspace.gitops import GitError, Identity, Remote, WorkTree, read_file_at_revision
from tests.test_workspace_gitops import git

TOKEN = "bot-token-env-0123456789abcdef"
BOT_SECRETS = {
    "GITHUB_TOKEN": "ghs_bot_environment_token_value",
    "SYMPHONY_GITHUB_TOKEN": "ghs_symphony_environment_token",
    "ANTHROPIC_API_KEY": "sk-ant-bot-model-key-value",
    "OPENAI_API_KEY": "sk-openai-bot-model-key-value",
    "AWS_SECRET_ACCESS_KEY": "aws-secret-bot-value",
}
NETWORK_COMMANDS = {"fetch", "push", "ls-remote", "clone"}
# Everything git may see: what git_process.base_environment and gitops set, nothing inherited.
ALLOWED = {
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "LANGUAGE",
    "GIT_CONFIG_NOSYSTEM",
    "GIT_CONFIG_GLOBAL",
    "GIT_TERMINAL_PROMPT",
    "GIT_ASKPASS",
    "SSH_ASKPASS",
    "GIT_OPTIONAL_LOCKS",
    "GIT_ATTR_NOSYSTEM",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_GRAFT_FILE",
    "GIT_DIR",
    "GIT_COMMON_DIR",
    "GIT_WORK_TREE",
    "GIT_CONFIG_COUNT",
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
}
# What /bin/sh adds to the environment it passes to `env` in the wrapper below.
SHELL_ADDED = {"PWD", "SHLVL", "OLDPWD", "_"}


@pytest.fixture
def sandbox() -> Iterator[object]:
    from symphony_bot.sandbox import Sandbox

    with Sandbox() as sb:
        sb.add_user("bot", token=TOKEN)
        sb.create_repo("bot", "p", files={"README.md": "hi\n"})
        yield sb


def _logging_git(tmp_path: Path) -> tuple[Path, Path]:
    """A `git` that writes its argv and environment to one file per call, then runs the real git."""
    real, _ = git_program()
    log = tmp_path / "calls"
    log.mkdir()
    wrapper = tmp_path / "wrapper" / "git"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nf=$(mktemp -p {log})\nprintf "%s\\n" "$1" > "$f"\nenv >> "$f"\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    return wrapper, log


def _calls(log: Path) -> list[tuple[str, dict[str, str]]]:
    calls = []
    for path in log.iterdir():
        first, *lines = path.read_text().splitlines()
        environment = dict(line.split("=", 1) for line in lines if "=" in line)
        calls.append((first, environment))
    return calls


def test_each_git_process_sees_no_secret_and_the_header_only_when_it_talks_to_the_remote(
    sandbox, tmp_path, monkeypatch
) -> None:
    for name, value in BOT_SECRETS.items():
        monkeypatch.setenv(name, value)
    wrapper, log = _logging_git(tmp_path)
    header = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    plain = tmp_path / "plain"
    plain.mkdir()
    git(plain, "init", "-q", "-b", "main")
    (plain / "f").write_text("x")
    git(plain, "add", "f")
    git(plain, "commit", "-qm", "one")
    with git_program_for_tests(wrapper):
        tree = WorkTree.clone(Remote(sandbox.git_url("bot", "p"), TOKEN), "main", tmp_path / "w", tmp_path / "p")
        tree.create_branch("symphony/1-abc")
        (tree.path / "new.txt").write_text("x\n")
        tree.commit_all("symphony: a.md — x\n\nRefs #1\n", Identity("bot", "bot@example.com"))
        tree.push("symphony/1-abc")
        tree.remote_branches("symphony/")
        tree.log_subjects("HEAD~1..HEAD")
        read_file_at_revision(plain, "HEAD", "f")  # outside a WorkTree: the same rules
    calls = _calls(log)
    commands = {command for command, _ in calls}
    assert {"init", "fetch", "checkout", "add", "diff", "commit", "push", "ls-remote", "cat-file"} <= commands
    for command, environment in calls:
        inherited = set(environment) - ALLOWED - SHELL_ADDED
        inherited = {k for k in inherited if not k.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))}
        assert inherited == set(), (command, inherited)
        text = "\n".join(environment.values())
        for secret in BOT_SECRETS.values():
            assert secret not in text, (command, secret)
        assert TOKEN not in text
        assert (header in text) is (command in NETWORK_COMMANDS), command
        assert environment["GIT_NO_REPLACE_OBJECTS"] == "1" and environment["GIT_CONFIG_NOSYSTEM"] == "1"
        assert environment["GIT_CONFIG_GLOBAL"] == os.devnull and environment["GIT_TERMINAL_PROMPT"] == "0"
        assert environment["LC_ALL"] == "C.UTF-8" and environment["GIT_GRAFT_FILE"] == os.devnull
        assert environment["HOME"] != os.environ.get("HOME")
        for folder in environment["PATH"].split(os.pathsep):
            assert untrusted_reason(Path(folder)) is None, folder


def test_a_git_planted_first_on_path_never_runs(sandbox, tmp_path, monkeypatch) -> None:
    # Cloned first: the sandbox's own git server looks git up on PATH, and must not meet the planted one.
    tree = WorkTree.clone(Remote(sandbox.git_url("bot", "p"), TOKEN), "main", tmp_path / "w", tmp_path / "p")
    planted_dir = tmp_path / "bin"
    planted_dir.mkdir()
    ran = tmp_path / "planted-ran"
    for name in ("git", "sh", "cat", "less"):  # git itself, and what git might start by name
        (planted_dir / name).write_text(f"#!/bin/sh\necho {name} >> {ran}\nexit 1\n")
        (planted_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{planted_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(git_executable, "_RESOLVED", {})  # resolve again, as a fresh process would
    executable, path = git_program()
    assert untrusted_reason(Path(executable)) is None
    assert str(planted_dir) not in path.split(os.pathsep)
    (tree.path / "new.txt").write_text("x\n")
    result = tree.commit_all("x", Identity("bot", "bot@example.com"))
    assert result.created and tree.log_subjects("HEAD~1..HEAD") == ["x"]
    assert not ran.exists()


def _owned_by_someone_else(path: Path) -> None:
    if os.geteuid() == 0:
        os.chown(path, 12345, 12345)  # as root: give it away; otherwise it is ours, not root's, already


def test_resolution_refuses_locations_root_does_not_own_alone(tmp_path, monkeypatch) -> None:
    # A folder like /tmp, world-writable and sticky: a git there is never taken. The folder is made so here,
    # because where pytest's own folders live (root's alone in a CI checkout) is not the test's to assume.
    tmp_path.chmod(0o1777)
    planted = tmp_path / "git"
    planted.write_text("#!/bin/sh\nexit 0\n")
    planted.chmod(0o755)
    assert untrusted_reason(planted) is not None
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o755)
    (mine / "git").write_text("#!/bin/sh\n")
    _owned_by_someone_else(mine / "git")
    reason = untrusted_reason(mine / "git")
    assert reason is not None
    link = tmp_path / "link-to-usr-bin-git"
    link.symlink_to("/usr/bin/git")
    assert untrusted_reason(link) is None  # a link is judged by where it leads (root's /usr/bin/git)
    monkeypatch.setattr(git_executable, "GIT_CANDIDATES", (str(planted), str(mine / "git")))
    monkeypatch.setattr(git_executable, "_RESOLVED", {})
    with pytest.raises(UntrustedGit, match="no trusted git program found") as refused:
        git_program()
    assert "apt-get install git" in str(refused.value)
    # Met by a run: a GitError naming the cause and the fix (the runner's failure reason), no traceback.
    with pytest.raises(GitError, match=r"git init failed: no trusted git program found.*apt-get install git"):
        WorkTree.clone(Remote("https://example.invalid/o/r.git", TOKEN), "main", tmp_path / "w", tmp_path / "p")
    with pytest.raises(GitError, match="cannot read HEAD:f: no trusted git program found"):
        read_file_at_revision(tmp_path, "HEAD", "f")


def test_a_group_or_world_writable_step_on_the_way_is_refused(tmp_path) -> None:
    if os.geteuid() != 0:
        # Not root: nothing we create is root's, so the ownership rule already refuses it.
        folder = tmp_path / "open"
        folder.mkdir()
        assert "not root" in (untrusted_reason(folder) or "")
        return
    # Root: a folder of our own in a root-only place (HOME is /root, mode 0700), so only the modes we set count.
    top = Path(tempfile.mkdtemp(prefix="symphony-trust-", dir=Path.home()))
    try:
        assert untrusted_reason(top) is None, "the test needs a root-owned, not group/world-writable HOME"
        inner = top / "bin"
        inner.mkdir()
        (inner / "git").write_text("#!/bin/sh\n")
        os.chmod(inner / "git", 0o755)
        os.chmod(inner, 0o775)
        assert "writable by its group or by everyone" in (untrusted_reason(inner / "git") or "")
        os.chmod(inner, 0o755)
        assert untrusted_reason(inner / "git") is None
        os.chmod(inner / "git", 0o757)
        assert "writable by its group or by everyone" in (untrusted_reason(inner / "git") or "")
    finally:
        shutil.rmtree(top)
