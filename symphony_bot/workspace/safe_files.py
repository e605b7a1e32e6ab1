"""Writing into a work tree without following anything planted in it.

Every step is relative to a directory file descriptor and refuses links: folders are opened with
O_DIRECTORY|O_NOFOLLOW, new folders are made with mkdirat (which fails on anything already there, a dangling
link included), new files with O_CREAT|O_EXCL|O_NOFOLLOW, and an existing file is only rewritten when it is a
regular file with one link. A symbolic link, a FIFO or a hard link put in the way makes the call fail
(OSError), it never redirects the write."""

from __future__ import annotations

import os
import stat
from pathlib import Path

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_EXISTING = os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK  # NONBLOCK: a FIFO must not hang the open


class NotPlain(OSError):
    """The entry is not what the harness may write into (a link, a device, a FIFO, a hard link...)."""


def _check_name(name: str) -> None:
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise NotPlain(f"{name!r} is not a single file name")


def open_directory(path: Path) -> int:
    """A folder the harness made itself (the work tree's root); its last step must not be a link."""
    return os.open(path, _DIRECTORY)


def open_child_directory(parent: int, name: str) -> int:
    _check_name(name)
    return os.open(name, _DIRECTORY, dir_fd=parent)


def make_directory(parent: int, name: str, mode: int = 0o777) -> int:
    """A new folder `name` in `parent`, opened; FileExistsError when anything at all is already there."""
    _check_name(name)
    os.mkdir(name, mode, dir_fd=parent)
    return open_child_directory(parent, name)


def kind_of(parent: int, name: str) -> str | None:
    """'directory', 'symbolic link', 'file' or 'special file' (lstat: nothing followed); None when absent."""
    _check_name(name)
    try:
        info = os.stat(name, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(info.st_mode):
        return "directory"
    if stat.S_ISLNK(info.st_mode):
        return "symbolic link"
    return "file" if stat.S_ISREG(info.st_mode) else "special file"


def create_file(directory: int, name: str, data: bytes, mode: int = 0o666, *, replace: bool = False) -> None:
    """Write `data` to a new file `name`. With `replace`, an entry already there that is not a folder is
    removed first (unlinkat removes a link itself, never its target)."""
    _check_name(name)
    if replace and kind_of(directory, name) not in (None, "directory"):
        os.unlink(name, dir_fd=directory)
    descriptor = os.open(name, _NEW_FILE, mode, dir_fd=directory)
    try:
        _write_all(descriptor, data)
    finally:
        os.close(descriptor)


def read_file(directory: int, name: str) -> bytes:
    descriptor = _open_plain(directory, name, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(descriptor, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def rewrite_file(directory: int, name: str, data: bytes) -> None:
    descriptor = _open_plain(directory, name, os.O_WRONLY)
    try:
        os.ftruncate(descriptor, 0)
        _write_all(descriptor, data)
    finally:
        os.close(descriptor)


def _open_plain(directory: int, name: str, access: int) -> int:
    _check_name(name)
    descriptor = os.open(name, access | _EXISTING, dir_fd=directory)
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        os.close(descriptor)
        raise NotPlain(f"{name} is not a regular file with a single link")
    return descriptor


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]
