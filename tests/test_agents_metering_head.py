"""Message heads read without the email package read as the standard library's own parser reads them."""

from __future__ import annotations

import http.client
import io

import pytest

from symphony_bot.agents.metering.head import MAX_FIELDS, read_headers

HEADS = [
    b"Host: a\r\nContent-Length: 2\r\n\r\n",
    b"X-Api-Key: k1\r\nx-api-key: k2\r\nAuthorization:Bearer  t \r\n\r\n",  # duplicates; no space; spaces kept
    b"X-Folded: one\r\n two\r\n\tthree\r\nNext: n\r\n\r\n",  # obsolete line folding
    b"Good: 1\r\nnot a field\r\nAfter: 2\r\n\r\n",  # a non-field line ends the head
    b": empty name\r\nKept: yes\r\n\n",  # an empty name is dropped; a bare LF ends the head
    b"Content-Type: text/event-stream\nTransfer-Encoding: chunked\n\n",
]


@pytest.mark.parametrize("head", HEADS)
def test_fields_are_read_as_the_email_package_reads_them(head) -> None:
    ours, theirs = read_headers(io.BytesIO(head)), http.client.parse_headers(io.BytesIO(head))
    assert ours.items() == theirs.items()
    for name in {name.lower() for name, _ in theirs.items()} | {"missing"}:
        assert ours.get(name) == theirs.get(name) and ours.get_all(name) == theirs.get_all(name)
        assert ours[name.upper()] == theirs[name.upper()] and (name in ours) == (name in theirs)


def test_the_standard_librarys_limits_hold() -> None:
    with pytest.raises(http.client.LineTooLong):
        read_headers(io.BytesIO(b"X: " + b"y" * 70_000 + b"\r\n\r\n"))
    with pytest.raises(http.client.HTTPException, match="more than"):
        read_headers(io.BytesIO(b"X: y\r\n" * (MAX_FIELDS + 1) + b"\r\n"))
