"""Plain HTTP clients and a recording upstream for the metering-proxy tests."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from symphony_bot.agents.base import Agent, Usage
from symphony_bot.agents.pricing import is_priced
from symphony_bot.sandbox.model_server import ANTHROPIC, CHAT, GEMINI, RESPONSES, TurnUsage
from tests.agent_cli_helpers import DO_AND_TICK
from tests.agent_cli_specs import ALL_CLIS, CliSpec

REAL_KEY = "sk-real-donor-key-0123456789"

# The tool call does the task and dumps what it can see of every process's environment, its parent's first.
PROBE = (
    "(env; echo; tr '\\0' '\\n' </proc/$PPID/environ; echo; cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n')"
    " > env.txt; " + DO_AND_TICK
)
# One turn costs more than any budget below, so the next model request is the one the proxy refuses.
EXPENSIVE = TurnUsage(input_tokens=100_000, output_tokens=10)  # within every context window
BUDGET_USD = 0.01
MAX_SECONDS = 45


# The proxy's name for the API each CLI's wire protocol belongs to.
PROXY_API = {ANTHROPIC: "anthropic", RESPONSES: "openai", CHAT: "openai", GEMINI: "gemini"}
SPEC_KEY = "test-key"  # the key the adapter contract tests point each CLI with (tests/agent_cli_specs.py)
# With --max-cost the proxy forwards only exactly priced models: one for the CLIs whose test model is not.
PRICED_CHAT_MODEL = "gpt-4.1"
# A model of each API with no price in the table (its family's fallback is an estimate, not a price).
UNPRICED_MODELS = {ANTHROPIC: "claude-opus-9", RESPONSES: "o1-pro", CHAT: "o1-pro", GEMINI: "gemini-9-ultra"}


@dataclass(frozen=True)
class Cli:
    """One real CLI as the metering tests see it: the contract's spec, pointed at a proxy instead."""

    spec: CliSpec

    @property
    def api(self) -> str:
        return PROXY_API[self.spec.api]

    @property
    def model(self) -> str:
        return self.spec.model

    @property
    def priced_model(self) -> str:
        """The model for runs with a budget: the test model where it is priced exactly."""
        return self.spec.model if is_priced(self.spec.model) else PRICED_CHAT_MODEL

    @property
    def unpriced_model(self) -> str:
        return UNPRICED_MODELS[self.spec.api]

    @property
    def separate_cache_writes(self) -> bool:
        # Anthropic reports cache writes apart; the OpenAI and Gemini wires fold them into the prompt total.
        return self.spec.api == ANTHROPIC

    def point(self, url: str, key: str) -> dict[str, str]:
        """The variables that point the adapter at `url` with `key`."""
        return {name: key if value == SPEC_KEY else value.replace("{url}", url) for name, value in self.spec.pointing}

    def make(self, executable: str, model: str) -> Agent:
        agent: Agent = self.spec.agent_class(executable=executable, model=model)  # type: ignore[call-arg]
        return agent


CLIS = {spec.name: Cli(spec) for spec in ALL_CLIS}


def charged(spec: Cli, turns: TurnUsage) -> tuple[int, int, int, int, int]:
    """What the scripted server charged, in the proxy's terms."""
    folded = 0 if spec.separate_cache_writes else turns.cache_write_tokens
    return (
        turns.input_tokens + folded,
        turns.output_total,
        turns.cache_read_tokens,
        turns.cache_write_tokens if spec.separate_cache_writes else 0,
        0 if spec.separate_cache_writes else turns.reasoning_tokens,
    )


def counted(usage: Usage) -> tuple[int, int, int, int, int]:
    return (
        usage.input_tokens,
        usage.output_tokens,
        usage.cache_read_tokens,
        usage.cache_write_tokens,
        usage.reasoning_tokens,
    )


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    peer: tuple[str, int] = ("", 0)  # the proxy's end of the connection the request came on

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    url: str,
    method: str,
    target: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    all_headers = {"content-type": "application/json", **(headers or {})}
    try:
        connection.request(method, target, body=data, headers=all_headers)
        response = connection.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def raw_exchange(url: str, request: bytes) -> bytes:
    """Send `request` as written (an absolute-form target, CONNECT, ...) and return everything answered."""
    import socket

    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    peer: tuple[str, int] = ("", 0)  # the proxy's end of the connection the request came on


@dataclass
class RecordingUpstream:
    """An upstream that records each request as it arrived and answers with `respond(seen, handler)`."""

    respond: Callable[[Seen, BaseHTTPRequestHandler], None] | None = None
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _any(self) -> None:
                if "chunked" in (self.headers.get("transfer-encoding") or ""):
                    body = _dechunk(self.rfile)
                else:
                    body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                seen = Seen(self.command, self.path, headers, body, self.client_address[:2])
                upstream.seen.append(seen)
                if upstream.respond is not None:
                    upstream.respond(seen, self)
                else:
                    send_json(self, {"ok": True})

            do_GET = do_POST = _any

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> RecordingUpstream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _dechunk(rfile: Any) -> bytes:
    body = b""
    while True:
        size = int(rfile.readline().split(b";")[0], 16)
        if size == 0:
            rfile.readline()
            return body
        body += rfile.read(size)
        rfile.readline()


def send_json(handler: BaseHTTPRequestHandler, payload: Any, status: int = 200) -> None:
    data = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("content-type", "application/json")
    handler.send_header("content-length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def send_sse_chunks(handler: BaseHTTPRequestHandler, chunks: Iterator[bytes], chunked: bool = True) -> None:
    """Each piece written (and flushed) as it comes from `chunks`: chunked, or close-delimited."""
    handler.send_response(200)
    handler.send_header("content-type", "text/event-stream")
    if chunked:
        handler.send_header("transfer-encoding", "chunked")
    else:
        handler.send_header("connection", "close")
        handler.close_connection = True
    handler.end_headers()
    for piece in chunks:
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        handler.wfile.flush()
    if chunked:
        handler.wfile.write(b"0\r\n\r\n")


class ConnectProxy:
    """A runner's HTTP proxy: answers CONNECT with a tunnel, and records each target and Proxy-Authorization."""

    def __init__(self) -> None:
        import socketserver

        self.tunnels: list[tuple[str, str | None]] = []
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                import socket

                request_line = self.rfile.readline().decode()
                authorization = None
                while (line := self.rfile.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode().partition(":")
                    if name.strip().lower() == "proxy-authorization":
                        authorization = value.strip()
                method, target, _ = request_line.split(" ", 2)
                proxy.tunnels.append((target, authorization))
                if method != "CONNECT":
                    self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n")
                    return
                host, port = target.rsplit(":", 1)
                with socket.create_connection((host, int(port))) as far:
                    self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    _pump(self.connection, far)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ConnectProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _pump(near: Any, far: Any) -> None:
    """Copy bytes both ways until either side closes."""
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(near, selectors.EVENT_READ, far)
        selector.register(far, selectors.EVENT_READ, near)
        while True:
            for key, _ in selector.select(timeout=30):
                data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                if not data:
                    return
                key.data.sendall(data)
