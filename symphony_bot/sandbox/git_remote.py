"""The sandbox's git server: `git http-backend` behind token auth, over the bare repositories of
git_repositories.py (and the push-content checks of git_hooks.py).

`serve_git` answers smart-HTTP requests under `/git/{owner}/{repo}.git/...` the way github.com does for the real
clients: Basic auth with the token as password (any user name, `x-access-token` by convention) or as user name,
case-insensitive scheme (actions/checkout sends `basic`), anonymous fetch of public repositories, 401 with `WWW-
Authenticate` otherwise, push only with write permission (for an installation token: `contents: write`), chunked
request bodies de-chunked. After a push, the state re-reads the branches so PR head SHAs and
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
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from symphony_bot.sandbox.git_hooks import (
    MESSAGE_APP_WORKFLOW_REFUSED,
    MESSAGE_OAUTH_WORKFLOW_REFUSED,
    MESSAGE_PAT_WORKFLOW_REFUSED,
    workflow_guard_environment,
)
from symphony_bot.sandbox.state import (
    ANONYMOUS,
    FINE_GRAINED,
    OAUTH,
    InstallationToken,
    PersonalToken,
    Repository,
    SandboxState,
)

if TYPE_CHECKING:
    pass
from symphony_bot.sandbox.git_repositories import BareRepositories, git_environment

GIT_PATH_PREFIX = "/git/"
GIT_REALM = 'Basic realm="GitHub"'
MESSAGE_GIT_AUTH = "Invalid username or token. Password authentication is not supported for Git operations."
MESSAGE_GIT_FORBIDDEN = "Permission to {repo} denied to {login}."


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
    grant: InstallationToken | None = None
    token: str | None = None
    candidates = token_from_basic(headers.get("Authorization"))
    if candidates:
        for candidate in candidates:
            user = state.user_for_token(candidate)
            if user is not None:
                login, grant, token = user.login, state.grant_for(candidate), candidate
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
            may_push = grant is None or (grant.covers(repo) and grant.allows(("contents",), "write"))
            personal = state.personal_token(token)
            if personal is not None:
                may_push = may_push and _personal_may_push(personal, repo)
            if permission not in ("write", "maintain", "admin") or repo.archived or not may_push:
                text = MESSAGE_GIT_FORBIDDEN.format(repo=repo.full_name, login=login)
                return GitResponse(403, [("Content-Type", "text/plain")], text.encode(), login, operation)
        elif grant is not None and repo.private and not grant.allows(("contents",), "read"):
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
    refusal = _workflow_refusal(state, token, grant) if pushing else None
    if refusal is not None:
        environment.update(
            workflow_guard_environment(repositories.root.parent, refusal, same_file_elsewhere=grant is None)
        )
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
        state.refresh_branches(repo, login)
    return GitResponse(status, response_headers, payload, login, operation)


def _personal_may_push(personal: PersonalToken, repo: Repository) -> bool:
    """A personal token pushes where its scopes (classic, OAuth) or its Contents write (fine-grained) reach."""
    if personal.kind == FINE_GRAINED:
        return personal.covers(repo) and personal.allows(("contents",), "write")
    return personal.classic_reaches(repo)


def _workflow_refusal(state: SandboxState, token: str | None, grant: InstallationToken | None) -> str | None:
    """GitHub's refusal text for this token's workflow changes, or None when it may make them."""
    if grant is not None:
        return None if grant.allows(("workflows",), "write") else MESSAGE_APP_WORKFLOW_REFUSED
    personal = state.personal_token(token)
    if personal is None or personal.may_change_workflows():
        return None
    return MESSAGE_OAUTH_WORKFLOW_REFUSED if personal.kind == OAUTH else MESSAGE_PAT_WORKFLOW_REFUSED
