"""Real GitHub traffic recorded by @octokit/fixtures, as vcrpy cassettes, plus the tools to compare shapes.

A scenario is a list of nock-style interactions (`normalized-fixture.json`): method, path, request body, status,
response headers and JSON. `write_cassette` turns one into a vcrpy cassette (YAML, version 1) at test time, so
nothing generated is committed. `capture_exchanges` records every HTTP exchange a `requests`-based client makes
(PyGithub included), whether vcrpy serves it or a real server does, and `shape_differences` says where two JSON
bodies disagree in shape (keys and JSON types), which is what the bot depends on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import vcr
import yaml

GITHUB_API = "https://api.github.com"
SCENARIOS_DIR = Path("@octokit") / "fixtures" / "scenarios" / "api.github.com"
# Hop-by-hop and length headers describe the recorded transport, not the response.
_TRANSPORT_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "content-encoding"})


def scenario_entries(npm_modules: Path, scenario: str) -> list[dict[str, Any]]:
    path = npm_modules / SCENARIOS_DIR / scenario / "normalized-fixture.json"
    entries: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return entries


def write_cassette(npm_modules: Path, scenario: str, out: Path) -> Path:
    """Convert a scenario to a vcrpy cassette at `out` (request bodies kept for the body matcher)."""
    interactions = []
    for entry in scenario_entries(npm_modules, scenario):
        request_body = None if entry["body"] in ("", None) else json.dumps(entry["body"])
        response_body = "" if entry["response"] in ("", None) else json.dumps(entry["response"])
        headers = {
            name: [str(value)] for name, value in entry["headers"].items() if name.lower() not in _TRANSPORT_HEADERS
        }
        interactions.append(
            {
                "request": {
                    "body": request_body,
                    "headers": {},
                    "method": entry["method"].upper(),
                    "uri": GITHUB_API + entry["path"],
                },
                "response": {
                    "body": {"string": response_body},
                    "headers": headers,
                    "status": {"code": entry["status"], "message": HTTPStatus(entry["status"]).phrase},
                },
            }
        )
    out.write_text(yaml.safe_dump({"interactions": interactions, "version": 1}, sort_keys=False), encoding="utf-8")
    return out


def _normalised_body(body: Any) -> Any:
    """A request body as JSON, with PyGithub's known spelling differences folded in (toolchain.md §5).

    PyGithub posts add-labels as a bare list where octokit.js posts `{"labels": [...]}`; both are accepted by
    GitHub, so they match.
    """
    if body in (None, b"", ""):
        return None
    text = body.decode() if isinstance(body, bytes) else body
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    if isinstance(parsed, list):
        return {"labels": parsed}
    return parsed


def json_body_matcher(first: Any, second: Any) -> None:
    """vcrpy matcher: request bodies equal as JSON (after `_normalised_body`)."""
    assert _normalised_body(first.body) == _normalised_body(second.body)


def replaying_vcr() -> vcr.VCR:
    """Replay only: a request the recording does not have raises instead of reaching the network."""
    replay = vcr.VCR(
        record_mode="none",
        match_on=["method", "scheme", "host", "port", "path", "query", "json_body"],
        decode_compressed_response=True,
    )
    replay.register_matcher("json_body", json_body_matcher)
    return replay


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its response, as the client saw them."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    request_body: Any
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def link(self) -> str:
        return self.headers.get("link", "")


@contextmanager
def capture_exchanges() -> Iterator[list[Exchange]]:
    """Record every exchange made through `requests.Session.send` (vcrpy patches below it, so both are seen)."""
    seen: list[Exchange] = []
    original = requests.Session.send

    def send(session: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = original(session, request, **kwargs)
        url = urlsplit(request.url or "")
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = response.text
        seen.append(
            Exchange(
                method=request.method or "",
                path=url.path,
                query=tuple(parse_qsl(url.query)),
                request_body=_normalised_body(request.body),
                status=response.status_code,
                headers={name.lower(): value for name, value in response.headers.items()},
                body=body,
            )
        )
        return response

    requests.Session.send = send  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        requests.Session.send = original  # type: ignore[method-assign]


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape_differences(recorded: Any, ours: Any, where: str = "$", depth: int = 2) -> list[str]:
    """Where `ours` lacks a key GitHub sent, or has another JSON type (null on either side is fine: nullable).

    Extra keys in `ours` are allowed (GitHub adds fields over time; the OpenAPI check covers the current set).
    Arrays compare their first elements; `depth` limits how far down nested objects are compared.
    """
    recorded_type, our_type = json_type(recorded), json_type(ours)
    if "null" in (recorded_type, our_type):
        return []
    if recorded_type != our_type:
        return [f"{where}: GitHub sent {recorded_type}, sandbox sent {our_type}"]
    if depth < 0:
        return []
    if recorded_type == "array":
        if recorded and ours:
            return shape_differences(recorded[0], ours[0], f"{where}[0]", depth)
        return []
    if recorded_type == "object":
        problems = [f"{where}.{key}: missing in the sandbox's body" for key in recorded if key not in ours]
        for key in recorded:
            if key in ours:
                problems.extend(shape_differences(recorded[key], ours[key], f"{where}.{key}", depth - 1))
        return problems
    return []
