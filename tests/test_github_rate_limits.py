"""Rate-limit answers as GitHub sends them, REST and GraphQL, read by `github/rate_limits` and honoured by the client.

GraphQL's primary limit comes back as HTTP 200 with only `errors`, in two shapes seen from GitHub:
- `{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID N."}`: github/docs#22607 (the GitHub
  CLI's output, quoted in the thread by a GitHub docs maintainer);
- `{"type": "RATE_LIMIT", "code": "graphql_rate_limit", "message": "API rate limit already exceeded for user ID
  N."}`: yanyongyu/githubkit#271 (2026-01), which made githubkit recognise it (githubkit#272).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from symphony_bot.github.client import GitHubClient, RateLimitError
from symphony_bot.github.rate_limits import is_graphql_rate_limited, rate_limit_wait

SECONDARY_WAIT = 60.0
NOW = 1_800_000_000.0
DOCS_SHAPE = {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]}
ALREADY_EXCEEDED = "API rate limit already exceeded for user ID 1."
SHAPE_2026 = {"errors": [{"type": "RATE_LIMIT", "code": "graphql_rate_limit", "message": ALREADY_EXCEEDED}]}
CODE_ONLY = {"errors": [{"code": "graphql_rate_limit", "message": ALREADY_EXCEEDED}]}
NOT_A_LIMIT = {"data": {"repository": None}, "errors": [{"type": "NOT_FOUND", "message": "Could not resolve"}]}


@pytest.mark.parametrize("body", [DOCS_SHAPE, SHAPE_2026, CODE_ONLY], ids=["RATE_LIMITED", "RATE_LIMIT", "code"])
def test_every_known_graphql_limit_shape_is_a_limit(body: dict[str, Any]) -> None:
    assert is_graphql_rate_limited(body)
    assert rate_limit_wait(200, {}, body, NOW, SECONDARY_WAIT) == SECONDARY_WAIT


@pytest.mark.parametrize("body", [DOCS_SHAPE, SHAPE_2026])
def test_a_graphql_limit_waits_until_the_reset_the_headers_name(body: dict[str, Any]) -> None:
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 120)}
    assert rate_limit_wait(200, headers, body, NOW, SECONDARY_WAIT) == 121
    assert rate_limit_wait(200, {"retry-after": "7"}, body, NOW, SECONDARY_WAIT) == 7


@pytest.mark.parametrize("body", [NOT_A_LIMIT, {"data": {}}, {"errors": "text"}, None, "Server Error"])
def test_other_answers_are_not_limits(body: Any) -> None:
    assert not is_graphql_rate_limited(body)
    assert rate_limit_wait(200, {}, body, NOW, SECONDARY_WAIT) is None


def test_a_rest_403_is_a_limit_only_when_it_says_so() -> None:
    # docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
    secondary = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}
    assert rate_limit_wait(403, {}, secondary, NOW, SECONDARY_WAIT) == SECONDARY_WAIT
    assert rate_limit_wait(429, {}, {}, NOW, SECONDARY_WAIT) == SECONDARY_WAIT
    # the same limit's older wording (octokit/plugin-throttling.js's "abuse-limit" event)
    abuse = {"message": "You have triggered an abuse detection mechanism. Please wait a few minutes before you try."}
    assert rate_limit_wait(403, {}, abuse, NOW, SECONDARY_WAIT) == SECONDARY_WAIT
    refused = {"message": "Resource not accessible by integration"}
    assert rate_limit_wait(403, {}, refused, NOW, SECONDARY_WAIT) is None


# ---- the client, against a server that answers with each shape once, then with data ------------------------------


@dataclass
class GraphQLServer:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)  # the requests' JSON bodies


@contextmanager
def graphql_server(answers: list[dict[str, Any]]) -> Iterator[GraphQLServer]:
    """POST /graphql answers `answers` in turn (the last one forever), each with HTTP 200 as GitHub does."""
    served = GraphQLServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            served.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            body = json.dumps(answers[min(len(served.received), len(answers)) - 1]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.url = f"http://127.0.0.1:{server.server_address[1]}/graphql"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _client(served: GraphQLServer, sleeps: list[float], **options: Any) -> GitHubClient:
    api_url = served.url.removesuffix("/graphql")
    return GitHubClient(api_url, served.url, "t", sleep=sleeps.append, **options)


@pytest.mark.parametrize("limited", [DOCS_SHAPE, SHAPE_2026], ids=["RATE_LIMITED", "RATE_LIMIT"])
def test_the_client_waits_and_retries_on_either_shape(limited: dict[str, Any]) -> None:
    answered = {"data": {"viewer": {"login": "octocat"}}}
    sleeps: list[float] = []
    with graphql_server([limited, answered]) as served, _client(served, sleeps, secondary_rate_wait=3) as client:
        response = client.graphql("query { viewer { login } }")
    assert response.data == answered["data"] and not response.errors
    assert len(served.received) == 2 and sleeps == [3]


def test_the_client_gives_up_with_the_wait_when_the_limit_stays() -> None:
    sleeps: list[float] = []
    with (
        graphql_server([SHAPE_2026]) as served,
        _client(served, sleeps, secondary_rate_wait=3, max_retries=2) as client,
        pytest.raises(RateLimitError),
    ):
        client.graphql("query { viewer { login } }")
    assert len(served.received) == 3 and sleeps == [3, 3]
