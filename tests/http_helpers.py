"""A static HTTP server on loopback for download tests: fixed bodies by path, 404 otherwise, every request's
headers recorded."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class StaticServer:
    url: str
    bodies: dict[str, bytes]
    seen: list[dict[str, str]] = field(default_factory=list)  # headers, one dict per request


@contextmanager
def static_server(bodies: dict[str, bytes]) -> Iterator[StaticServer]:
    served = StaticServer(url="", bodies=bodies)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.seen.append(dict(self.headers))
            body = served.bodies.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
