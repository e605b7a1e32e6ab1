"""The sandbox's git side: real bare repositories and `git http-backend` behind token auth.

`BareRepositories` implements the state's `GitBackend` with git plumbing (fast-import, merge-tree, rev-list) in an
isolated environment (no global/system config, fixed identity). `serve_git` answers smart-HTTP requests under
`/git/{owner}/{repo}.git/...` the way github.com does for the real clients: Basic auth with the token as password
(any user name, `x-access-token` by convention) or as user name, case-insensitive scheme (actions/checkout sends
`basic`), anonymous fetch of public repositories, 401 with `WWW-Authenticate` otherwise, push only with write
permission, chunked request bodies de-chunked. After a push, the state re-reads the branches so PR head SHAs and
"commits ahead" are real.

Why this module runs git although the house rule is "only `gitops.py` runs git": `gitops` is the bot's git client,
the one place the bot touches a working tree, so every clone, commit and push the bot makes goes through one
reviewed module. This module is not the bot: it *is* the remote, github.com's side of the wire, the way
`git http-backend` and the bare repositories are on a real Git host. It serves the bot's (and git's, and
actions/checkout's) requests and never acts for the bot; running it through `gitops` would make the client and
the server the same code and hide exactly the mismatches the sandbox exists to catch. So it runs git plumbing
directly (subprocess, argv lists, an isolated environment with no user or system config), and nothing outside
`symphony_bot/sandbox/` imports it.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from symphony_bot.sandbox.state import ANONYMOUS, Repository, SandboxError, SandboxState, User

if TYPE_CHECKING:
    from collections.abc import Mapping

GIT_PATH_PREFIX = "/git/"
GIT_REALM = 'Basic realm="GitHub"'
MESSAGE_GIT_AUTH = "Invalid username or token. Password authentication is not supported for Git operations."
MESSAGE_GIT_FORBIDDEN = "Permission to {repo} denied to {login}."
MESSAGE_MERGE_CONFLICT = "Merge conflict"
ZERO_SHA = "0" * 40


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


# ---- smart HTTP ---------------------------------------------------------------------------------------------


class Headers(Protocol):
    """Request headers: an `email.message.Message` (http.server) or a plain mapping."""

    def get(self, name: str, default: Any = None, /) -> Any: ...


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...

    def readline(self, size: int = -1, /) -> bytes: ...


@dataclass
class GitResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    login: str | None = None
    operation: str = "git"


def read_request_body(headers: Headers, stream: Readable) -> bytes:
    """The request body, de-chunked when git sends `Transfer-Encoding: chunked` (packs above http.postBuffer)."""
    if headers.get("Transfer-Encoding", "").lower() == "chunked":
        out = bytearray()
        while True:
            size_line = stream.readline()
            if not size_line:
                return bytes(out)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while stream.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return bytes(out)
            out += stream.read(size)
            stream.readline()
    length = int(headers.get("Content-Length") or 0)
    return stream.read(length) if length else b""


def token_from_basic(authorization: str | None) -> list[str]:
    """Candidate tokens from `Authorization: Basic base64(user:token)`: the password, else the user name."""
    if not authorization:
        return []
    scheme, _, credential = authorization.strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credential.strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return []
        user, _, password = decoded.partition(":")
        return [candidate for candidate in (password, user) if candidate]
    if scheme.lower() in ("token", "bearer"):
        return [credential.strip()]
    return []


def _unauthorized(message: str = MESSAGE_GIT_AUTH) -> GitResponse:
    return GitResponse(401, [("WWW-Authenticate", GIT_REALM), ("Content-Type", "text/plain")], message.encode())


def serve_git(
    state: SandboxState,
    repositories: BareRepositories,
    *,
    method: str,
    path: str,
    query: str,
    headers: Headers,
    body: bytes,
) -> GitResponse:
    """Answer one smart-HTTP request for `/git/{owner}/{repo}.git/<git path>`."""
    rest = path[len(GIT_PATH_PREFIX) :]
    owner, _, remainder = rest.partition("/")
    name, _, git_path = remainder.partition(".git")
    if not owner or not name or (git_path and not git_path.startswith("/")):
        return GitResponse(404, [("Content-Type", "text/plain")], b"Repository not found.")
    pushing = "git-receive-pack" in git_path or "service=git-receive-pack" in query
    operation = "git/receive-pack" if pushing else "git/upload-pack"

    login: str | None = None
    candidates = token_from_basic(headers.get("Authorization"))
    if candidates:
        for token in candidates:
            user = state.user_for_token(token)
            if user is not None:
                login = user.login
                break
        else:
            return _unauthorized()
    with state.lock:
        repo = state.find_repo(owner, name)
        if repo is None or not state.can_see(repo, login or ANONYMOUS):
            if login is None:
                return _unauthorized("Authentication required.")
            response = GitResponse(404, [("Content-Type", "text/plain")], b"Repository not found.", login, operation)
            return response
        if pushing:
            if login is None:
                return _unauthorized("Authentication required.")
            permission = state.permission(repo, login or ANONYMOUS)
            if permission not in ("write", "maintain", "admin") or repo.archived:
                text = MESSAGE_GIT_FORBIDDEN.format(repo=repo.full_name, login=login)
                return GitResponse(403, [("Content-Type", "text/plain")], text.encode(), login, operation)
        git_dir = repositories.path(repo)

    environment = {
        **git_environment(),
        "GIT_PROJECT_ROOT": str(git_dir.parent),
        "GIT_HTTP_EXPORT_ALL": "1",
        "REQUEST_METHOD": method,
        "PATH_INFO": f"/{git_dir.name}{git_path}",
        "QUERY_STRING": query,
        "CONTENT_TYPE": headers.get("Content-Type", ""),
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_ADDR": "127.0.0.1",
        "GIT_PROTOCOL": headers.get("Git-Protocol", ""),
        "HTTP_CONTENT_ENCODING": headers.get("Content-Encoding", ""),
    }
    if login is not None:
        environment["REMOTE_USER"] = login  # http-backend enables receive-pack only for an authenticated user
    result = subprocess.run(["git", "http-backend"], input=body, capture_output=True, env=environment, check=False)
    head, _, payload = result.stdout.partition(b"\r\n\r\n")
    status, response_headers = 200, []
    for line in head.decode(errors="replace").split("\r\n"):
        key, _, value = line.partition(":")
        if key.lower() == "status":
            status = int(value.split()[0])
        elif key:
            response_headers.append((key, value.strip()))
    if pushing and method == "POST" and status == 200:
        state.refresh_branches(repo)
    return GitResponse(status, response_headers, payload, login, operation)
