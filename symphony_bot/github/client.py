"""The one way this package talks to GitHub: PyGithub for REST, and a GraphQL call that keeps partial data.

One `GitHubClient` is built per command invocation (`GitHubClient.from_env`, at the command line) and passed
down; it is never global. REST goes through PyGithub (`client.github`), created on first use with our retry policy: a
bounded number of retries, and a maximum rate-limit wait after which it raises instead of sleeping for an hour.

GraphQL is posted with `requests` rather than PyGithub's requester, because PyGithub raises on any `errors`
entry and drops the partial `data` that comes with it (an aliased scan of 20 repositories where one is missing
answers HTTP 200 with 19 repositories and one NOT_FOUND error), and spaces every POST a second apart as if it
were a write. Here a query is a read; only mutations are writes. Every request, REST and GraphQL alike, waits on
the token's one `Pacer` (github/pacer.py: GitHub's secondary budgets, not fixed pauses; PyGithub's own spacing
is off). Rate limits are honoured as
`rate_limits` reads them; bounded retries with exponential back-off for 5xx and connection errors; and any
wait longer than `max_rate_limit_wait` fails at once with the time to retry. Repository files (`get_file`) are
read through PyGithub's contents API, with its retry policy. Plain downloads (`download`, for registries) share
the GraphQL session: our User-Agent and timeout, no proxy or credentials taken from the environment, no token.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from symphony_bot import __version__
from symphony_bot.github.errors import (
    BAD_CREDENTIALS,
    CONNECTION_FAILED,
    DownloadError,
    FileTooLargeError,
    GitHubError,
    NotAFileError,
    RateLimitError,
)
from symphony_bot.github.pacer import GRAPHQL, REST, Pacer, is_write_verb, shared_pacer
from symphony_bot.github.rate_limits import (
    RateLimitStatus,
    backoff,
    budget_wait,
    check_wait,
    rate_limit_from,
    rate_limit_wait,
)

if TYPE_CHECKING:
    import requests
    from github import Github

# Callers import the errors and the rate-limit status from here, beside the client that raises and reports them.
__all__ = [
    "DownloadError",
    "FileTooLargeError",
    "GitHubClient",
    "GitHubError",
    "GraphQLResponse",
    "NotAFileError",
    "RateLimitError",
    "RateLimitStatus",
    "resolve_api_urls",
    "token_from_env",
]

USER_AGENT = f"symphony-bot/{__version__}"
DEFAULT_API_URL = "https://api.github.com"
# The bot's own variable wins over the runner's, so a donor can hand the bot a fine-grained or App token while
# the workflow's GITHUB_TOKEN stays what Actions set.
TOKEN_ENV_VARIABLES = ("SYMPHONY_GITHUB_TOKEN", "GITHUB_TOKEN")
DEFAULT_TIMEOUT_SECONDS = 30
DEFAULT_MAX_RETRIES = 4
MAX_CONNECT_RETRIES = 2  # refused or no such host: a blip passes in seconds; a server that is not there does not
DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS = 15 * 60
# GitHub: "If you receive a secondary rate limit error without retry-after, wait at least one minute."
DEFAULT_SECONDARY_RATE_WAIT_SECONDS = 60.0
MAX_FILE_BYTES = 1024 * 1024  # the contents API serves files up to 1 MB inline
DOWNLOAD_CHUNK_BYTES = 65536
NOT_FOUND_ERROR_TYPE = "NOT_FOUND"
_MUTATION = re.compile(r"^\s*(?:#[^\n]*\n\s*)*mutation\b")


@dataclass(frozen=True)
class GraphQLResponse:
    data: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)
    rate_limit: RateLimitStatus | None = None

    def errors_for(self, alias: str) -> list[dict[str, Any]]:
        """The errors whose path starts at `alias` (a top-level field of the query)."""
        return [error for error in self.errors if (error.get("path") or [None])[0] == alias]

    def unplaced_errors(self) -> list[dict[str, Any]]:
        """Errors that belong to no field: the whole query failed (syntax, permissions, limits)."""
        return [error for error in self.errors if not error.get("path")]


class GitHubClient:
    def __init__(
        self,
        api_url: str,
        graphql_url: str,
        token: str | None,
        *,
        pacer: Pacer | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_rate_limit_wait: float = DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS,
        secondary_rate_wait: float = DEFAULT_SECONDARY_RATE_WAIT_SECONDS,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.graphql_url = graphql_url
        self._token = token
        self.max_retries = max_retries
        self.max_rate_limit_wait = max_rate_limit_wait
        self.secondary_rate_wait = secondary_rate_wait
        self.timeout = timeout
        self._sleep = sleep
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._github: Github | None = None
        self._lazy: Github | None = None
        self._session: requests.Session | None = None
        if pacer is None:
            pacer = shared_pacer(self.api_url, self.token_fingerprint)
            if sleep is not time.sleep or monotonic is not time.monotonic:
                # A client with a sleep of its own (a test's) paces on its own clock, which, when none is given,
                # moves only as far as that sleep was asked to: its waits are then exact, whatever the machine.
                clock = monotonic if monotonic is not time.monotonic else (lambda: 0.0)
                pacer = Pacer(pacer.limits, monotonic=clock, sleep=sleep)
        self.pacer = pacer
        self.last_rate_limit: RateLimitStatus | None = None
        self.graphql_requests = 0  # HTTP requests actually sent, retries included
        self.graphql_points = 0  # sum of rateLimit.cost over the answers

    @classmethod
    def from_env(cls, github_url: str | None = None, **options: Any) -> GitHubClient:
        """The client of one command invocation: URLs from `github_url` or the runner's variables, the token from
        $SYMPHONY_GITHUB_TOKEN or $GITHUB_TOKEN. Use it as a context manager so its HTTP sessions are closed."""
        api_url, graphql_url = resolve_api_urls(github_url)
        return cls(api_url=api_url, graphql_url=graphql_url, token=token_from_env(), **options)

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    @property
    def authenticated(self) -> bool:
        return bool(self._token)

    @property
    def github(self) -> Github:
        """PyGithub's client for REST, created on first use."""
        if self._github is None:
            from github import Auth, Github
            from github.GithubRetry import GithubRetry

            retry = GithubRetry(
                total=self.max_retries,
                connect=min(self.max_retries, MAX_CONNECT_RETRIES),
                backoff_factor=1,
                secondary_rate_wait=self.secondary_rate_wait,
                max_rate_limit_wait=self.max_rate_limit_wait,
            )
            self._github = Github(
                base_url=self.api_url,
                auth=Auth.Token(self._token) if self._token else None,
                per_page=100,
                retry=retry,
                timeout=int(self.timeout),
                user_agent=USER_AGENT,
                seconds_between_requests=None,  # the pacer spaces requests, across REST and GraphQL
                seconds_between_writes=None,
            )
            pace_rest(self._github, self.pacer)
        return self._github

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> GraphQLResponse:
        """Run one GraphQL document. Field errors come back in `errors` beside the partial `data`; a
        request that cannot be answered at all raises GitHubError (RateLimitError for limits)."""
        payload: dict[str, Any] = {"query": query}
        if variables:
            payload["variables"] = variables
        is_write = bool(_MUTATION.match(query))
        attempt = 0
        while True:
            self._wait_for_budget()
            try:
                with self.pacer.request(GRAPHQL, write=is_write):
                    response = self._requests().post(
                        self.graphql_url, json=payload, headers=self._headers(), timeout=self.timeout
                    )
            except Exception as error:  # requests' exceptions, imported lazily
                if not _is_requests_error(error):
                    raise
                if attempt < (MAX_CONNECT_RETRIES if is_connect_failure(error) else self.max_retries):
                    self._sleep(backoff(attempt))
                    attempt += 1
                    continue
                kind = type(error).__name__
                raise GitHubError(CONNECTION_FAILED.format(url=self.graphql_url, kind=kind)) from None
            finally:
                self.graphql_requests += 1

            body = _json_or_none(response)
            wait = rate_limit_wait(
                response.status_code, response.headers, body, self._wall_clock(), self.secondary_rate_wait
            )
            if wait is not None:
                self._check_wait(wait, attempt)
                self.pacer.hold(wait)  # every request of this token waits, not only this one
                attempt += 1
                continue
            if response.status_code >= 500 and attempt < self.max_retries:
                self._sleep(backoff(attempt))
                attempt += 1
                continue
            if response.status_code == 401:
                raise GitHubError(BAD_CREDENTIALS, 401)
            if response.status_code != 200 or not isinstance(body, dict):
                detail = body.get("message") if isinstance(body, dict) else response.text[:200]
                raise GitHubError(
                    f"GitHub GraphQL ({self.graphql_url}) answered HTTP {response.status_code}: {detail}",
                    response.status_code,
                )
            data = body.get("data") if isinstance(body.get("data"), dict) else {}
            errors = [error for error in body.get("errors") or [] if isinstance(error, dict)]
            rate_limit = rate_limit_from(data.get("rateLimit") if data else None)
            if rate_limit is not None:
                self.last_rate_limit = rate_limit
                self.graphql_points += rate_limit.cost
            return GraphQLResponse(data=data or {}, errors=errors, rate_limit=rate_limit)

    def get_file(self, owner: str, name: str, path: str, ref: str, *, max_bytes: int = MAX_FILE_BYTES) -> bytes | None:
        """The bytes of the file at `path` on `ref` (GitHub's contents API), or None when there is none.

        Raises NotAFileError for a directory, symlink or submodule, FileTooLargeError above `max_bytes` (the API
        serves at most 1 MB inline), GitHubError for any other refusal (its status and GitHub's message)."""
        from github import GithubException, UnknownObjectException

        try:
            content = self._lazy_github().get_repo(f"{owner}/{name}").get_contents(path, ref=ref)
        except UnknownObjectException:
            return None
        except GithubException as error:
            data = error.data if isinstance(error.data, dict) else {}
            raise GitHubError(str(data.get("message") or "see GitHub's answer"), error.status) from None
        if isinstance(content, list):
            raise NotAFileError(path, "directory")
        if content.type != "file":
            raise NotAFileError(path, str(content.type or "unknown"))
        size = int(content.size or 0)
        if size > max_bytes or content.encoding != "base64":
            raise FileTooLargeError(path, size, max_bytes)
        try:
            return base64.b64decode(content.content or "", validate=False)
        except ValueError:
            raise GitHubError(f"the contents API sent {path} in a form that is not base64", 200) from None

    def download(self, url: str, *, max_bytes: int) -> bytes:
        """GET a plain URL (a registry file, say) through this client's session: our User-Agent, the timeout, no
        proxy or credentials from the environment, and never the token (the host may not be GitHub's).
        Raises DownloadError (HTTP status or network error) or FileTooLargeError past `max_bytes`."""
        import requests

        try:
            with self._requests().get(
                url, headers={"User-Agent": USER_AGENT}, timeout=self.timeout, stream=True, allow_redirects=True
            ) as response:
                if response.status_code != 200:
                    raise DownloadError(url, status=response.status_code)
                raw = bytearray()
                for chunk in response.iter_content(chunk_size=DOWNLOAD_CHUNK_BYTES):
                    raw += chunk
                    if len(raw) > max_bytes:
                        raise FileTooLargeError(url, len(raw), max_bytes)
        except requests.RequestException as error:
            raise DownloadError(url, cause=error.__class__.__name__) from None
        return bytes(raw)

    @property
    def token_fingerprint(self) -> str:
        """Names the token without revealing it (cache keys: different tokens see different repositories)."""
        if not self._token:
            return "anonymous"
        return hashlib.sha256(self._token.encode()).hexdigest()[:16]

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
        for client in (self._github, self._lazy):
            if client is not None:
                client.close()
        self._github = self._lazy = None

    # --- internals ---

    def _lazy_github(self) -> Github:
        """PyGithub objects that are not fetched until read: `get_repo(...).get_contents(...)` is one request."""
        if self._lazy is None:
            self._lazy = self.github.withLazy(True)
            pace_rest(self._lazy, self.pacer)
        return self._lazy

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"bearer {self._token}"
        return headers

    def _requests(self) -> requests.Session:
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.trust_env = False  # no proxy or .netrc credentials picked up behind our back
        return self._session

    def _wait_for_budget(self) -> None:
        """Do not send a query that the last answer says cannot be paid for; wait for the reset instead."""
        wait = budget_wait(self.last_rate_limit, self._wall_clock())
        if wait is None:
            return
        self._check_wait(wait, 0, what="the GraphQL points budget is spent")
        self._sleep(wait)
        self.last_rate_limit = None

    def _check_wait(self, wait: float, attempt: int, what: str = "GitHub's rate limit") -> None:
        check_wait(wait, attempt, max_wait=self.max_rate_limit_wait, max_retries=self.max_retries, what=what)


def pace_rest(github: Github, pacer: Pacer) -> None:
    """Make every REST request of `github` wait on `pacer`. PyGithub offers no per-client hook before a request
    goes out (its public `injectConnectionClasses` is process-wide and turns keep-alive off), so the requester's
    connection class is replaced on this instance; `test_github_client` fails if a PyGithub release renames it."""
    from github.Requester import HTTPRequestsConnectionClass, HTTPSRequestsConnectionClass

    requester = github.requester
    attribute = "_Requester__connectionClass"
    base = getattr(requester, attribute)
    if not issubclass(base, (HTTPRequestsConnectionClass, HTTPSRequestsConnectionClass)):
        return  # a recording or test double was injected; it is not GitHub and needs no pacing

    class PacedConnection(base):  # type: ignore[valid-type,misc]
        def getresponse(self) -> Any:
            with pacer.request(REST, write=is_write_verb(self.verb)):
                response = super().getresponse()
            retry_after = response.headers.get("retry-after") if response.status in (403, 429) else None
            if retry_after is not None and retry_after.strip().isdigit():
                pacer.hold(float(retry_after))
            return response

    setattr(requester, attribute, PacedConnection)


def resolve_api_urls(github_url: str | None) -> tuple[str, str]:
    """(REST base URL, GraphQL URL), honouring the variables Actions runners set."""
    api_url = (github_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
    graphql_url = os.environ.get("GITHUB_GRAPHQL_URL") if not github_url else None
    if not graphql_url:
        # github.com: https://api.github.com/graphql; GHES: https://host/api/v3 -> https://host/api/graphql
        graphql_url = api_url[: -len("/v3")] + "/graphql" if api_url.endswith("/v3") else api_url + "/graphql"
    return api_url, graphql_url


def token_from_env() -> str | None:
    """The first non-empty token of TOKEN_ENV_VARIABLES, or None (anonymous: public data only)."""
    for name in TOKEN_ENV_VARIABLES:
        token = os.environ.get(name, "").strip()
        if token:
            return token
    return None


def is_connect_failure(error: Exception) -> bool:
    """No connection was made (refused, no such host): nothing was sent, and waiting rarely helps for long."""
    from urllib3.exceptions import NewConnectionError

    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, NewConnectionError)


def _is_requests_error(error: Exception) -> bool:
    import requests

    return isinstance(error, requests.RequestException)


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
