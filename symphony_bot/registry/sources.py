"""Where a registry is read from: a file in the work tree, or a file as it is at a git revision.

The two are never guessed from one string. A revision is only ever given as its own value (`registry diff
--base-rev REV`), so a file in a pull request named like `<sha>:symphony-registry.json` is just a file and can
never stand in for git's object. Either way at most the size cap is read (`jsondoc.MAX_DOCUMENT_BYTES`); a file
over it becomes a `too-large` finding, not a read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from symphony_bot.registry.jsondoc import (
    MAX_DOCUMENT_BYTES,
    JsonDocument,
    parse_json_bytes,
    read_json_file,
    too_large_document,
)
from symphony_bot.workspace.gitops import FileTooLarge, GitError, read_file_at_revision

REVISION_OPTION = "--base-rev"
# What a revision given on its own may not hold: "-" first would reach git as an option, ":" would split
# REV:PATH elsewhere than meant, and blanks or control characters are no revision anyone types.
_REFUSED_IN_REVISION = frozenset(":\\") | {chr(code) for code in range(0x21)} | {"\x7f"}


class SourceUnreadable(Exception):
    """The registry could not be read at all; the message names the cause and the fix."""


@dataclass(frozen=True)
class Source:
    """A registry file: in the work tree, or (with `revision`) in the repository at that revision, where
    `path` is from the repository's root."""

    path: str
    revision: str | None = None

    @property
    def display(self) -> str:
        return f"{self.revision}:{self.path}" if self.revision is not None else self.path


def at_revision(revision: str, work_tree_path: str, cwd: Path | None = None) -> Source:
    """The file at `work_tree_path` (relative to `cwd`) as it is at `revision`. Raises SourceUnreadable for a
    revision that could be mistaken for something else, or a path outside the repository."""
    refused = sorted({char for char in revision if char in _REFUSED_IN_REVISION})
    if not revision or revision.startswith("-") or refused:
        shown = (", ".join(repr(char) for char in refused) or "a leading '-'") if revision else "nothing"
        raise SourceUnreadable(
            f"{revision!r} is not a revision: it holds {shown}; give a commit, branch or tag "
            f"(e.g. {REVISION_OPTION} origin/main)"
        )
    here = (cwd or Path.cwd()).resolve()
    root = _repository_root(here)
    if root is None:
        raise SourceUnreadable(f"{here} is not inside a git repository, so {REVISION_OPTION} cannot be read")
    absolute = (here / work_tree_path).resolve(strict=False)
    if not absolute.is_relative_to(root):
        raise SourceUnreadable(f"{work_tree_path} is outside the repository {root}; give a file inside it")
    return Source(absolute.relative_to(root).as_posix(), revision)


def _repository_root(directory: Path) -> Path | None:
    """The nearest directory holding `.git` (a directory, or a worktree's file): where git paths start."""
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def unreadable_reason(name: str, error: OSError) -> str:
    if isinstance(error, IsADirectoryError):
        return f"{name} is a directory; give the registry file itself"
    if isinstance(error, FileNotFoundError):
        if ":" in name:
            return (
                f"{name} does not exist in the work tree; to compare with a file as it is at a git revision, "
                f"use {REVISION_OPTION} REV"
            )
        return f"{name} does not exist; pass the path of symphony-registry.json"
    return f"cannot read {name}: {error.strerror or error}"


def load(source: Source, cwd: Path | None = None) -> JsonDocument:
    """The parsed registry. Raises SourceUnreadable when it cannot be read at all."""
    if source.revision is not None:
        try:
            raw = read_file_at_revision(cwd or Path.cwd(), source.revision, source.path, max_bytes=MAX_DOCUMENT_BYTES)
        except FileTooLarge as error:
            return too_large_document(error.size)
        except GitError as error:
            raise SourceUnreadable(str(error)) from error
        return parse_json_bytes(raw)
    try:
        return read_json_file((cwd or Path.cwd()) / source.path)
    except OSError as error:
        raise SourceUnreadable(unreadable_reason(source.path, error)) from error
