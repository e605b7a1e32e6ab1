"""Retrying GitHub calls the way a write must be retried (github-semantics §1.2, issue 12 item 9).

PyGithub's own retry covers reads; it leaves a failed POST or PATCH to the caller. Here:
- `request` sends one REST call and retries it when that is safe: reads and idempotent edits (PATCH, PUT,
  DELETE, a reaction), on 5xx, connection errors, 429 and secondary limits, honouring `Retry-After` and
  `x-ratelimit-reset`, with exponential back-off, a bounded number of attempts and a bounded wait;
- `create` sends a POST that makes something (a comment, a pull request) and, after a failure that may have
  happened after GitHub made it, looks it up before trying again: never a duplicate.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from symphony_bot.github.client import GitHubClient, GitHubError, RateLimitError, is_connect_failure
from symphony_bot.github.errors import BAD_CREDENTIALS, CONNECTION_FAILED

T = TypeVar("T")
MAX_BACKOFF_SECONDS = 16.0
SECONDARY_LIMIT_HINT = "secondary rate limit"


class TransientError(GitHubError):
    """A failure worth retrying after `wait` seconds: 5xx, a dropped connection, a rate limit."""

    def __init__(self, message: str, status: int | None, wait: float) -> None:
        super().__init__(message, status)
        self.wait = wait


def request(
    client: GitHubClient,
    verb: str,
    url: str,
    *,
    body: dict[str, Any] | None = None,
    parameters: dict[str, Any] | None = None,
    retry: bool = True,
) -> Any:
    """One REST call; its JSON (None for 204). `retry=False` for a POST that creates something."""
    attempt = 0
    while True:
        try:
            return _once(client, verb, url, body=body, parameters=parameters, attempt=attempt)
        except TransientError as error:
            if not retry or attempt >= client.max_retries:
                raise
            _wait(client, error)
            attempt += 1


def create(client: GitHubClient, make: Callable[[], T], lookup: Callable[[], T | None]) -> T:
    """`make()` once; after a failure that may have created it anyway, `lookup()` before the next attempt."""
    attempt = 0
    while True:
        try:
            return make()
        except TransientError as error:
            found = lookup()
            if found is not None:
                return found
            if attempt >= client.max_retries:
                raise
            _wait(client, error)
            attempt += 1


def graphql_data(client: GitHubClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """A GraphQL call whose errors are failures (the client already retries limits and 5xx)."""
    response = client.graphql(query, variables)
    if response.errors:
        messages = "; ".join(str(error.get("message")) for error in response.errors)
        raise GitHubError(f"GitHub GraphQL refused the request: {messages}")
    return response.data


def _once(
    client: GitHubClient,
    verb: str,
    url: str,
    *,
    body: dict[str, Any] | None,
    parameters: dict[str, Any] | None,
    attempt: int,
) -> Any:
    import requests
    from github import GithubException

    try:
        _, data = client.github.requester.requestJsonAndCheck(verb, url, parameters=parameters, input=body)
    except GithubException as error:
        raise _classify(error) from None
    except requests.RequestException as error:
        message = CONNECTION_FAILED.format(
            url=client.api_url + url if url.startswith("/") else url, kind=type(error).__name__
        )
        if is_connect_failure(error):  # PyGithub's retry already tried to connect again; nothing was sent
            raise GitHubError(message) from None
        raise TransientError(message, None, _backoff(attempt)) from None
    return data


def _classify(error: Any) -> GitHubError:
    status = int(error.status or 0)
    data = error.data if isinstance(error.data, dict) else {}
    message = str(data.get("message") or "")
    headers = {str(key).lower(): str(value) for key, value in (error.headers or {}).items()}
    reasons = [
        str(item.get("message") or item.get("code") or "")
        for item in data.get("errors") or []
        if isinstance(item, dict)
    ]
    detail = f"GitHub answered {status}: {message or 'no message'}" + (f" ({'; '.join(reasons)})" if reasons else "")
    if status == 401:
        return GitHubError(BAD_CREDENTIALS, status)
    if status >= 500:
        return TransientError(detail, status, 1.0)
    if status == 429 or (status == 403 and _limited(headers, message)):
        return TransientError(detail, status, _limit_wait(headers))
    failure = GitHubError(detail, status)
    failure.data = data  # type: ignore[attr-defined]
    return failure


def _limited(headers: dict[str, str], message: str) -> bool:
    return (
        "retry-after" in headers
        or headers.get("x-ratelimit-remaining") == "0"
        or SECONDARY_LIMIT_HINT in message.lower()
        or "rate limit" in message.lower()
    )


def _limit_wait(headers: dict[str, str]) -> float:
    if headers.get("retry-after", "").strip().isdigit():
        return float(headers["retry-after"])
    reset = headers.get("x-ratelimit-reset", "")
    if headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
        return max(0.0, int(reset) - time.time()) + 1
    return 60.0


def _backoff(attempt: int) -> float:
    return float(min(MAX_BACKOFF_SECONDS, 0.5 * 2.0**attempt))


def _wait(client: GitHubClient, error: TransientError) -> None:
    wait = float(error.wait)
    if wait > client.max_rate_limit_wait:
        raise RateLimitError(
            f"{error}: GitHub asks to wait {error.wait:.0f} s, more than the {client.max_rate_limit_wait:.0f} s "
            "allowed; run again later",
            error.wait,
        )
    time.sleep(wait)


def error_data(error: GitHubError) -> dict[str, Any]:
    data = getattr(error, "data", None)
    return data if isinstance(data, dict) else {}
