"""Every git command the bot runs goes through here (GitPython, imported on first use)."""

from __future__ import annotations

from pathlib import Path


class GitError(RuntimeError):
    """A git command failed; the message says which and why."""


class FileTooLarge(GitError):
    """The file at that revision is over the caller's size cap; it was not read."""

    def __init__(self, message: str, size: int) -> None:
        super().__init__(message)
        self.size = size


def read_file_at_revision(repo_dir: Path, revision: str, path: str, max_bytes: int | None = None) -> bytes:
    """The bytes of `path` at `revision` (`git show REV:path`), e.g. the base of a pull request. With
    `max_bytes`, the size is asked first and a larger file raises FileTooLarge without being read."""
    if revision.startswith("-"):  # would reach git as an option (e.g. --output=FILE), not a revision
        raise GitError(f"{revision!r} is not a revision: it starts with '-'")
    import git

    try:
        repo = git.Repo(repo_dir, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as error:
        raise GitError(f"{repo_dir} is not inside a git repository, so {revision}:{path} cannot be read") from error
    with repo:
        try:
            if max_bytes is not None:
                size = int(repo.git.cat_file("-s", f"{revision}:{path}"))
                if size > max_bytes:
                    raise FileTooLarge(f"{revision}:{path} is {size:,} bytes, over the {max_bytes:,} allowed", size)
            # "--" ends the revisions: a work-tree file named like "REV:path" is then not an ambiguity for git
            output = repo.git.show(f"{revision}:{path}", "--", stdout_as_string=False)
        except git.GitCommandError as error:
            detail = (error.stderr or "").strip().splitlines()
            reason = detail[-1].removeprefix("fatal: ") if detail else f"exit code {error.status}"
            raise GitError(f"cannot read {revision}:{path}: {reason}") from error
    if not isinstance(output, bytes):
        raise GitError(f"cannot read {revision}:{path}: git returned text instead of bytes")
    return output
