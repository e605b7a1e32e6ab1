"""The metering proxy's body relay: the upstream's response body copied to the client at the wire's speed.

Each read takes whatever the upstream socket holds (up to READ_BYTES) straight into one buffer kept per thread,
never copied on the way through: the upstream's chunked framing is parsed in place, and the payload pieces of
one read go out to the client in one gathered system call, as one chunk (`sendmsg`). So a piece costs the same
two system calls whatever its size, and the client reads chunks at least as large as the upstream's.
The meter sees each piece after it went out, except the last: the usage is counted before the last bytes leave,
so a client that has read the whole answer finds it counted.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

READ_BYTES = 256 * 1024
MAX_LINE_BYTES = 65536  # a chunk-size or trailer line (http.client's own limit)
MAX_PARTS = 512  # pieces gathered in one sendmsg (the kernel's limit is 1024)
CRLF = b"\r\n"
LAST_CHUNK = b"0\r\n\r\n"
# Linux: hold the response head until the first piece of the body is written (one segment, one wake-up of the
# client), at most 200 ms; elsewhere the head goes at once.
MSG_MORE = getattr(socket, "MSG_MORE", 0)
_SIZE, _DATA, _DATA_END, _TRAILER, _DONE = range(5)
_local = threading.local()


class BrokenFraming(ValueError):
    """The upstream's chunked framing is malformed: the answer ends there, as if the API broke off."""


def buffer() -> memoryview:
    """This thread's relay buffer (one per handler thread, reused for every response)."""
    view: memoryview | None = getattr(_local, "view", None)
    if view is None:
        view = _local.view = memoryview(bytearray(READ_BYTES))
    return view


class Dechunker:
    """HTTP/1.1 chunked framing parsed in place: `payload(view)` gives the payload slices of each read."""

    def __init__(self) -> None:
        self.state = _SIZE
        self.left = 0  # payload bytes left in the current chunk, or framing bytes to toss (_DATA_END)
        self.line = bytearray()
        self.extra = False  # bytes came after the last chunk (the connection cannot be used again)

    @property
    def done(self) -> bool:
        return self.state == _DONE

    def payload(self, view: memoryview) -> list[memoryview]:
        pieces: list[memoryview] = []
        start, end = 0, len(view)
        while start < end:
            state = self.state
            if state == _DATA:
                take = min(self.left, end - start)
                pieces.append(view[start : start + take])
                start += take
                self.left -= take
                if not self.left:
                    self.state, self.left = _DATA_END, len(CRLF)
            elif state == _DATA_END:  # the CRLF after each chunk's data, tossed as http.client does
                take = min(self.left, end - start)
                start += take
                self.left -= take
                if not self.left:
                    self.state = _SIZE
            elif state == _DONE:
                self.extra = True
                return pieces
            else:
                start = self._line(view, start, end)
        return pieces

    def _line(self, view: memoryview, start: int, end: int) -> int:
        """Collect a size or trailer line; where reading goes on."""
        newline = -1
        for index in range(start, min(end, start + MAX_LINE_BYTES + 1)):  # lines are short: few bytes looked at
            if view[index] == 10:
                newline = index
                break
        stop = end if newline < 0 else newline + 1
        self.line += view[start:stop]
        if len(self.line) > MAX_LINE_BYTES:
            raise BrokenFraming("a chunk-size or trailer line is too long")
        if newline < 0:
            return stop
        line, self.line = bytes(self.line), bytearray()
        if self.state == _TRAILER:
            if line in (b"\r\n", b"\n"):
                self.state = _DONE
            return stop
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise BrokenFraming("a chunk size is not a hexadecimal number") from None
        if size < 0:
            raise BrokenFraming("a chunk size is negative")
        if size == 0:
            self.state = _TRAILER
        else:
            self.state, self.left = _DATA, size
        return stop


class ClientEnd:
    """The client end of one relay: framing of the body (chunked or as is), and once it has hung up, nothing
    more is written to it while the relay goes on reading and metering."""

    def __init__(self, sock: socket.socket, chunked: bool, on_gone: Callable[[], None]) -> None:
        self.sock = sock
        self.chunked = chunked
        self.here = True
        self._on_gone = on_gone

    def head(self, data: bytes, more: bool) -> None:
        self._send([data], MSG_MORE if more else 0)

    def body(self, pieces: list[memoryview], last: bool) -> None:
        if not self.here:
            return
        for start in range(0, max(1, len(pieces)), MAX_PARTS):
            batch = pieces[start : start + MAX_PARTS]
            final = last and start + MAX_PARTS >= len(pieces)
            parts: list[bytes | memoryview]
            if self.chunked:
                size = sum(len(piece) for piece in batch)
                parts = [b"%x\r\n" % size, *batch, CRLF] if size else []
                if final:
                    parts.append(LAST_CHUNK)
            else:
                parts = list(batch)
            if parts:
                self._send(parts, 0)

    def _send(self, parts: list[bytes | memoryview], flags: int) -> None:
        if not self.here:
            return
        try:
            sent = self.sock.sendmsg(parts, (), flags)
            total = sum(len(part) for part in parts)
            if sent < total:  # the client's buffer filled up: the rest, waiting as long as it takes
                self.sock.sendall(b"".join(parts)[sent:], flags)
        except OSError:
            self.here = False
            self._on_gone()
