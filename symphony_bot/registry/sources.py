"""Where a registry is read from: a file in the work tree, or a file at a git revision (`REV:PATH`).

Either way at most the size cap is read (`symphony_bot.jsondoc.MAX_DOCUMENT_BYTES`); a file over it becomes a
`too-large` finding, not a read.
"""

from __future__ import annotations

from pathlib import Path

from symphony_bot.gitops import FileTooLarge, GitError, read_file_at_revision
from symphony_bot.jsondoc import MAX_DOCUMENT_BYTES, JsonDocument, parse_json_bytes, read_json_file, too_large_document


class SourceUnreadable(Exception):
    """The registry could not be read at all; the message names the cause and the fix."""


def is_revision_reference(source: str) -> bool:
    return ":" in source and not Path(source).exists()


def display_path(source: str) -> str:
    """The path findings are reported against: PATH for REV:PATH, the source itself otherwise."""
    return source.split(":", 1)[1] if is_revision_reference(source) else source


def unreadable_reason(name: str, error: OSError) -> str:
    if isinstance(error, IsADirectoryError):
        return f"{name} is a directory; give the registry file itself"
    if isinstance(error, FileNotFoundError):
        return f"{name} does not exist; pass the path of symphony-registry.json"
    return f"cannot read {name}: {error.strerror or error}"


def load_source(source: str, repo_dir: Path | None = None) -> JsonDocument:
    """A path, or REV:PATH read through git from the repository around `repo_dir` (default: the current
    directory). Raises SourceUnreadable when neither can be read."""
    if is_revision_reference(source):
        revision, path = source.split(":", 1)
        try:
            return parse_json_bytes(
                read_file_at_revision(repo_dir or Path.cwd(), revision, path, max_bytes=MAX_DOCUMENT_BYTES)
            )
        except FileTooLarge as error:
            return too_large_document(error.size)
        except GitError as error:
            raise SourceUnreadable(str(error)) from error
    try:
        return read_json_file(Path(source))
    except OSError as error:
        raise SourceUnreadable(unreadable_reason(source, error)) from error
