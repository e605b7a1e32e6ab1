"""The relay's chunked framing, parsed in place however the reads cut it."""

from __future__ import annotations

import random

import pytest

from symphony_bot.agents.metering.relay import BrokenFraming, Dechunker


def chunked(pieces: list[bytes]) -> bytes:
    framed = b"".join(
        b"%x;ext=1\r\n%s\r\n" % (len(piece), piece) if i % 2 else b"%X\r\n%s\r\n" % (len(piece), piece)
        for i, piece in enumerate(pieces)
    )
    return framed + b"0\r\nTrailer: dropped\r\n\r\n"


def test_the_payload_comes_out_whole_wherever_the_reads_cut_the_framing() -> None:
    rng = random.Random()
    pieces = [rng.randbytes(rng.randint(1, 3000)) for _ in range(rng.randint(1, 60))]
    wire = chunked(pieces)
    cuts = sorted(rng.sample(range(1, len(wire)), rng.randint(1, min(200, len(wire) - 1))))
    dechunker, payload = Dechunker(), b""
    for a, b in zip([0, *cuts], [*cuts, len(wire)], strict=True):
        assert not dechunker.done
        payload += b"".join(dechunker.payload(memoryview(wire[a:b])))
    assert payload == b"".join(pieces) and dechunker.done and not dechunker.extra


def test_bytes_after_the_last_chunk_are_noticed_and_bad_sizes_refused() -> None:
    dechunker = Dechunker()
    assert b"".join(dechunker.payload(memoryview(b"3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200"))) == b"abc"
    assert dechunker.done and dechunker.extra
    with pytest.raises(BrokenFraming):
        Dechunker().payload(memoryview(b"zz\r\nabc"))
    with pytest.raises(BrokenFraming):
        Dechunker().payload(memoryview(b"1" * 70_000))
