"""When the bot runs as root, the agent runs as an unprivileged user of its own.

Root can read every process's `/proc/PID/environ` and memory whatever the bot does, and every file the bot
leaves in its temporary folders or its git configuration. So a bot running as root starts each agent as
`AGENT_USER` (created on first use, a system account with no home and no login shell), through `setpriv`
(util-linux) with no supplementary groups, no capabilities (bounding set cleared) and no new privileges. For
the run the agent's user owns the work tree (except `.git`, whose hooks and config the bot itself will run)
and its private scratch folder; afterwards the bot takes both back, so it commits and pushes as itself.

Ownership is changed without following links (`lchown`, no descent through a linked folder), and a file with
more than one hard link is never handed over (it may be a file from outside the work tree).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from symphony_bot.agents.base import AgentSetupError, TaskRequest

AGENT_USER = "symphony-agent"
GIT_FOLDER = ".git"
SETPRIV = "setpriv"
USERADD = "useradd"
NO_LOGIN_SHELLS = ("/usr/sbin/nologin", "/sbin/nologin", "/bin/false")
USERADD_TIMEOUT_S = 30.0


class AgentUserError(AgentSetupError):
    """The agent cannot be run as its own user; the message names the cause and the fix."""


@dataclass(frozen=True)
class AgentUser:
    name: str
    uid: int
    gid: int

    def drop_privileges(self, argv: list[str]) -> list[str]:
        """`argv` started as this user, without groups, capabilities or a way to gain privileges."""
        setpriv = shutil.which(SETPRIV)
        if setpriv is None:
            raise AgentUserError(f"`{SETPRIV}` (util-linux) is not installed: it starts the agent as {self.name}")
        return [
            setpriv,
            f"--reuid={self.uid}",
            f"--regid={self.gid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--",
            *argv,
        ]


def running_as_root() -> bool:
    return os.geteuid() == 0


def ensure_agent_user(name: str = AGENT_USER) -> AgentUser:
    """The user `name`, created as a system account without a home or a login shell when missing."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        useradd = shutil.which(USERADD)
        if useradd is None:
            raise AgentUserError(f"the user {name} does not exist and `{USERADD}` is missing: create it") from None
        shell = next((path for path in NO_LOGIN_SHELLS if os.path.exists(path)), "/bin/false")
        created = subprocess.run(
            [useradd, "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", shell, "-U", name],
            capture_output=True,
            text=True,
            timeout=USERADD_TIMEOUT_S,
            check=False,
        )
        if created.returncode not in (0, 9):  # 9: created meanwhile by another run
            raise AgentUserError(f"cannot create the user {name}: {created.stderr.strip()}") from None
        entry = pwd.getpwnam(name)
    if entry.pw_uid == 0:
        raise AgentUserError(f"the user {name} has uid 0: the agent user must be unprivileged")
    return AgentUser(name, entry.pw_uid, entry.pw_gid)


def unreachable_folder(path: Path) -> Path | None:
    """The first folder above `path` that other users may not enter (no `o+x`), or None."""
    for folder in reversed(path.resolve().parents):
        try:
            mode = folder.stat().st_mode
        except OSError:
            return folder
        if not mode & stat.S_IXOTH:
            return folder
    return None


def _tree(root: Path) -> Iterator[tuple[str, bool]]:
    """(path, is a folder) for root and everything below it, never through a link, `.git` at the top left out."""
    yield str(root), True
    for folder, folders, files in os.walk(root, followlinks=False):
        if os.path.samefile(folder, root) and GIT_FOLDER in folders:
            folders.remove(GIT_FOLDER)
        for name in folders:
            yield os.path.join(folder, name), True
        for name in files:
            yield os.path.join(folder, name), False


def change_owner(root: Path, uid: int, gid: int, *, skip_linked: bool) -> None:
    """`lchown` root and everything below it (`.git` left out); `skip_linked` leaves files with more than one
    hard link as they are."""
    for path, _is_folder in _tree(root):
        try:
            info = os.lstat(path)
            if skip_linked and stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
                continue
            if (info.st_uid, info.st_gid) != (uid, gid):
                os.lchown(path, uid, gid)
        except FileNotFoundError:
            continue


@contextlib.contextmanager
def handed_over(request: TaskRequest) -> Iterator[AgentUser | None]:
    """For `request.run_as`: the agent's user owns the work tree (but `.git`) and its scratch folder while the
    block runs, then the work tree goes back to its owner. Yields None when the agent runs as the bot."""
    if request.run_as is None:
        yield None
        return
    user = ensure_agent_user(request.run_as)
    for path in (request.repo_dir, request.scratch_dir):
        blocked = unreachable_folder(path)
        if blocked is not None:
            raise AgentUserError(
                f"{user.name} cannot reach {path}: other users may not enter {blocked}; put the checkout (and the "
                "temporary folder) under folders others may enter (chmod o+x)"
            )
    owner = request.repo_dir.stat()
    change_owner(request.scratch_dir, user.uid, user.gid, skip_linked=True)
    change_owner(request.repo_dir, user.uid, user.gid, skip_linked=True)
    try:
        yield user
    finally:
        change_owner(request.repo_dir, owner.st_uid, owner.st_gid, skip_linked=False)
