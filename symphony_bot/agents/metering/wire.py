"""HTTP/1.1 plumbing of the metering proxy: request bodies read piece by piece, and hop-by-hop headers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

PIECE_BYTES = 64 * 1024
# RFC 9110 7.6.1, plus the framing headers the proxy sets itself.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "host",
        "expect",
    }
)


class RequestBody:
    """The request body, read in pieces as it is forwarded (chunked bodies de-chunked); the first piece is kept
    as `head` to find the model name in."""

    def __init__(self, rfile: Any, length: int | None) -> None:
        self.rfile = rfile
        self.length = length
        self.head = b""

    def __iter__(self) -> Iterator[bytes]:
        pieces = self._chunks() if self.length is None else self._sized(self.length)
        for piece in pieces:
            if not self.head:
                self.head = piece[:PIECE_BYTES]
            yield piece

    def _sized(self, remaining: int) -> Iterator[bytes]:
        while remaining > 0:
            piece = self.rfile.read(min(PIECE_BYTES, remaining))
            if not piece:
                raise ConnectionError("the client closed the connection in the middle of the request body")
            remaining -= len(piece)
            yield piece

    def _chunks(self) -> Iterator[bytes]:
        while True:
            size_line = self.rfile.readline(1024)
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ConnectionError("malformed chunked request body") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers: dropped
                return
            yield from self._sized(size)
            self.rfile.readline(1024)  # the CRLF after each chunk


def end_to_end(headers: Any) -> Iterator[tuple[str, str]]:
    """Headers that travel on: hop-by-hop ones, and any the Connection header names, are dropped."""
    items = list(headers)
    named = {
        token.strip().lower()
        for name, value in items
        if name.lower() == "connection"
        for token in value.split(",")
        if token.strip()
    }
    for name, value in items:
        lowered = name.lower()
        if lowered not in HOP_BY_HOP and lowered not in named:
            yield name, value
