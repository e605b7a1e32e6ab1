"""Handing a tree to the agent's uid and taking it back, without ever following a path the agent could change.

Both directions run only while no process of the agent's uid exists (before it starts; after `agents.sweep`),
so nobody can swap anything mid-walk; and the walk holds anyway if someone could: `os.fwalk` opens each folder
with `O_NOFOLLOW | O_DIRECTORY` relative to its parent's descriptor and checks that what it opened is what it
listed, and every entry is changed with `fchownat(parent_fd, name, AT_SYMLINK_NOFOLLOW)` — one name in a
folder held open, never a path resolved again, never through a link. The top folder is changed through its
own descriptor (`fchown`, `fchmod`). `.git` at the top stays the bot's (see SHARED_TOP_MODE). A file with
more than one hard link is not handed over (it may be a file from outside the tree).
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

GIT_FOLDER = ".git"
PRIVATE_MODE = 0o700
# The work tree's top folder while the agent works: the bot's, group the agent's, sticky. Only the agent's uid
# (through its own gid) may enter and create there, and it cannot rename or remove what the bot left at the top
# (`.git`), which an owner of the folder could.
SHARED_TOP_MODE = 0o1770


def _open_folder(path: Path) -> int:
    return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)


@dataclass(frozen=True)
class Top:
    """Owner and mode of the top folder of a tree."""

    uid: int
    gid: int
    mode: int


def change_owner(root: Path, uid: int, gid: int, *, give: bool, top_as: Top | None = None) -> Top:
    """Own everything below `root` (`.git` at the top left out) as uid:gid, and the top folder as `top_as`
    (default uid:gid, its mode kept). `give`: the agent gets it, so multiply linked files are skipped.
    Returns the top folder's former owner and mode."""
    top = _open_folder(root)
    try:
        before = os.fstat(top)
        wanted = top_as or Top(uid, gid, stat.S_IMODE(before.st_mode))
        os.fchown(top, wanted.uid, wanted.gid)
        os.fchmod(top, wanted.mode)
        for _folder, folders, files, folder_fd in os.fwalk(dir_fd=top, follow_symlinks=False):
            if folder_fd == top or os.path.samestat(os.fstat(folder_fd), before):
                if GIT_FOLDER in folders:
                    folders.remove(GIT_FOLDER)
                with contextlib.suppress(ValueError):
                    files.remove(GIT_FOLDER)  # a worktree's .git file
            for name in (*folders, *files):
                _change_entry(folder_fd, name, uid, gid, give=give)
    finally:
        os.close(top)
    return Top(before.st_uid, before.st_gid, stat.S_IMODE(before.st_mode))


def _change_entry(folder_fd: int, name: str, uid: int, gid: int, *, give: bool) -> None:
    try:
        info = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
        if give and stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
            return
        if (info.st_uid, info.st_gid) != (uid, gid):
            os.chown(name, uid, gid, dir_fd=folder_fd, follow_symlinks=False)
    except FileNotFoundError:
        return
