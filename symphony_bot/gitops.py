"""Every git command the bot runs goes through here (GitPython, imported on first use)."""

from __future__ import annotations

from pathlib import Path


class GitError(RuntimeError):
    """A git command failed; the message says which and why."""


def read_file_at_revision(repo_dir: Path, revision: str, path: str) -> bytes:
    """The bytes of `path` at `revision` (`git show REV:path`), e.g. the base of a pull request."""
    import git

    try:
        repo = git.Repo(repo_dir, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as error:
        raise GitError(f"{repo_dir} is not inside a git repository, so {revision}:{path} cannot be read") from error
    with repo:
        try:
            output = repo.git.show(f"{revision}:{path}", stdout_as_string=False)
        except git.GitCommandError as error:
            detail = (error.stderr or "").strip().splitlines()
            reason = detail[-1].removeprefix("fatal: ") if detail else f"exit code {error.status}"
            raise GitError(f"cannot read {revision}:{path}: {reason}") from error
    if not isinstance(output, bytes):
        raise GitError(f"cannot read {revision}:{path}: git returned text instead of bytes")
    return output
