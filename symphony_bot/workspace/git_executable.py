"""Which `git` the harness runs, decided once: a root-owned program in a root-owned system folder, never the
first `git` on a PATH the agent may be able to write to (a planted `git` would receive the token's header).

A location is trusted when the program and every folder from `/` down to it (symbolic links resolved first)
belong to root and are neither group- nor world-writable. The PATH that git itself gets (for the helpers it
starts, like `sh`) is cut down the same way: the system folders that pass that check, nothing else."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Where distributions and the project's image install git; the first trusted one wins.
GIT_CANDIDATES = ("/usr/bin/git", "/bin/git", "/usr/local/bin/git")
SYSTEM_PATH_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
_WRITABLE_BY_OTHERS = stat.S_IWGRP | stat.S_IWOTH
NO_TRUSTED_GIT = (
    "no trusted git program found: looked for {candidates}, each of which must be owned by root, in folders owned "
    "by root, with no group or world write permission anywhere on the way (install git with the system's package "
    "manager, e.g. `apt-get install git`)"
)


class UntrustedGit(RuntimeError):
    """No git program the harness may run; the message says where it looked and how to fix it."""


def untrusted_reason(path: Path) -> str | None:
    """Why `path` is not a trusted location (None when it is): who owns it or may write to it, on the way down."""
    try:
        real = Path(os.path.realpath(path, strict=True))
    except OSError as error:
        return f"{path}: {error.strerror or error}"
    steps = [real, *real.parents]
    for step in reversed(steps):
        info = os.stat(step, follow_symlinks=False)
        if info.st_uid != 0:
            return f"{step} belongs to uid {info.st_uid}, not root"
        if info.st_mode & _WRITABLE_BY_OTHERS:
            return f"{step} is writable by its group or by everyone (mode {stat.filemode(info.st_mode)})"
    return None


def _find_trusted_git() -> str:
    for candidate in GIT_CANDIDATES:
        path = Path(candidate)
        if untrusted_reason(path) is None and os.access(path, os.X_OK) and path.is_file():
            return os.path.realpath(path)
    raise UntrustedGit(NO_TRUSTED_GIT.format(candidates=", ".join(GIT_CANDIDATES)))


def trusted_path() -> str:
    """The PATH git's own helpers are looked up in: the system folders that are root's alone."""
    dirs = [d for d in SYSTEM_PATH_DIRS if Path(d).is_dir() and untrusted_reason(Path(d)) is None]
    return os.pathsep.join(dict.fromkeys(os.path.realpath(d) for d in dirs))


_RESOLVED: dict[str, tuple[str, str]] = {}  # "git": (executable, PATH), filled once


def git_program() -> tuple[str, str]:
    """(the git executable, the PATH to give it), resolved on first use and then fixed for the process."""
    if "git" not in _RESOLVED:
        _RESOLVED["git"] = (_find_trusted_git(), trusted_path())
    return _RESOLVED["git"]


@contextmanager
def git_program_for_tests(executable: Path) -> Iterator[None]:
    """Test hook: run `executable` (e.g. a wrapper that logs its environment) in place of the resolved git.
    Production code never calls this; resolution itself keeps refusing untrusted locations."""
    before = dict(_RESOLVED)
    _RESOLVED["git"] = (str(executable), trusted_path())
    try:
        yield
    finally:
        _RESOLVED.clear()
        _RESOLVED.update(before)
