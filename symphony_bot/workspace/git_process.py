"""One git process with exactly the environment the caller built: nothing inherited from the bot.

GitPython's `Git.execute(env=...)` starts from a copy of `os.environ` and merges `env` into it (git/cmd.py,
`env = os.environ.copy(); ... env.update(inline_env)`), so every git command saw the bot's GITHUB_TOKEN and
model keys. Here the process gets `environment` and nothing else, and the program is the one resolved once by
`git_executable` (never a PATH lookup)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from symphony_bot.workspace.git_executable import UntrustedGit, git_program, trusted_path

GIT_TIMEOUT_SECONDS = 120
LOCALE = "C.UTF-8"


@dataclass
class GitFailure(Exception):
    """git exited non-zero (or did not finish): what it printed, for the caller to word."""

    command: tuple[str, ...]
    status: int | None
    stdout: str
    stderr: str


def base_environment(home: Path) -> dict[str, str]:
    """What every git command gets: a trusted PATH, a private HOME, a fixed locale, no system or global config,
    no prompts, no replace objects and no grafts (so every tree and history read is the real one)."""
    try:
        _, path = git_program()
    except UntrustedGit:
        path = trusted_path()  # run_git refuses to start anything, with the reason
    return {
        "PATH": path,
        "HOME": str(home),
        "LANG": LOCALE,
        "LC_ALL": LOCALE,
        "LANGUAGE": "C",  # English messages: "nothing to commit" is read from git's output
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "",
        "SSH_ASKPASS": "",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_ATTR_NOSYSTEM": "1",
        # `refs/replace/<sha>` would let a decoy stand in for a commit or tree the guards read.
        "GIT_NO_REPLACE_OBJECTS": "1",
        # `info/grafts` rewrites parents (deprecated, still honoured by git 2.39, and not switched off by
        # GIT_NO_REPLACE_OBJECTS): an empty graft file instead.
        "GIT_GRAFT_FILE": os.devnull,
    }


def run_git(
    args: list[str],
    *,
    cwd: Path,
    environment: Mapping[str, str],
    stdin: bytes | None = None,
    timeout: float = GIT_TIMEOUT_SECONDS,
    binary: bool = False,
) -> str | bytes:
    """Run `git ARGS` in `cwd` with exactly `environment`; stdout (text unless `binary`). Raises GitFailure."""
    try:
        executable, _ = git_program()
    except UntrustedGit as error:  # said like any git failure: the run stops with the reason, no traceback
        raise GitFailure(tuple(args), None, "", str(error)) from None
    try:
        done = subprocess.run(
            [executable, *args],
            cwd=cwd,
            env=dict(environment),
            input=stdin if stdin is not None else b"",
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise GitFailure(tuple(args), None, "", f"did not finish within {timeout:g} seconds") from error
    if done.returncode != 0:
        raise GitFailure(tuple(args), done.returncode, _text(done.stdout), _text(done.stderr))
    return done.stdout if binary else _text(done.stdout)


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")
