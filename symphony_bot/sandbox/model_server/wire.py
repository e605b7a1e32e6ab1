"""The four wire protocols: a scripted turn (or an API error) as Anthropic Messages, OpenAI Responses, OpenAI
Chat Completions or Gemini would send it, as JSON or as server-sent events."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from symphony_bot.sandbox.model_server.reading import (
    ANTHROPIC,
    CHAT,
    CODEX_JS_EXEC,
    CUSTOM_INPUT,
    GEMINI,
    RESPONSES,
    new_id,
)
from symphony_bot.sandbox.model_server.script import WEB_SEARCH, Turn

GEMINI_QUOTA_FAILURE = "type.googleapis.com/google.rpc.QuotaFailure"
GEMINI_QUOTA_METRIC = "generativelanguage.googleapis.com/generate_content_requests"
GEMINI_DAILY_QUOTA_ID = "GenerateRequestsPerDayPerProjectPerModel"


class Sender(Protocol):
    """Where a reply goes: the request handler."""

    def send_json(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None: ...

    def send_sse(self, events: Iterable[tuple[str | None, Any]]) -> None: ...


def send_error(out: Sender, api: str, turn: Turn) -> None:
    status = turn.error_status or 500
    headers = {"retry-after": "0"}
    if not turn.retry:
        headers["x-should-retry"] = "false"
    payload: dict[str, Any]
    if api == ANTHROPIC:
        kinds = {429: "rate_limit_error", 529: "overloaded_error", 401: "authentication_error"}
        kind = kinds.get(status, "api_error" if status >= 500 else "invalid_request_error")
        payload = {"type": "error", "error": {"type": kind, "message": turn.error_message}}
    elif api == GEMINI:
        states = {429: "RESOURCE_EXHAUSTED", 400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED"}
        error: dict[str, Any] = {
            "code": status,
            "message": turn.error_message,
            "status": states.get(status, "INTERNAL"),
        }
        if status == 429 and not turn.retry:
            # What Google sends when a daily quota is spent: the Gemini CLI stops instead of backing off.
            violation = {"quotaMetric": GEMINI_QUOTA_METRIC, "quotaId": GEMINI_DAILY_QUOTA_ID}
            error["details"] = [{"@type": GEMINI_QUOTA_FAILURE, "violations": [violation]}]
        payload = {"error": error}
    else:
        quota = "quota" in turn.error_message.lower()
        kind = ("insufficient_quota" if quota else "rate_limit_exceeded") if status == 429 else "server_error"
        payload = {"error": {"message": turn.error_message, "type": kind, "code": kind if status == 429 else None}}
    out.send_json(status, payload, headers)


def reply(
    out: Sender, api: str, turn: Turn, call: tuple[str, dict[str, Any]] | None, *, model: str, stream: bool
) -> None:
    """Send `turn` (as the tool call `call`, when there is one) in `api`'s wire format."""
    if api == ANTHROPIC:
        _anthropic(out, model, stream, turn, call)
    elif api == RESPONSES:
        _responses(out, model, stream, turn, call)
    elif api == CHAT:
        _chat(out, model, stream, turn, call)
    else:
        _gemini(out, model, stream, turn, call)


# Anthropic Messages ----------------------------------------------------------------------------
def _anthropic(out: Sender, model: str, stream: bool, turn: Turn, call: tuple[str, dict[str, Any]] | None) -> None:
    usage = turn.usage
    start_usage = {
        "input_tokens": usage.input_tokens,
        "cache_creation_input_tokens": usage.cache_write_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
        "output_tokens": 1,
    }
    if call is not None:
        block: dict[str, Any] = {"type": "tool_use", "id": new_id("toolu_"), "name": call[0], "input": call[1]}
        start_block: dict[str, Any] = {**block, "input": {}}
        delta: dict[str, Any] = {"type": "input_json_delta", "partial_json": json.dumps(call[1])}
        stop_reason = "tool_use"
    else:
        block = {"type": "text", "text": turn.text}
        start_block = {"type": "text", "text": ""}
        delta = {"type": "text_delta", "text": turn.text}
        stop_reason = "end_turn"
    message = {"id": new_id("msg_"), "type": "message", "role": "assistant", "model": model, "stop_sequence": None}
    final_usage: dict[str, Any] = {"output_tokens": usage.output_total}
    if turn.server_tools:
        # https://docs.claude.com/en/docs/agents-and-tools/tool-use/web-search-tool: usage.server_tool_use
        final_usage["server_tool_use"] = {f"{kind}_requests": count for kind, count in turn.server_tools.items()}
    if not stream:
        whole = {**start_usage, **final_usage}
        out.send_json(200, {**message, "content": [block], "stop_reason": stop_reason, "usage": whole})
        return

    def deltas() -> Iterable[tuple[str | None, Any]]:
        pieces = turn.pieces() if call is None else [None]
        for number, piece in enumerate(pieces):
            if number and turn.delta_pause_s:
                time.sleep(turn.delta_pause_s)
            piece_delta = delta if piece is None else {"type": "text_delta", "text": piece}
            yield "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": piece_delta}

    start = {"type": "message_start", "message": {**message, "content": [], "stop_reason": None, "usage": start_usage}}
    end = {"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None}, "usage": final_usage}
    out.send_sse(
        _chain(
            [("message_start", start)],
            [("content_block_start", {"type": "content_block_start", "index": 0, "content_block": start_block})],
            deltas(),
            [("content_block_stop", {"type": "content_block_stop", "index": 0})],
            [("message_delta", end), ("message_stop", {"type": "message_stop"})],
        )
    )


def _chain(*parts: Iterable[tuple[str | None, Any]]) -> Iterable[tuple[str | None, Any]]:
    """The events of `parts` one after the other, produced only as they are sent (pauses happen on the wire)."""
    for part in parts:
        yield from part


# OpenAI Responses ------------------------------------------------------------------------------
def _responses(out: Sender, model: str, stream: bool, turn: Turn, call: tuple[str, dict[str, Any]] | None) -> None:
    usage = turn.usage
    item: dict[str, Any]
    if call is not None and call[0] == CODEX_JS_EXEC and set(call[1]) == {CUSTOM_INPUT}:
        item = {
            "type": "custom_tool_call",
            "id": new_id("ctc_"),
            "call_id": new_id("call_"),
            "status": "completed",
            "name": call[0],
            "input": call[1][CUSTOM_INPUT],
        }
        added = {**item, "input": "", "status": "in_progress"}
    elif call is not None:
        item = {
            "type": "function_call",
            "id": new_id("fc_"),
            "call_id": new_id("call_"),
            "status": "completed",
            "name": call[0],
            "arguments": json.dumps(call[1]),
        }
        added = {**item, "arguments": "", "status": "in_progress"}
    else:
        item = {
            "type": "message",
            "id": new_id("msg_"),
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": turn.text, "annotations": []}],
        }
        added = {**item, "status": "in_progress", "content": []}
    searches = [
        # https://platform.openai.com/docs/guides/tools-web-search: one `web_search_call` output item per search
        {"type": "web_search_call", "id": new_id("ws_"), "status": "completed", "action": {"type": "search"}}
        for _ in range(turn.server_tools.get(WEB_SEARCH, 0))
    ]
    response = {
        "id": new_id("resp_"),
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed",
        "model": model,
        "output": [*searches, item],
        "usage": {
            "input_tokens": usage.prompt_total,
            "input_tokens_details": {"cached_tokens": usage.cache_read_tokens},
            "output_tokens": usage.output_total,
            "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
            "total_tokens": usage.prompt_total + usage.output_total,
        },
    }
    if not stream:
        out.send_json(200, response)
        return
    events: list[tuple[str, dict[str, Any]]] = [
        ("response.created", {"response": {**response, "status": "in_progress", "output": []}}),
    ]
    for index, search in enumerate(searches):
        events += [
            ("response.output_item.added", {"output_index": index, "item": {**search, "status": "in_progress"}}),
            ("response.web_search_call.completed", {"output_index": index, "item_id": search["id"]}),
            ("response.output_item.done", {"output_index": index, "item": search}),
        ]
    index = len(searches)
    events.append(("response.output_item.added", {"output_index": index, "item": added}))
    if call is None:
        for piece in turn.pieces():
            text_delta = {"item_id": item["id"], "output_index": index, "content_index": 0, "delta": piece}
            events.append(("response.output_text.delta", text_delta))
    events += [
        ("response.output_item.done", {"output_index": index, "item": item}),
        ("response.completed", {"response": response}),
    ]
    out.send_sse((name, {"type": name, "sequence_number": n, **data}) for n, (name, data) in enumerate(events))


# OpenAI Chat Completions -----------------------------------------------------------------------
def _chat(out: Sender, model: str, stream: bool, turn: Turn, call: tuple[str, dict[str, Any]] | None) -> None:
    usage = turn.usage
    completion_id, now = new_id("chatcmpl-"), int(time.time())
    wire_usage = {
        "prompt_tokens": usage.prompt_total,
        "completion_tokens": usage.output_total,
        "total_tokens": usage.prompt_total + usage.output_total,
        "prompt_tokens_details": {"cached_tokens": usage.cache_read_tokens},
        "completion_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
    }
    tool_call_wire = None
    if call is not None:
        function = {"name": call[0], "arguments": json.dumps(call[1])}
        tool_call_wire = {"id": new_id("call_"), "type": "function", "function": function}
    finish = "tool_calls" if call else "stop"
    if not stream:
        message: dict[str, Any] = {"role": "assistant", "content": None if call else turn.text}
        if tool_call_wire:
            message["tool_calls"] = [tool_call_wire]
        choice = {"index": 0, "message": message, "finish_reason": finish}
        completion = {"id": completion_id, "object": "chat.completion", "created": now, "model": model}
        out.send_json(200, {**completion, "choices": [choice], "usage": wire_usage})
        return

    def chunk(delta: dict[str, Any], finish_reason: str | None = None, with_usage: bool = False) -> tuple[None, Any]:
        payload: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": now,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }
        if with_usage:
            payload["usage"] = wire_usage
        return None, payload

    content = {"tool_calls": [{"index": 0, **tool_call_wire}]} if tool_call_wire else {"content": turn.text}
    out.send_sse(
        [
            chunk({"role": "assistant", "content": ""}),
            chunk(content),
            chunk({}, finish, with_usage=True),
            (None, "[DONE]"),
        ]
    )


# Gemini ----------------------------------------------------------------------------------------
def _gemini(out: Sender, model: str, stream: bool, turn: Turn, call: tuple[str, dict[str, Any]] | None) -> None:
    usage = turn.usage
    part: dict[str, Any] = {"functionCall": {"name": call[0], "args": call[1]}} if call else {"text": turn.text}
    metadata: dict[str, Any] = {
        "promptTokenCount": usage.prompt_total,
        "candidatesTokenCount": usage.output_tokens,
        "cachedContentTokenCount": usage.cache_read_tokens,
        "thoughtsTokenCount": usage.reasoning_tokens,
        "totalTokenCount": usage.prompt_total + usage.output_total,
    }
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}
    if turn.server_tools.get(WEB_SEARCH):
        # https://ai.google.dev/gemini-api/docs/google-search: the queries the model ran, in groundingMetadata
        queries = [f"scripted query {n + 1}" for n in range(turn.server_tools[WEB_SEARCH])]
        candidate["groundingMetadata"] = {"webSearchQueries": queries, "groundingChunks": []}
    payload = {
        "candidates": [candidate],
        "usageMetadata": metadata,
        "modelVersion": model,
        "responseId": new_id(""),
    }
    if stream:
        out.send_sse([(None, payload)])
    else:
        out.send_json(200, payload)
