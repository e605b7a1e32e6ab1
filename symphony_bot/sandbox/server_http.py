"""The HTTP side of the sandbox server: the request handler (HTTP/1.1 keep-alive, one write per response with
TCP_NODELAY so sequential clients are not held up by delayed ACKs, connection resets for the `reset` fault, git
smart HTTP passed to git_remote), the `Answer` a request gets, GitHub's error body and token parsing.
"""

from __future__ import annotations

import json
import socket
import struct
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, Protocol

from symphony_bot.sandbox.faults import (
    LoggedRequest,
)
from symphony_bot.sandbox.git_remote import GIT_PATH_PREFIX, read_request_body, serve_git
from symphony_bot.sandbox.state.personal_tokens import FINE_GRAINED

if TYPE_CHECKING:
    from symphony_bot.sandbox.faults import Faults, RequestLog
    from symphony_bot.sandbox.git_repositories import BareRepositories
    from symphony_bot.sandbox.state import PersonalToken, Repository, SandboxState


class ServedSandbox(Protocol):
    """What the HTTP handler needs of `server.SandboxServer` (a protocol, so this module does not import it back)."""

    state: SandboxState
    repositories: BareRepositories | None  # None: a sandbox without git (REST and GraphQL only)
    faults: Faults
    log: RequestLog

    def answer(self, method: str, raw_path: str, headers: Any, body: bytes) -> tuple[Answer | None, LoggedRequest]: ...


DOCUMENTATION_URL = "https://docs.github.com/rest"
MESSAGE_BAD_CREDENTIALS = "Bad credentials"


@dataclass
class Answer:
    status: int
    body: bytes
    headers: list[tuple[str, str]]
    points: int = 0
    charge: int = 0
    last_modified: datetime | None = None


def error_body(status: int, message: str, errors: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "documentation_url": DOCUMENTATION_URL, "status": str(status)}
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def json_bytes(payload: Any) -> bytes:
    return b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()


def bearer_token(authorization: str | None) -> str | None:
    """The token from `token X`, `Bearer X` (any case), or Basic with the token as password/user."""
    if not authorization:
        return None
    scheme, _, credential = authorization.strip().partition(" ")
    if scheme.lower() in ("token", "bearer"):
        return credential.strip()
    if scheme.lower() == "basic":
        from symphony_bot.sandbox.git_remote import token_from_basic

        candidates = token_from_basic(authorization)
        return candidates[0] if candidates else ""
    return ""


def handler_for(server: ServedSandbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "GitHub.com"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            del format, args  # the request log is the sandbox's own

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _reset(self) -> None:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        def _send(self, answer: Answer, *, head_only: bool = False) -> None:
            self.send_response(answer.status)
            self.send_header("X-GitHub-Request-Id", uuid.uuid4().hex[:20].upper())
            self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
            for key, value in answer.headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers_and_body(b"" if head_only else answer.body)

        def end_headers_and_body(self, body: bytes) -> None:
            # One write for headers and body: a separate small body write would wait on the client's delayed ACK.
            self._headers_buffer.append(b"\r\n")  # type: ignore[attr-defined]
            self._headers_buffer.append(body)  # type: ignore[attr-defined]
            self.flush_headers()

        def _handle(self) -> None:
            body = read_request_body(self.headers, self.rfile)
            if self.path.startswith(GIT_PATH_PREFIX):
                self._git(body)
                return
            answer, entry = server.answer(self.command, self.path, self.headers, body)
            server.log.record(entry)
            if answer is None:
                self._reset()
                return
            self._send(answer, head_only=self.command == "HEAD")

        def _git(self, body: bytes) -> None:
            started = time.monotonic()
            path, _, query = self.path.partition("?")
            if server.repositories is None:
                reply = Answer(404, b"", [])
                self._send(reply)
                return
            pushing = "git-receive-pack" in path or "service=git-receive-pack" in query
            operation = "git/receive-pack" if pushing else "git/upload-pack"
            token = bearer_token(self.headers.get("Authorization"))
            fault = server.faults.pick(self.command, path, operation, None)
            login: str | None = None
            if fault is not None and fault.kind == "reset":
                self._reset()
                status = 0
            elif fault is not None and fault.kind != "delay":
                status = fault.status if fault.kind == "status" else (429 if fault.kind == "rate_limit" else 403)
                self._send(Answer(status, b"", [("Content-Type", "text/plain")]))
            else:
                if fault is not None:
                    time.sleep(fault.delay)
                response = serve_git(
                    server.state,
                    server.repositories,
                    method=self.command,
                    path=path,
                    query=query,
                    headers=self.headers,
                    body=body,
                )
                status, login = response.status, response.login
                self.send_response(status)
                for key, value in response.headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers_and_body(response.body)
            server.log.record(
                LoggedRequest(
                    method=self.command,
                    path=path,
                    query=query,
                    operation=operation,
                    graphql_operation=None,
                    status=status,
                    points=0,
                    login=login,
                    token=token,
                    fault=fault.kind if fault else None,
                    duration=time.monotonic() - started,
                )
            )

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _handle

    return Handler


def target_is_pull(state: SandboxState, repo: Repository, params: dict[str, str]) -> bool | None:
    """Whether the one issue a route works on (by number, or through one of its comments) is a pull request."""
    number = params.get("issue_number")
    if number is not None and number.isdigit() and (issue := repo.issues.get(int(number))) is not None:
        return issue.is_pull
    comment_id = params.get("comment_id")
    if comment_id is not None and comment_id.isdigit() and (comment := state.comments.get(int(comment_id))):
        owner = repo.issues.get(comment.issue_number)
        return owner.is_pull if owner is not None and comment.repo_id == repo.id else None
    return None


def cache_headers(login: str | None) -> list[tuple[str, str]]:
    """GitHub's caching headers on a REST answer with a body, as @octokit/fixtures' get-repository recording
    has them (private for an authenticated caller, public for an anonymous one)."""
    scope = "private" if login is not None else "public"
    return [
        ("Cache-Control", f"{scope}, max-age=60, s-maxage=60"),
        ("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP"),
        ("Vary", "Accept-Encoding, Accept, X-Requested-With"),
    ]


def oauth_scope_headers(personal: PersonalToken | None, on_repository: bool) -> list[tuple[str, str]]:
    """`X-OAuth-Scopes` (the classic or OAuth token's scopes) and `X-Accepted-OAuth-Scopes` (what the operation
    takes: `repo` on a repository's), as @octokit/fixtures' recordings carry them; fine-grained and installation
    tokens get neither."""
    if personal is None or personal.kind == FINE_GRAINED:
        return []
    return [
        ("X-OAuth-Scopes", ", ".join(personal.scopes)),
        ("X-Accepted-OAuth-Scopes", "repo" if on_repository else ""),
    ]
