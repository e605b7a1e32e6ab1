"""Reading and writing Auto Run documents that an untrusted agent could have replaced.

A document is trusted only at start: between two reads the agent has had the work tree to itself, and may have
swapped the document (or a folder above it, or the `runs/` folder of the working copies) for a symlink to
`/dev/zero` or to a file outside the repository, a FIFO, a device or a hard link. So every read and every write
goes through the same checks, every time:

- the path is walked from the repository one component at a time with `O_NOFOLLOW` (each folder opened with
  `O_DIRECTORY` relative to the one before): a symlink anywhere below the repository is refused, and nothing
  can be swapped in between the check and the use, because the check *is* the open;
- the file is opened with `O_NONBLOCK` (a FIFO cannot block the engine), then `fstat`ed: it must be a regular
  file with one link, at most `MAX_DOCUMENT_BYTES` long, and no more than that is ever read;
- working copies are created with `O_CREAT | O_EXCL | O_NOFOLLOW` inside a `runs/` folder opened the same way,
  so an existing file, link or folder of the agent's making is never written through.

Every refusal is a `DocumentRefused` whose message names the document and the reason.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
MAX_NAME_ATTEMPTS = 100
NEW_FILE_MODE = 0o644
_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class DocumentRefused(Exception):
    """A document (or a folder on its way) that fails the checks; the message says which and why."""


def _relative_parts(path: Path, repo_dir: Path) -> tuple[str, ...]:
    try:
        parts = path.relative_to(repo_dir).parts
    except ValueError:
        raise DocumentRefused(f"{path} is outside the repository {repo_dir}") from None
    if not parts or any(part in ("", ".", "..") for part in parts):
        raise DocumentRefused(f"{path} is not a file path inside the repository {repo_dir}")
    return parts


def _why(error: OSError, what: str) -> str:
    if error.errno == errno.ELOOP:
        return f"{what} is a symbolic link (replaced since the run started?)"
    if error.errno == errno.ENOTDIR:
        return f"{what} is not a folder"
    return f"{what}: {error.strerror or error}"


@contextlib.contextmanager
def _open_folder(repo_dir: Path, parts: tuple[str, ...]) -> Iterator[int]:
    """A descriptor of repo_dir/parts..., every component opened without following a link."""
    try:
        descriptor = os.open(repo_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise DocumentRefused(_why(error, f"the repository {repo_dir}")) from error
    try:
        walked = repo_dir
        for part in parts:
            walked = walked / part
            try:
                inner = os.open(part, _DIRECTORY_FLAGS, dir_fd=descriptor)
            except OSError as error:
                if error.errno == errno.ENOTDIR and _is_link(part, descriptor):
                    error = OSError(errno.ELOOP, os.strerror(errno.ELOOP))  # say what it is: a link
                raise DocumentRefused(_why(error, f"the folder {walked}")) from error
            os.close(descriptor)
            descriptor = inner
        yield descriptor
    finally:
        os.close(descriptor)


def _is_link(name: str, folder: int) -> bool:
    """Only to word the refusal: the open that refused it already decided."""
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _check_regular(info: os.stat_result, path: Path, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise DocumentRefused(f"{path} is no longer a regular file (a FIFO, a device or a folder)")
    if info.st_nlink > 1:
        raise DocumentRefused(f"{path} has {info.st_nlink} hard links: it may be a file outside the repository")
    if info.st_size > limit:
        raise DocumentRefused(f"{path} is larger than {limit} bytes")


def read_document(path: Path, repo_dir: Path, limit: int = MAX_DOCUMENT_BYTES) -> str:
    """The text of the document at `path` (absolute, under the resolved `repo_dir`), after every check."""
    parts = _relative_parts(path, repo_dir)
    with _open_folder(repo_dir, parts[:-1]) as folder:
        try:
            descriptor = os.open(parts[-1], _READ_FLAGS, dir_fd=folder)
        except OSError as error:
            raise DocumentRefused(_why(error, str(path))) from error
    try:
        _check_regular(os.fstat(descriptor), path, limit)
        chunks = []
        left = limit + 1
        while left > 0 and (chunk := os.read(descriptor, min(left, 1024 * 1024))):
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as error:
        raise DocumentRefused(_why(error, str(path))) from error
    finally:
        os.close(descriptor)
    if left <= 0:
        raise DocumentRefused(f"{path} grew past {limit} bytes while it was read")
    return b"".join(chunks).decode("utf-8", errors="replace")


def create_working_copy(folder: Path, stem: str, data: bytes, repo_dir: Path) -> Path:
    """Write `data` to a new file `folder/<stem>.md` (or `<stem>-2.md`, … when taken), creating `folder` when
    missing; neither the folder nor the file may be, or be reached through, a link. Returns the file's path."""
    parts = _relative_parts(folder, repo_dir)
    with _open_folder(repo_dir, parts[:-1]) as parent:
        try:
            os.mkdir(parts[-1], 0o755, dir_fd=parent)
        except FileExistsError:
            pass  # opened below without following a link: a symlink planted there is refused
        except OSError as error:
            raise DocumentRefused(_why(error, f"cannot create the folder {folder}")) from error
    with _open_folder(repo_dir, parts) as runs:
        for attempt in range(1, MAX_NAME_ATTEMPTS + 1):
            name = f"{stem}.md" if attempt == 1 else f"{stem}-{attempt}.md"
            try:
                descriptor = os.open(name, _CREATE_FLAGS, NEW_FILE_MODE, dir_fd=runs)
            except FileExistsError:
                continue
            except OSError as error:
                raise DocumentRefused(_why(error, f"cannot create {folder / name}")) from error
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(descriptor, view) :]
            except OSError as error:
                raise DocumentRefused(_why(error, f"cannot write {folder / name}")) from error
            finally:
                os.close(descriptor)
            return folder / name
    raise DocumentRefused(f"cannot create a working copy of {stem} in {folder}: every name is taken")
