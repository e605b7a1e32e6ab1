"""What the metering proxy reads of a model request before forwarding it under a budget."""

from __future__ import annotations

import io

from symphony_bot.agents.metering.pricing_gate import (
    NO_MODEL,
    read_bounded,
    refusal_message,
    requested_model,
    unpriced,
)
from symphony_bot.agents.metering.wire import RequestBody


def test_the_requested_model_is_the_top_level_one_or_gemini_s_path() -> None:
    assert requested_model("/v1/messages", b'{"tools": [{"model": "a"}], "model": "b"}') == "b"
    assert requested_model("/v1beta/models/gemini-2.5-pro:generateContent", b"{}") == "gemini-2.5-pro"
    assert requested_model("/v1/responses", b'{"model": "a", "x": {"model": "b", "model": "c"}}') is None
    assert requested_model("/v1/responses", b'["model", "a"]') is None
    assert requested_model("/v1/responses", b'{"model": 5}') is None
    assert requested_model("/v1/responses", b"\xff\xfe") is None
    assert requested_model("/v1/responses", b"[" * 100_000) is None  # nesting beyond the parser's depth


def test_only_an_exact_price_table_entry_counts_as_priced() -> None:
    assert unpriced("claude-sonnet-4-5-20250929") is None and unpriced("gpt-5.1-codex") is None
    assert unpriced("o1-pro") == "o1-pro"  # the "gpt"/default fallbacks are estimates, not prices
    assert unpriced("claude-opus-9") == "claude-opus-9"
    assert unpriced(None) == NO_MODEL and len(unpriced("x" * 5000) or "") == 100


def test_the_body_is_read_whole_up_to_a_limit() -> None:
    assert read_bounded(RequestBody(io.BytesIO(b"x" * 10), 10), limit=10) == b"x" * 10
    assert read_bounded(RequestBody(io.BytesIO(b"x" * 11), 11), limit=10) is None
    assert "larger than 64 MiB" in refusal_message(None, 1.0)
    assert "model m has no known price" in refusal_message("m", 1.5) and "--max-cost 1.50 USD" in refusal_message(
        "m", 1.5
    )
