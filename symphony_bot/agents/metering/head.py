"""HTTP/1.1 message heads read without the email package: a request's and a response's header fields.

The standard library parses every head with `email.parser` (built for mail: MIME types, policies, defects),
about 0.1 ms a head on the machine that measured it, twice per proxied request, on the path to the first byte.
The fields are read here as the standard library's compat32 policy reads them (first value wins in `get`, a
folded line joins its field, the first line that is no field ends the head), with its limits.
"""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

MAX_LINE_BYTES = 65536  # http.client's own limits
MAX_FIELDS = 100
# The email package's rule for a field line (RFC 5322 field names: printable ASCII but the colon) and a fold.
_FIELD = re.compile(r"[\041-\071\073-\176]*:")
FOLD = (" ", "\t")


class Headers:
    """Header fields in arrival order, looked up case-insensitively (the first value wins, as in `email`)."""

    __slots__ = ("_fields", "_index")

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self._fields = fields
        index: dict[str, list[str]] = {}
        for name, value in fields:
            index.setdefault(name.lower(), []).append(value)
        self._index = index

    def get(self, name: str, default: Any = None) -> Any:
        values = self._index.get(name.lower())
        return values[0] if values else default

    def get_all(self, name: str, failobj: Any = None) -> Any:
        values = self._index.get(name.lower())
        return list(values) if values else failobj

    def __getitem__(self, name: str) -> str | None:
        values = self._index.get(name.lower())
        return values[0] if values else None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._index

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)

    def keys(self) -> list[str]:
        return [name for name, _ in self._fields]

    def values(self) -> list[str]:
        return [value for _, value in self._fields]

    def __str__(self) -> str:
        return "".join(f"{name}: {value}\n" for name, value in self._fields)


def read_headers(fp: Any) -> Headers:
    """The header fields up to the blank line that ends the head (`http.client.LineTooLong` and
    `http.client.HTTPException` past the standard library's limits)."""
    lines: list[str] = []
    while True:
        raw = fp.readline(MAX_LINE_BYTES + 1)
        if len(raw) > MAX_LINE_BYTES:
            raise http.client.LineTooLong("header line")
        if raw in (b"\r\n", b"\n", b""):
            break
        lines.append(raw.decode("iso-8859-1"))
        if len(lines) > MAX_FIELDS:
            raise http.client.HTTPException(f"got more than {MAX_FIELDS} headers")
    fields: list[tuple[str, str]] = []
    parts: list[str] = []  # the lines of the current field: its first, then its folds
    for line in lines:
        if line.startswith(FOLD) and parts:
            parts.append(line)
            continue
        if parts:
            fields.append(_field(parts))
            parts = []
        if not _FIELD.match(line):
            break  # not a field: the head ends here for the email package too (the rest is its "body")
        if not line.startswith(":"):  # an empty name is a defect the email package drops
            parts = [line]
    if parts:
        fields.append(_field(parts))
    return Headers(fields)


def _field(parts: list[str]) -> tuple[str, str]:
    name, value = parts[0].split(":", 1)
    return name, (value.lstrip(" \t") + "".join(parts[1:])).rstrip("\r\n")


class QuickResponse(http.client.HTTPResponse):
    """`http.client.HTTPResponse` with its head read by `read_headers`; the rest is the standard library's."""

    def begin(self) -> None:
        if self.headers is not None:
            return
        while True:
            version, status, reason = self._read_status()
            if status != http.client.CONTINUE:
                break
            read_headers(self.fp)  # an interim 100's fields: skipped
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        self.headers = self.msg = read_headers(self.fp)
        transfer_encoding = self.headers.get("transfer-encoding")
        self.chunked = bool(transfer_encoding) and transfer_encoding.lower() == "chunked"
        self.chunk_left = None
        self.will_close = self._check_close()
        self.length = None
        length = self.headers.get("content-length")
        if length and not self.chunked:
            try:
                self.length = int(length)
            except ValueError:
                self.length = None
            else:
                if self.length < 0:
                    self.length = None
        if status in (HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED) or 100 <= status < 200 or self._method == "HEAD":
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True


class QuickRequestHandler(BaseHTTPRequestHandler):
    """`BaseHTTPRequestHandler` with the request's fields read by `read_headers`; its checks as the standard
    library's (Python 3.11)."""

    def parse_request(self) -> bool:
        self.command = None  # type: ignore[assignment]
        self.request_version = version = self.default_request_version
        self.close_connection = True
        raw: bytes = self.raw_requestline  # type: ignore[attr-defined]  # set by handle_one_request
        requestline = str(raw, "iso-8859-1").rstrip("\r\n")
        self.requestline = requestline
        words = requestline.split()
        if not words:
            return False
        if len(words) >= 3:
            version = words[-1]
            try:
                if not version.startswith("HTTP/"):
                    raise ValueError
                base_version_number = version.split("/", 1)[1]
                numbers = base_version_number.split(".")
                if len(numbers) != 2 or not all(n.isdigit() and len(n) <= 10 for n in numbers):
                    raise ValueError
                version_number = int(numbers[0]), int(numbers[1])
            except (ValueError, IndexError):
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
                return False
            if version_number >= (1, 1) and self.protocol_version >= "HTTP/1.1":
                self.close_connection = False
            if version_number >= (2, 0):
                self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"Invalid HTTP version ({base_version_number})")
                return False
            self.request_version = version
        if not 2 <= len(words) <= 3:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({requestline!r})")
            return False
        command, path = words[:2]
        if len(words) == 2:
            self.close_connection = True
            if command != "GET":
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad HTTP/0.9 request type ({command!r})")
                return False
        self.command, self.path = command, path
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")
        try:
            self.headers = read_headers(self.rfile)  # type: ignore[assignment]
        except http.client.LineTooLong as error:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long", str(error))
            return False
        except http.client.HTTPException as error:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers", str(error))
            return False
        connection = (self.headers.get("Connection") or "").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive" and self.protocol_version >= "HTTP/1.1":
            self.close_connection = False
        expect = (self.headers.get("Expect") or "").lower()
        if expect == "100-continue" and self.protocol_version >= "HTTP/1.1" and self.request_version >= "HTTP/1.1":
            return bool(self.handle_expect_100())
        return True
