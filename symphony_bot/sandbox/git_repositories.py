"""The sandbox remote's bare repositories: `BareRepositories` implements the state's `GitBackend` with git
plumbing (fast-import, merge-tree, rev-list, diff) in an isolated environment (no global or system config, a
fixed identity). One bare repository per repository id, so renames never move a directory.

It runs git because it is the remote's storage, not the bot's client: see git_remote.py for why the sandbox's
git server is the one exception to "only `gitops` runs git".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from symphony_bot.sandbox.state import ChangedFile, Comparison, Repository, SandboxError, User

if TYPE_CHECKING:
    from collections.abc import Mapping


MESSAGE_MERGE_CONFLICT = "Merge conflict"
ZERO_SHA = "0" * 40
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's empty tree: the "parent" of a root commit


def git_environment(author: User | None = None) -> dict[str, str]:
    """A git environment that reads no user or system config and commits as `author` (or the sandbox)."""
    name = author.login if author else "sandbox"
    email = f"{author.id}+{author.login}@users.noreply.github.com" if author else "sandbox@localhost"
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.devnull,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "LC_ALL": "C",
    }


class GitCommandError(RuntimeError):
    pass


def _git(*args: str, git_dir: Path | None = None, stdin: bytes | None = None, author: User | None = None) -> str:
    argv = ["git"] + ([f"--git-dir={git_dir}"] if git_dir else []) + list(args)
    result = subprocess.run(argv, input=stdin, capture_output=True, env=git_environment(author), check=False)
    if result.returncode != 0:
        raise GitCommandError(
            f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.decode(errors='replace')}"
        )
    return result.stdout.decode()


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


@dataclass
class BareRepositories:
    """Bare repositories under `root`, one per repository id (so renames never move a directory)."""

    root: Path
    fetched: dict[tuple[int, int], float] = field(default_factory=dict)
    _comparisons: dict[tuple[int, int, str, str], Comparison] = field(default_factory=dict)

    def path(self, repo: Repository) -> Path:
        return self.root / f"{repo.id}.git"

    def init_repository(self, repo: Repository, files: dict[str, str] | None, message: str) -> dict[str, str]:
        git_dir = self.path(repo)
        _git("init", "-q", "--bare", f"--initial-branch={repo.default_branch}", str(git_dir))
        repo.git_dir = str(git_dir)
        if files:
            self.commit_files(repo, repo.default_branch, files=files, base_sha=None, message=message, author=None)
        return self.read_branches(repo)

    def fork_repository(self, source: Repository, fork: Repository) -> dict[str, str]:
        git_dir = self.path(fork)
        _git("clone", "-q", "--bare", str(self.path(source)), str(git_dir))
        fork.git_dir = str(git_dir)
        return self.read_branches(fork)

    def commit_files(
        self,
        repo: Repository,
        branch: str,
        *,
        files: Mapping[str, str | bytes | None],
        base_sha: str | None,
        message: str,
        author: User | None,
    ) -> str:
        """One commit with `files` (None deletes a path) on top of base_sha, via a single `git fast-import`."""
        stamp = f"{int(time.time())} +0000"
        env = git_environment(author)
        who = f"{env['GIT_AUTHOR_NAME']} <{env['GIT_AUTHOR_EMAIL']}>".encode()
        stream = bytearray(b"commit refs/heads/" + branch.encode() + b"\n")
        stream += b"author " + who + b" " + stamp.encode() + b"\n"
        stream += b"committer " + who + b" " + stamp.encode() + b"\n"
        stream += _data(message.encode())
        if base_sha:
            stream += b"from " + base_sha.encode() + b"\n"
        for path, content in files.items():
            clean = _safe_repo_path(path)
            if content is None:
                stream += b"D " + clean.encode() + b"\n"
                continue
            payload = content.encode() if isinstance(content, str) else content
            stream += b"M 100644 inline " + clean.encode() + b"\n" + _data(payload)
        stream += b"done\n"
        _git("fast-import", "--quiet", "--force", "--done", git_dir=self.path(repo), stdin=bytes(stream), author=author)
        return _git("rev-parse", f"refs/heads/{branch}", git_dir=self.path(repo)).strip()

    def _bring_objects(self, base: Repository, head: Repository) -> None:
        if base.id == head.id:
            return
        _git(
            "fetch",
            "-q",
            "--no-tags",
            str(self.path(head)),
            f"+refs/heads/*:refs/sandbox/{head.id}/*",
            git_dir=self.path(base),
        )

    def commits_ahead(self, base: Repository, base_sha: str, head: Repository, head_sha: str) -> int:
        self._bring_objects(base, head)
        return int(_git("rev-list", "--count", f"{base_sha}..{head_sha}", git_dir=self.path(base)).strip() or 0)

    def merge(
        self, base: Repository, base_ref: str, *, head: Repository, head_sha: str, message: str, author: User
    ) -> str:
        """A merge commit like GitHub's default merge method (no fast-forward)."""
        self._bring_objects(base, head)
        git_dir = self.path(base)
        base_sha = _git("rev-parse", f"refs/heads/{base_ref}", git_dir=git_dir).strip()
        result = subprocess.run(
            ["git", f"--git-dir={git_dir}", "merge-tree", "--write-tree", base_sha, head_sha],
            capture_output=True,
            env=git_environment(author),
            check=False,
        )
        if result.returncode != 0:
            raise SandboxError(405, MESSAGE_MERGE_CONFLICT)
        tree = result.stdout.decode().split("\n", 1)[0].strip()
        commit = _git(
            "commit-tree", tree, "-p", base_sha, "-p", head_sha, "-m", message, git_dir=git_dir, author=author
        ).strip()
        _git("update-ref", f"refs/heads/{base_ref}", commit, base_sha, git_dir=git_dir)
        return commit

    def read_branches(self, repo: Repository) -> dict[str, str]:
        listing = _git("for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/", git_dir=self.path(repo))
        branches: dict[str, str] = {}
        for line in listing.splitlines():
            sha, _, ref = line.partition(" ")
            branches[ref.removeprefix("refs/heads/")] = sha
        return branches

    def delete_branch(self, repo: Repository, branch: str) -> None:
        _git("update-ref", "-d", f"refs/heads/{branch}", git_dir=self.path(repo))

    def set_branch(self, repo: Repository, branch: str, sha: str) -> None:
        _git("update-ref", f"refs/heads/{branch}", sha, git_dir=self.path(repo))

    def read_file(self, repo: Repository, ref: str, path: str) -> bytes | None:
        result = subprocess.run(
            ["git", f"--git-dir={self.path(repo)}", "cat-file", "blob", f"{ref}:{path}"],
            capture_output=True,
            env=git_environment(),
            check=False,
        )
        return result.stdout if result.returncode == 0 else None

    def read_object(self, repo: Repository, expression: str) -> tuple[str, str, bytes] | None:
        """(type, object id, contents for a blob) of `REV:path` or an object id, or None when there is none.
        One git process (`cat-file --batch` resolves the expression too): scans ask for hundreds at once."""
        if expression.startswith("-") or "\n" in expression:
            return None
        found = subprocess.run(
            ["git", f"--git-dir={self.path(repo)}", "cat-file", "--batch"],
            input=expression.encode() + b"\n",
            capture_output=True,
            env=git_environment(),
            check=False,
        )
        header, _, rest = found.stdout.partition(b"\n")
        fields = header.decode(errors="replace").split()
        if found.returncode != 0 or len(fields) != 3 or not fields[2].isdigit():
            return None  # "<expression> missing" (or ambiguous)
        object_id, kind, size = fields[0], fields[1], int(fields[2])
        return kind, object_id, rest[:size] if kind == "blob" else b""

    def list_tree(self, repo: Repository, ref: str, path: str) -> list[tuple[str, str, str, int]] | None:
        """(kind "file"/"dir", name, object sha, size) of each entry of a directory at `ref`, or None."""
        spec = f"{ref}:{path}" if path else f"{ref}:"
        result = subprocess.run(
            ["git", f"--git-dir={self.path(repo)}", "ls-tree", "-l", "-z", spec],
            capture_output=True,
            env=git_environment(),
            check=False,
        )
        if result.returncode != 0:
            return None
        entries = []
        for record in result.stdout.decode(errors="replace").split("\x00"):
            if not record:
                continue
            meta, name = record.split("\t", 1)
            _mode, kind, sha, size = meta.split()
            entries.append(("dir" if kind == "tree" else "file", name, sha, int(size) if size.isdigit() else 0))
        return entries

    def commit_info(self, repo: Repository, sha: str) -> dict[str, Any] | None:
        """Tree, parents, author/committer and message of a commit (None when it does not exist)."""
        result = subprocess.run(
            ["git", f"--git-dir={self.path(repo)}", "show", "-s", f"--format={_COMMIT_FORMAT}", sha, "--"],
            capture_output=True,
            env=git_environment(),
            check=False,
        )
        if result.returncode != 0:
            return None
        fields = result.stdout.decode(errors="replace").split("\x00", 8)
        if len(fields) < 9:
            return None
        tree, parents, author_name, author_email, author_date, name, email, date, message = fields
        return {
            "tree": tree,
            "parents": parents.split(),
            "author_name": author_name,
            "author_email": author_email,
            "author_date": _utc(author_date),
            "committer_name": name,
            "committer_email": email,
            "committer_date": _utc(date),
            "message": message.rstrip("\n"),
        }

    def compare(self, base: Repository, base_sha: str, head: Repository, head_sha: str) -> Comparison:
        """Commits and files of head since its merge base with base (cached: both SHAs name immutable commits)."""
        key = (base.id, head.id, base_sha, head_sha)
        cached = self._comparisons.get(key)
        if cached is not None:
            return cached
        self._bring_objects(base, head)
        git_dir = self.path(base)
        try:
            merge_base = _git("merge-base", base_sha, head_sha, git_dir=git_dir).strip()
        except GitCommandError:
            merge_base = EMPTY_TREE  # unrelated histories: everything on head is new
        commits = _git("rev-list", "--reverse", head_sha, f"^{base_sha}", git_dir=git_dir).split()
        behind = int(_git("rev-list", "--count", base_sha, f"^{head_sha}", git_dir=git_dir).strip() or 0)
        comparison = Comparison(merge_base, commits, behind, self.diff(base, merge_base, head_sha))
        self._comparisons[key] = comparison
        return comparison

    def diff(self, repo: Repository, old: str, new: str) -> list[ChangedFile]:
        """The files changed from `old` (a commit, or EMPTY_TREE) to `new`, with renames detected."""
        git_dir = self.path(repo)
        raw = _git("diff", "--raw", "-z", "--no-abbrev", "-M", old, new, git_dir=git_dir).split("\x00")
        counts = _git("diff", "--numstat", "-z", "-M", old, new, git_dir=git_dir).split("\x00")
        numbers: dict[str, tuple[int, int]] = {}
        index = 0
        while index < len(counts) and counts[index]:
            added, deleted, path = counts[index].split("\t", 2)
            if not path:  # a rename: the old and the new path follow
                path, index = counts[index + 2], index + 2
            numbers[path] = (int(added) if added.isdigit() else 0, int(deleted) if deleted.isdigit() else 0)
            index += 1
        files: list[ChangedFile] = []
        index = 0
        while index < len(raw) and raw[index].startswith(":"):
            _old_mode, _new_mode, old_sha, new_sha, letter = raw[index][1:].split()
            previous = None
            if letter[0] in "RC":
                previous, path, index = raw[index + 1], raw[index + 2], index + 3
            else:
                path, index = raw[index + 1], index + 2
            status = {"A": "added", "D": "removed", "R": "renamed", "C": "copied"}.get(letter[0], "modified")
            additions, deletions = numbers.get(path, (0, 0))
            files.append(
                ChangedFile(path, status, additions, deletions, old_sha if status == "removed" else new_sha, previous)
            )
        return files

    def log(self, repo: Repository, ref: str, limit: int) -> list[str] | None:
        """Up to `limit` commits reachable from `ref`, newest first (None if `ref` names nothing)."""
        try:
            return _git("rev-list", f"--max-count={limit}", ref, "--", git_dir=self.path(repo)).split()
        except GitCommandError:
            return None

    def remove_all(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


_COMMIT_FORMAT = "%T%x00%P%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%B"


def _utc(epoch: str) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(epoch or 0)))


def _safe_repo_path(path: str) -> str:
    parts = [part for part in path.replace("\\", "/").split("/") if part not in ("", ".")]
    if not parts or ".." in parts or any(part == ".git" for part in parts) or "\n" in path or '"' in path:
        raise ValueError(f"unsafe path for a sandbox commit: {path!r}")
    return "/".join(parts)
