"""The sandbox's HTTP server: REST, `POST /graphql` and git smart HTTP on one 127.0.0.1 port.

Every request goes through the same pipeline: authenticate the token (401 `Bad credentials`), look up the
operation (REST operation id or GraphQL operation name), apply injected faults, check the primary budget
(403 / GraphQL 200+errors with `x-ratelimit-remaining: 0`), run the handler, answer conditional GETs with 304
(free), charge the budget, add `x-ratelimit-*` headers and record the request in the log. HTTP/1.1 keep-alive;
one write per response with TCP_NODELAY so sequential clients are not held up by delayed ACKs.
"""

from __future__ import annotations

import email.utils
import hashlib
import importlib
import json
import re
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any

from symphony_bot.sandbox import html_view, rest
from symphony_bot.sandbox.app_permissions import Limits
from symphony_bot.sandbox.faults import (
    MESSAGE_PRIMARY_LIMIT,
    MESSAGE_SECONDARY_LIMIT,
    MESSAGE_SERVER_ERROR,
    Fault,
    Faults,
    LoggedRequest,
    RequestLog,
    rate_limit_error,
)
from symphony_bot.sandbox.git_repositories import BareRepositories
from symphony_bot.sandbox.html_view import HTML_PREFIX
from symphony_bot.sandbox.rest.documentation import DOCUMENTATION_URLS
from symphony_bot.sandbox.rest_render import Urls
from symphony_bot.sandbox.secondary_limits import GRAPHQL, REST, SecondaryLimits
from symphony_bot.sandbox.server_http import (
    DOCUMENTATION_URL,
    MESSAGE_BAD_CREDENTIALS,
    Answer,
    bearer_token,
    cache_headers,
    error_body,
    handler_for,
    json_bytes,
    oauth_scope_headers,
    target_is_pull,
)
from symphony_bot.sandbox.state import App, InstallationToken, SandboxError, SandboxState, parse_time

SECONDARY_LIMIT_DOCUMENTATION_URL = (
    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"
)


MESSAGE_GRAPHQL_AUTH = "This endpoint requires you to be authenticated."


GRAPHQL_PATH = "/graphql"


GRAPHQL_MODULE = "symphony_bot.sandbox.graphql_api"


REPOSITORY_ID_PATH = re.compile(r"/repositories/(\d+)(/.*)?")


GRAPHQL_OPERATION = re.compile(r"\b(?:query|mutation|subscription)\s+([A-Za-z_]\w*)")


FREE_PATHS = ("/rate_limit",)
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
GRAPHQL_MUTATION = re.compile(r"^\s*(?:#[^\n]*\n\s*)*mutation\b")


def _graphql_operation_name(body: bytes) -> str | None:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    name = payload.get("operationName")
    if isinstance(name, str) and name:
        return name
    query = payload.get("query")
    found = GRAPHQL_OPERATION.search(query) if isinstance(query, str) else None
    return found.group(1) if found else None


def not_modified_since(modified: datetime, header: str | None) -> bool:
    """`If-Modified-Since` (an HTTP date) at or after the object's last change: answer 304."""
    if not header:
        return False
    try:
        since = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return modified <= since


def _is_mutation(body: bytes) -> bool:
    """A GraphQL request whose (first) operation is a mutation: content-creating for the secondary limit."""
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return False
    query = payload.get("query") if isinstance(payload, dict) else None
    return isinstance(query, str) and GRAPHQL_MUTATION.search(query) is not None


class SandboxServer:
    """`ThreadingHTTPServer` on 127.0.0.1 serving one `SandboxState`."""

    def __init__(
        self,
        state: SandboxState,
        repositories: BareRepositories | None,
        *,
        faults: Faults | None = None,
        log: RequestLog | None = None,
        secondary_limits: SecondaryLimits | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.state = state
        self.repositories = repositories
        self.faults = faults if faults is not None else Faults()
        self.log = log if log is not None else RequestLog()
        self.secondary_limits = secondary_limits if secondary_limits is not None else SecondaryLimits()
        self._graphql_handle: Any = None
        self.graphql_ready = threading.Event()  # set once the schema is built (or GraphQL is not installed)
        self._httpd = ThreadingHTTPServer((host, port), handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread: threading.Thread | None = None
        bound_host, bound_port = self._httpd.server_address[:2]
        self.base_url = f"http://{bound_host!s}:{bound_port}"
        self.urls = Urls(self.base_url)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox-http", daemon=True
        )
        self._thread.start()
        threading.Thread(target=self._warm_graphql, name="sandbox-graphql-schema", daemon=True).start()
        return self

    def _warm_graphql(self) -> None:
        """Import graphql-core and build the schema beside the server's start, not inside the first GraphQL
        request (about 150 ms otherwise: issue 21)."""
        try:
            if self.graphql_handler() is not None:
                importlib.import_module(GRAPHQL_MODULE).sandbox_schema()
        finally:
            self.graphql_ready.set()

    def wait(self) -> None:
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def graphql_handler(self) -> Any:
        """graphql_api.handle(state, user, body, urls) -> (status, payload, points, operation name), or None."""
        if self._graphql_handle is None:
            try:
                module = importlib.import_module(GRAPHQL_MODULE)
            except ModuleNotFoundError as error:
                if error.name != GRAPHQL_MODULE:
                    raise
                return None
            self._graphql_handle = module.handle
        return self._graphql_handle

    # ---- the pipeline ---------------------------------------------------------------------------------------

    def answer(self, method: str, raw_path: str, headers: Any, body: bytes) -> tuple[Answer | None, LoggedRequest]:
        """Run one non-git request; None as the answer means "reset the connection". At most `concurrent`
        requests of one token's user are in flight (REST and GraphQL together); beyond, the secondary limit."""
        token = bearer_token(headers.get("Authorization"))
        user = self.state.user_for_token(token) if token is not None else None
        if user is None:
            return self._answer(method, raw_path, headers, body)
        if not self.secondary_limits.enter(user.login):
            answer = self._secondary_limit_answer(self.secondary_limits.status, self.secondary_limits.retry_after)
            path = urllib.parse.urlsplit(raw_path).path
            entry = LoggedRequest(
                method=method,
                path=path,
                query="",
                operation=None,
                graphql_operation=None,
                status=answer.status,
                points=0,
                login=user.login,
                token=token,
                fault=None,
                duration=0.0,
            )
            return answer, entry
        try:
            return self._answer(method, raw_path, headers, body)
        finally:
            self.secondary_limits.leave(user.login)

    def _answer(self, method: str, raw_path: str, headers: Any, body: bytes) -> tuple[Answer | None, LoggedRequest]:
        started = time.monotonic()
        split = urllib.parse.urlsplit(raw_path)
        path = split.path
        query_string = split.query
        if method in ("GET", "HEAD") and (path == HTML_PREFIX or path.startswith(HTML_PREFIX + "/")):
            status, page = html_view.render(self.state, self.repositories, self.urls, path)
            entry = LoggedRequest(method, path, query_string, None, None, status, 0, None, None)
            return Answer(status, page, [("Content-Type", html_view.CONTENT_TYPE)]), entry
        by_id = REPOSITORY_ID_PATH.fullmatch(path)
        if by_id:
            repo = self.state.repos.get(int(by_id.group(1)))
            if repo is not None:
                path = f"/repos/{repo.full_name}{by_id.group(2) or ''}"
        is_graphql = path.rstrip("/") == GRAPHQL_PATH
        lookup_method = "GET" if method == "HEAD" else method
        found = None if is_graphql else rest.match(lookup_method, path)
        operation = "graphql" if is_graphql else (found[0].operation if found else None)
        graphql_operation = _graphql_operation_name(body) if is_graphql else None
        resource = "graphql" if is_graphql else ("search" if path.startswith("/search/") else "core")

        token = bearer_token(headers.get("Authorization"))
        login: str | None = None

        def logged(status: int, points: int = 0, fault: Fault | None = None) -> LoggedRequest:
            return LoggedRequest(
                method=method,
                path=path,
                query=query_string,
                operation=operation,
                graphql_operation=graphql_operation,
                status=status,
                points=points,
                login=login,
                token=token,
                fault=fault.kind if fault else None,
                duration=time.monotonic() - started,
            )

        app = self.state.app_for_jwt(token)
        if token is not None and app is None:
            user = self.state.user_for_token(token)
            if user is None:
                answer = self._json(401, error_body(401, MESSAGE_BAD_CREDENTIALS))
                return answer, logged(401)
            login = user.login

        fault = self.faults.pick(method, path, operation, graphql_operation)
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.delay)
        elif fault is not None:
            if fault.kind == "reset":
                return None, logged(0, fault=fault)
            answer = self._fault_answer(fault, login, resource)
            return answer, logged(answer.status, fault=fault)

        creates_content = (is_graphql and _is_mutation(body)) or (not is_graphql and method in WRITE_METHODS)
        api = GRAPHQL if is_graphql else REST
        limits_secondary = self.secondary_limits
        if login is not None and not (
            path in FREE_PATHS or limits_secondary.admit(login, creates_content=creates_content, api=api)
        ):
            answer = self._secondary_limit_answer(limits_secondary.status, limits_secondary.retry_after)
            budget = self.state.rate_limits.status(login, resource)
            answer.headers += self.state.rate_limits.headers(budget, resource)
            return answer, logged(answer.status)

        free = path in FREE_PATHS
        limits = self.state.rate_limits
        if not free and limits.exhausted(login, resource):
            budget = limits.status(login, resource)
            user_id = self.state.users[login.lower()].id if login else 0
            message = MESSAGE_PRIMARY_LIMIT.format(user_id=user_id)
            if is_graphql:
                error = rate_limit_error(self.state.graphql_rate_limit_shape, user_id)
                payload: dict[str, Any] = {"errors": [error]}
                answer = self._json(200, payload)
            else:
                answer = self._json(403, error_body(403, message))
            answer.headers += limits.headers(budget, resource)
            return answer, logged(answer.status)

        if is_graphql:
            answer, name = self._graphql(
                method, login, body, self.state.grant_for(token) or self.state.personal_token(token)
            )
            graphql_operation = name or graphql_operation
        elif found is None:
            status = 405 if rest.paths_for(path) else 404
            answer = self._json(status, error_body(status, "Not Found" if status == 404 else "Method Not Allowed"))
            answer.charge = 1
        else:
            answer = self._rest(
                found[0],
                params=found[1],
                method=method,
                path=path,
                query_string=query_string,
                body=body,
                login=login,
                grant=self.state.grant_for(token),
                app=app,
                limits=self.state.grant_for(token) or self.state.personal_token(token),
            )
            answer.headers += oauth_scope_headers(self.state.personal_token(token), "owner" in found[1])

        if method in ("GET", "HEAD") and answer.status == 200 and not is_graphql:
            digest = hashlib.sha256((login or "").encode() + b"\0" + answer.body).hexdigest()[:40]
            etag = f'W/"{digest}"'
            answer.headers.append(("ETag", etag))
            modified = answer.last_modified
            if modified is not None:
                answer.headers.append(("Last-Modified", email.utils.format_datetime(modified, usegmt=True)))
            wanted = headers.get("If-None-Match")
            if (wanted and etag in [candidate.strip() for candidate in wanted.split(",")]) or (
                not wanted and modified is not None and not_modified_since(modified, headers.get("If-Modified-Since"))
            ):
                answer = Answer(304, b"", [("ETag", etag)], points=answer.points, charge=0)
        if not is_graphql and answer.status in (200, 201) and answer.body:
            answer.headers += cache_headers(login)
        budget = limits.status(login, "core") if free else limits.charge(login, resource, answer.charge)
        answer.headers += limits.headers(budget, resource if not free else "core")
        if fault is not None:
            return answer, logged(answer.status, answer.points, fault)
        return answer, logged(answer.status, answer.points)

    def _json(self, status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Answer:
        body = json_bytes(payload)
        extra = list(headers or [])
        if body:
            extra.append(("Content-Type", "application/json; charset=utf-8"))
        return Answer(status, body, extra)

    def _secondary_limit_answer(self, status: int, retry_after: int | None) -> Answer:
        payload = {"message": MESSAGE_SECONDARY_LIMIT, "documentation_url": SECONDARY_LIMIT_DOCUMENTATION_URL}
        return self._json(status, payload, [("Retry-After", str(retry_after))] if retry_after is not None else [])

    def _fault_answer(self, fault: Fault, login: str | None, resource: str) -> Answer:
        if fault.kind == "secondary_rate_limit":
            answer = self._secondary_limit_answer(403, fault.retry_after)
            budget = self.state.rate_limits.status(login, resource)
            answer.headers += self.state.rate_limits.headers(budget, resource)
            return answer
        if fault.kind == "rate_limit":
            user_id = self.state.users[login.lower()].id if login else 0
            message = MESSAGE_PRIMARY_LIMIT.format(user_id=user_id)
            answer = self._json(429, error_body(429, message))
            budget = self.state.rate_limits.status(login, resource)
            budget.used = budget.limit
            answer.headers += self.state.rate_limits.headers(budget, resource)
            return answer
        message = MESSAGE_SERVER_ERROR.get(fault.status, "Server Error")
        return self._json(fault.status, error_body(fault.status, message))

    def _graphql(self, method: str, login: str | None, body: bytes, grant: Limits | None) -> tuple[Answer, str | None]:
        handle = self.graphql_handler()
        if handle is None or method != "POST":
            answer = self._json(404, error_body(404, "Not Found"))
            return answer, None
        if login is None:
            return self._json(401, error_body(401, MESSAGE_GRAPHQL_AUTH)), None
        viewer = self.state.users[login.lower()]
        status, payload, points, name = handle(
            self.state, viewer, body, self.urls, grant, repositories=self.repositories
        )
        answer = self._json(status, payload)
        answer.points = points
        answer.charge = points
        return answer, name

    def _rest(
        self,
        found: rest.Route,
        *,
        params: dict[str, str],
        method: str,
        path: str,
        query_string: str,
        body: bytes,
        login: str | None,
        grant: InstallationToken | None,
        app: App | None = None,
        limits: Limits | None = None,
    ) -> Answer:
        context = rest.Context(
            state=self.state,
            urls=self.urls,
            repositories=self.repositories,
            method="GET" if method == "HEAD" else method,
            path=path,
            query=urllib.parse.parse_qs(query_string, keep_blank_values=True),
            raw_body=body,
            login=login,
            params=params,
            grant=grant,
            app=app,
        )
        points = 1 if method in ("GET", "HEAD", "OPTIONS") else 5
        try:
            with self.state.lock:
                owner, name = params.get("owner"), params.get("repo")
                target = None
                if owner is not None and name is not None:
                    target = self.state.find_repo(owner, name) or self.state.renamed_repo(owner, name)
                pull = target_is_pull(self.state, target, params) if target is not None else None
                rest.check_app_permission(limits, found.app_permission, target, pull=pull)
            reply = found.handler(context)
            answer = self._json(reply.status, reply.body, reply.headers)
            if reply.last_modified is not None and context.method == "GET" and reply.status == 200:
                answer.last_modified = parse_time(reply.last_modified)
        except rest.Moved as moved:
            payload = {"message": rest.MESSAGE_MOVED, "url": moved.location, "documentation_url": DOCUMENTATION_URL}
            answer = self._json(moved.status, payload, [("Location", moved.location)])
        except SandboxError as error:
            documentation = DOCUMENTATION_URLS.get(found.operation, DOCUMENTATION_URL)
            failure = error_body(error.status, error.message, error.errors, documentation_url=documentation)
            answer = self._json(error.status, failure)
        answer.points = points
        answer.charge = 1
        return answer
