"""Caps on what one task may push, checked before the commit is made (pure: gitops asks git for the numbers).

GitHub refuses a push holding a file over 100 MiB and warns above 50 MiB:
https://docs.github.com/en/repositories/working-with-files/managing-large-files/about-large-files-on-github
Beyond GitHub's own limit, a task that changes more than MAX_CHANGED_FILES files or adds more than
MAX_DIFF_BYTES of content is refused too: an agent that writes a generated tree or a disk image into the
repository is not doing the task, and the push would be slow, huge and unreviewable."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MIB = 1024 * 1024
LARGE_FILES_DOCS = (
    "https://docs.github.com/en/repositories/working-with-files/managing-large-files/about-large-files-on-github"
)
GITHUB_FILE_LIMIT_BYTES = 100 * MIB
GITHUB_FILE_WARNING_BYTES = 50 * MIB
MAX_CHANGED_FILES = 10_000
MAX_DIFF_BYTES = 500 * MIB

FILE_OVER_LIMIT = (
    "{path} is {size}, over GitHub's {limit} limit for one file ({docs}); nothing of this task is committed or "
    "pushed and the run stops (keep such files out of the repository, or track them with Git LFS)"
)
FILE_OVER_WARNING = (
    "{path} is {size}, over GitHub's {limit} warning size for one file ({docs}); it is pushed, but a file this "
    "large is better tracked with Git LFS"
)
TOO_MANY_FILES = (
    "the task changed {count:,} files, more than the {cap:,} one task may change; nothing of it is committed or "
    "pushed and the run stops (split the task into smaller ones)"
)
DIFF_TOO_LARGE = (
    "the task's changes add {size} of content, over the {cap} one task may push; nothing of it is committed or "
    "pushed and the run stops (split the task, or keep generated and binary files out of the repository)"
)


@dataclass(frozen=True)
class PushCaps:
    max_file_bytes: int = GITHUB_FILE_LIMIT_BYTES
    warn_file_bytes: int = GITHUB_FILE_WARNING_BYTES
    max_changed_files: int = MAX_CHANGED_FILES
    max_diff_bytes: int = MAX_DIFF_BYTES


@dataclass(frozen=True)
class Verdict:
    refusal: str | None  # None: within every cap
    warnings: tuple[str, ...] = ()


def size_text(size: int) -> str:
    return f"{size / MIB:,.1f} MiB" if size >= MIB else f"{size:,} bytes"


def judge(changed_files: int, blobs: Iterable[tuple[str, int]], caps: PushCaps) -> Verdict:
    """`changed_files`: paths the task changes; `blobs`: (path, size) of each new file content it pushes (the
    same content counted once: git sends it once)."""
    if changed_files > caps.max_changed_files:
        return Verdict(TOO_MANY_FILES.format(count=changed_files, cap=caps.max_changed_files))
    warnings = []
    total = 0
    for path, size in blobs:
        total += size
        if size > caps.max_file_bytes:
            limit = size_text(caps.max_file_bytes)
            return Verdict(FILE_OVER_LIMIT.format(path=path, size=size_text(size), limit=limit, docs=LARGE_FILES_DOCS))
        if size > caps.warn_file_bytes:
            limit = size_text(caps.warn_file_bytes)
            warnings.append(
                FILE_OVER_WARNING.format(path=path, size=size_text(size), limit=limit, docs=LARGE_FILES_DOCS)
            )
    if total > caps.max_diff_bytes:
        return Verdict(DIFF_TOO_LARGE.format(size=size_text(total), cap=size_text(caps.max_diff_bytes)))
    return Verdict(None, tuple(warnings))
