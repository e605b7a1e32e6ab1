"""Reading usage out of responses however they are cut into pieces, in bounded memory."""

from __future__ import annotations

import json
import random
import zlib

import pytest

from symphony_bot.agents.base import Usage
from symphony_bot.agents.metering.meter import (
    HEAD_BYTES,
    TAIL_BYTES,
    BoundedDocument,
    ResponseMeter,
    SseScanner,
    WireFormat,
    endpoint_allowed,
    to_usage,
    wire_format_for,
)
from symphony_bot.agents.pricing import estimate_cost

ANTHROPIC_STREAM = (
    b"event: message_start\r\n"
    b'data: {"type":"message_start","message":{"model":"claude-opus-4-8","usage":'
    b'{"input_tokens":11,"cache_read_input_tokens":5,"cache_creation_input_tokens":3,"output_tokens":1}}}\r\n\r\n'
    b": a comment line\n"
    b'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":"h\\u00e9"}}\n\n'
    b'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":42}}\n\n'
    b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
)


def meter_usage(wire: WireFormat, streaming: bool, pieces: list[bytes], hint: str | None = None) -> Usage:
    meter = ResponseMeter(wire, streaming, hint)
    for piece in pieces:
        meter.feed(piece)
    return meter.finish().usage


@pytest.mark.parametrize("size", [1, 2, 7, 64, len(ANTHROPIC_STREAM)])
def test_anthropic_stream_cut_anywhere(size) -> None:
    pieces = [ANTHROPIC_STREAM[i : i + size] for i in range(0, len(ANTHROPIC_STREAM), size)]
    usage = meter_usage(WireFormat.ANTHROPIC, True, pieces)
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens, usage.cache_write_tokens) == (
        11,
        42,
        5,
        3,
    )
    assert usage.cost_is_estimate and usage.cost_usd == pytest.approx(estimate_cost(Usage(11, 42, 5, 3), "opus"))


def test_an_event_of_several_data_lines_and_a_stream_without_a_final_blank_line() -> None:
    documents: list[dict] = []
    scanner = SseScanner(documents.append)
    scanner.feed(b'data: {"usage":\ndata: 1}\n\nid: 7\nretry: 10\ndata: {"model": "m"}\n\ndata:{"usage":2}')
    scanner.close()
    assert documents == [{"usage": 1}, {"usage": 2}]  # a document without usage is not even parsed


def test_chat_completions_usage_comes_with_the_last_chunk_and_done_is_ignored() -> None:
    chunk = {"model": "gpt-4.1", "choices": [{"delta": {"content": "hi"}}], "usage": None}
    last = {
        "model": "gpt-4.1",
        "choices": [],
        "usage": {
            "prompt_tokens": 500,
            "completion_tokens": 60,
            "prompt_tokens_details": {"cached_tokens": 100},
            "completion_tokens_details": {"reasoning_tokens": 20},
        },
    }
    stream = f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode()
    usage = meter_usage(WireFormat.CHAT, True, [stream])
    assert usage == Usage(400, 60, 100, 0, 20, usage.cost_usd, True)
    assert usage.cost_usd == pytest.approx(estimate_cost(Usage(400, 60, 100), "gpt-4.1"))


def test_gemini_running_totals_last_one_wins_and_the_model_comes_from_the_path() -> None:
    first = {"usageMetadata": {"promptTokenCount": 300, "candidatesTokenCount": 2}}
    last = {
        "usageMetadata": {
            "promptTokenCount": 300,
            "candidatesTokenCount": 9,
            "cachedContentTokenCount": 100,
            "thoughtsTokenCount": 4,
        }
    }
    stream = f"data: {json.dumps(first)}\r\n\r\ndata: {json.dumps(last)}\r\n\r\n".encode()
    usage = meter_usage(WireFormat.GEMINI, True, [stream], hint="gemini-2.5-pro")
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens, usage.reasoning_tokens) == (
        200,
        13,
        100,
        4,
    )
    assert usage.cost_usd == pytest.approx(estimate_cost(Usage(200, 13, 100), "gemini-2.5-pro"))


def test_gemini_json_array_stream_without_sse() -> None:
    body = json.dumps([{"candidates": []}, {"usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 3}}])
    usage = meter_usage(WireFormat.GEMINI, False, [body.encode()], hint="gemini-2.5-flash")
    assert (usage.input_tokens, usage.output_tokens) == (8, 3)


def test_a_huge_json_body_keeps_only_its_windows_and_still_yields_usage_and_model() -> None:
    body = json.dumps(
        {
            "id": "msg_1",
            "model": "claude-haiku-4-5",
            "content": [{"type": "text", "text": "é" * (3 * (HEAD_BYTES + TAIL_BYTES)), "usage": {"fake": 1}}],
            "usage": {"input_tokens": 9, "output_tokens": 99999},
        }
    ).encode()
    document = BoundedDocument()
    for i in range(0, len(body), 1000):
        document.add(body[i : i + 1000])
    assert document.truncated and document.size == len(body)
    assert len(document._head) + len(document._tail) <= HEAD_BYTES + TAIL_BYTES
    (partial,) = document.documents()
    assert partial == {"model": "claude-haiku-4-5", "usage": {"input_tokens": 9, "output_tokens": 99999}}
    usage = meter_usage(WireFormat.ANTHROPIC, False, [body])
    assert (usage.input_tokens, usage.output_tokens) == (9, 99999)


def test_garbage_yields_no_usage_rather_than_an_error() -> None:
    assert meter_usage(WireFormat.RESPONSES, True, [b"data: {not json\n\n", b"\xff\xfe\n\n"]).total_tokens == 0
    assert meter_usage(WireFormat.RESPONSES, False, [b"<html>502</html>"]).total_tokens == 0
    assert (
        to_usage(WireFormat.ANTHROPIC, {"input_tokens": -5, "output_tokens": "7", "cache_read_input_tokens": True})
        == Usage()
    )


def test_only_generation_endpoints_are_metered() -> None:
    assert wire_format_for("/v1/messages") is WireFormat.ANTHROPIC
    assert wire_format_for("/v1/responses") is WireFormat.RESPONSES
    assert wire_format_for("/api/v1/chat/completions") is WireFormat.CHAT
    assert wire_format_for("/v1beta/models/g:streamGenerateContent") is WireFormat.GEMINI
    assert wire_format_for("/v1beta/models/g:generateContent") is WireFormat.GEMINI
    for other in ("/v1/messages/count_tokens", "/v1/models", "/v1beta/models/g:countTokens"):
        assert wire_format_for(other) is None


def test_the_endpoint_allow_list() -> None:
    allowed = [
        ("POST", "/v1/messages"),
        ("POST", "/v1/messages/count_tokens"),
        ("POST", "/responses"),
        ("POST", "/v1/responses/compact"),
        ("POST", "/chat/completions"),
        ("POST", "/v1beta/models/gemini-2.5-pro:streamGenerateContent"),
        ("POST", "/v1beta/models/gemini-2.5-pro:countTokens"),
        ("GET", "/v1/models"),
        ("GET", "/v1beta/models/gemini-2.5-pro"),
    ]
    refused = [
        ("GET", "/v1/messages"),
        ("POST", "/v1/models"),
        ("POST", "/v1/messages/batches"),
        ("POST", "/v1/images/generations"),
        ("GET", "/v1/models/"),
        ("PUT", "/v1/messages"),
        ("POST", "/v1/./messages"),
        ("POST", "/v1/messages%00"),
    ]
    assert all(endpoint_allowed(method, path) for method, path in allowed)
    assert not any(endpoint_allowed(method, path) for method, path in refused)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compressed_response_is_read_through_its_compression(encoding) -> None:
    compress = zlib.compressobj(wbits=16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
    body = compress.compress(ANTHROPIC_STREAM) + compress.flush()
    meter = ResponseMeter(WireFormat.ANTHROPIC, True, None, encoding)
    for i in range(0, len(body), 5):
        meter.feed(body[i : i + 5])
    usage = meter.finish().usage
    assert (usage.input_tokens, usage.output_tokens) == (11, 42)


def test_a_compression_bomb_is_read_in_bounded_pieces_and_garbage_is_dropped() -> None:
    compress = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    bomb = compress.compress(b"data: " + b" " * (64 * 1024 * 1024)) + compress.flush()
    assert len(bomb) < 100_000
    meter = ResponseMeter(WireFormat.CHAT, True, None, "gzip")
    meter.feed(bomb)
    assert meter.finish().usage.total_tokens == 0
    broken = ResponseMeter(WireFormat.CHAT, False, None, "gzip")
    broken.feed(b"not gzip at all")
    broken.feed(b"more")
    assert broken.finish().usage.total_tokens == 0
    assert ResponseMeter(WireFormat.CHAT, False, None, "br").finish().usage.total_tokens == 0


def test_a_response_that_charged_nothing_is_free_whatever_its_model() -> None:
    error = json.dumps({"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}).encode()
    usage = meter_usage(WireFormat.ANTHROPIC, False, [error])
    assert usage == Usage(cost_is_estimate=True) and usage.unpriced_model is None
    unknown = meter_usage(WireFormat.ANTHROPIC, False, [b'{"model": "mystery-1", "usage": {"input_tokens": 5}}'])
    assert unknown.unpriced_model == "mystery-1" and unknown.cost_usd > 0  # priced at the fallback, and said so


def test_a_long_stream_of_small_deltas_cut_at_random_is_read_exactly() -> None:
    """Events that carry no usage are passed over with one search per piece: the usage events among them are
    still found wherever the pieces are cut, and every event is counted."""
    rng = random.Random()
    deltas = rng.randint(200, 2000)
    searches = rng.randint(1, 50)
    start, rest = ANTHROPIC_STREAM.split(b"event: content_block_delta", 1)
    delta = b"event: content_block_delta" + rest.split(b"\n\n", 1)[0] + b"\n\n"
    ping = b"event: ping\r\ndata: {}\r\n\r\n"
    end = (
        b'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":42,'
        b'"server_tool_use":{"web_search_requests":' + str(searches).encode() + b"}}}\n\n"
    )
    stream = start + (delta + ping) * deltas + end
    cuts = sorted(rng.sample(range(1, len(stream)), 300))
    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    meter = ResponseMeter(WireFormat.ANTHROPIC, True)
    for piece in pieces:
        meter.feed(piece)
    metered = meter.finish()
    usage = metered.usage
    assert (usage.input_tokens, usage.output_tokens) == (11, 42) and metered.fees.uses == {"web_search": searches}
    assert meter.events == 2 + 2 * deltas and meter.complete


def test_priced_usage_fields_beside_the_tokens_are_counted() -> None:
    """Gemini's tool-use prompt tokens are input; Anthropic's 1-hour cache writes cost 2x input."""
    rng = random.Random()
    prompt, tool_prompt, out = rng.randint(1, 9000), rng.randint(1, 9000), rng.randint(1, 900)
    chunk = {
        "usageMetadata": {
            "promptTokenCount": prompt,
            "toolUsePromptTokenCount": tool_prompt,
            "candidatesTokenCount": out,
        },
        "modelVersion": "gemini-2.5-pro",
    }
    gemini = meter_usage(WireFormat.GEMINI, True, [b"data: " + json.dumps(chunk).encode() + b"\n\n"])
    assert (gemini.input_tokens, gemini.output_tokens) == (prompt + tool_prompt, out)
    long_writes = rng.randint(1, 9000)
    usage = {"input_tokens": 1, "output_tokens": 1, "cache_creation_input_tokens": long_writes}
    usage["cache_creation"] = {"ephemeral_1h_input_tokens": long_writes, "ephemeral_5m_input_tokens": 0}
    body = json.dumps({"model": "claude-sonnet-4-5", "usage": usage}).encode()
    anthropic = meter_usage(WireFormat.ANTHROPIC, False, [body])
    base = estimate_cost(Usage(1, 1), "claude-sonnet-4-5")
    assert anthropic.cost_usd == pytest.approx(base + long_writes * 3.0 * 2 / 1e6)


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_a_stream_mostly_of_one_event_is_counted_exactly_with_its_rare_others(newline) -> None:
    """Pieces holding nothing but the stream's common event are only counted (`sse`); the rare others among
    them (a ping, a server-tool call completed, the usage at the end) are still found wherever the pieces are
    cut, small or large, and every event is counted once."""
    rng = random.Random()

    def event(name: str, data: str) -> bytes:
        return b"event: " + name.encode() + newline + b"data: " + data.encode() + newline + newline

    created = event("response.created", json.dumps({"type": "response.created", "response": {"model": "gpt-5.1"}}))
    deltas = rng.randint(500, 3000)
    body, others, searches = [created], 0, 0
    for _ in range(deltas):
        body.append(event("response.output_text.delta", json.dumps({"delta": "y" * rng.randint(1, 300)})))
        roll = rng.random()
        if roll < 0.01:
            body.append(event("ping", "{}"))
            others += 1
        elif roll < 0.02:
            body.append(event("response.web_search_call.completed", "{}"))
            others, searches = others + 1, searches + 1
    usage = {"input_tokens": 70, "output_tokens": 9}
    completed = {"type": "response.completed", "response": {"model": "gpt-5.1", "usage": usage}}
    body.append(event("response.completed", json.dumps(completed)))
    stream = b"".join(body)
    cuts = sorted(rng.sample(range(1, len(stream)), rng.randint(1, 200)))
    meter = ResponseMeter(WireFormat.RESPONSES, True)
    for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        meter.feed(stream[a:b])
    metered = meter.finish()
    assert (metered.usage.input_tokens, metered.usage.output_tokens, metered.model) == (70, 9, "gpt-5.1")
    assert meter.events == 2 + deltas + others and meter.complete
    assert metered.fees.uses == ({"web_search": searches} if searches else {})


def test_a_server_tool_call_whose_event_line_is_cut_between_two_pieces_is_counted() -> None:
    """The event line of a completed server-tool call, split anywhere across two pieces, is still counted (a
    search within one piece alone missed it: the answer's tool fees came out one search short)."""
    delta = b'event: response.output_text.delta\ndata: {"delta": "' + b"y" * 400 + b'"}\n\n'
    call = b"event: response.web_search_call.completed\ndata: {}\n\n"
    usage = {"input_tokens": 70, "output_tokens": 9}
    end = {"type": "response.completed", "response": {"model": "gpt-5.1", "usage": usage}}
    stream = delta * 3 + call + delta * 3 + b"event: response.completed\ndata: " + json.dumps(end).encode() + b"\n\n"
    line = stream.index(call)
    for cut in range(line, line + call.index(b"\n") + 2):
        meter = ResponseMeter(WireFormat.RESPONSES, True)
        meter.feed(stream[:cut])
        meter.feed(stream[cut:])
        metered = meter.finish()
        assert metered.fees.uses == {"web_search": 1} and meter.events == 8, cut
