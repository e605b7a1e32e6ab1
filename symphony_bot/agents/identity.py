"""One identity per agent run: a uid and gid no other run, user or process on the host has.

`allocate()` picks a random uid in `[FIRST_UID, FIRST_UID + UID_SPAN)` (gid = uid) that
- no account or group names (`/etc/passwd`, `/etc/group`, through NSS),
- no live process has as its real, effective or saved uid (one `/proc` scan per allocation),
- no other run holds: an exclusive `flock` on `<lock dir>/<uid>.lock`, kept until `release()`. The lock folder
  (`SYMPHONY_UID_LOCK_DIR`, default `/tmp/symphony-bot-uids`) is root's, mode 0700, and no link: two runs in one
  container, and two containers that share /tmp, see each other's locks.
The span is large (10^8) so two containers that do not share /tmp still practically never meet; and an
identity is handed back only after every process of it is gone (`agents.sweep`).
"""

from __future__ import annotations

import contextlib
import fcntl
import grp
import os
import pwd
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

FIRST_UID = 2_000_000_000
UID_SPAN = 100_000_000
LOCK_DIR_ENV = "SYMPHONY_UID_LOCK_DIR"
DEFAULT_LOCK_DIR = "/tmp/symphony-bot-uids"  # noqa: S108 (root's own 0700 folder, checked before use)
LOCK_DIR_MODE = 0o700
ATTEMPTS = 64


class IdentityError(OSError):
    """No identity can be allocated; the message names the cause and the fix."""


@dataclass
class Identity:
    uid: int
    gid: int
    lock_fd: int = field(default=-1, repr=False)

    def release(self) -> None:
        """Give the uid back (after its processes are swept and its files taken back)."""
        if self.lock_fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.lock_fd)  # closing drops the flock; the file stays (unlinking would race)
            self.lock_fd = -1


def lock_dir() -> Path:
    """The lock folder, created root-owned 0700 when missing; refused when anyone else could write to it."""
    path = Path(os.environ.get(LOCK_DIR_ENV) or DEFAULT_LOCK_DIR)
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, LOCK_DIR_MODE)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise IdentityError(
            f"{path} (the agent uid lock folder) is not a folder of the bot's own with mode 0700; remove it, or "
            f"set {LOCK_DIR_ENV} to a folder only root may write to"
        )
    return path


def uids_in_use() -> set[int]:
    """Every real, effective and saved uid of a process visible here."""
    found: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", "rb") as status:
                for line in status:
                    if line.startswith(b"Uid:"):
                        found.update(int(value) for value in line.split()[1:4])
                        break
        except (OSError, ValueError):
            continue
    return found


def _named(uid: int) -> bool:
    for lookup in (pwd.getpwuid, grp.getgrgid):
        try:
            lookup(uid)
        except KeyError:
            continue
        return True
    return False


def allocate() -> Identity:
    """A fresh identity, locked for this run. Raises IdentityError."""
    folder = lock_dir()
    busy = uids_in_use()
    for _ in range(ATTEMPTS):
        uid = FIRST_UID + secrets.randbelow(UID_SPAN)
        if uid in busy or _named(uid):
            continue
        fd = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return Identity(uid, uid, fd)
    raise IdentityError(f"no free agent uid found in {ATTEMPTS} tries between {FIRST_UID} and {FIRST_UID + UID_SPAN}")
