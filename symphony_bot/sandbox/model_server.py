"""A scripted model server: the real agent CLIs talk to it instead of a model provider.

It speaks the four wire formats the CLIs use — Anthropic Messages (SSE and JSON), OpenAI Responses (SSE),
OpenAI Chat Completions (SSE) and Gemini `streamGenerateContent` / `generateContent` — and plays a script of
turns. Each turn is one of:

    {"text": "done"}                                   a final answer
    {"tool": {"name": "Bash", "input": {...}}}         a tool call the CLI must carry out
    {"error": {"status": 429, "message": "..."}}       an API error

with optional `"usage": {"input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"}`.
The turn to play is the number of model turns already in the conversation the CLI sends (stateless, so
retries and parallel requests replay the same turn). Every request is logged for tests to read.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_USAGE = {"input_tokens": 120, "output_tokens": 30, "cache_read_tokens": 0, "cache_write_tokens": 0}


@dataclass
class LoggedRequest:
    method: str
    path: str
    api: str
    model: str | None
    stream: bool
    turn: int
    tools: list[str] = field(default_factory=list)


class ModelServer:
    """`with ModelServer(script=[...]) as server:` — `server.url`, `server.requests`, `server.set_script()`."""

    def __init__(self, script: list[dict[str, Any]] | None = None) -> None:
        self.script: list[dict[str, Any]] = list(script or [{"text": "done"}])
        self.requests: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def set_script(self, script: list[dict[str, Any]]) -> None:
        with self._lock:
            self.script = list(script)

    def turn(self, index: int) -> dict[str, Any]:
        with self._lock:
            return self.script[min(index, len(self.script) - 1)]

    def log(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.requests.append(entry)

    def __enter__(self) -> ModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _usage(turn: dict[str, Any]) -> dict[str, int]:
    return {**DEFAULT_USAGE, **turn.get("usage", {})}


def _id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:20]


def _handler_for(server: ModelServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        # --------------------------------------------------------------------------------- plumbing

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                return {}
            return body if isinstance(body, dict) else {}

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _sse(self, events: Iterable[tuple[str | None, Any]]) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("cache-control", "no-cache")
            self.send_header("connection", "close")
            self.end_headers()
            for name, data in events:
                text = data if isinstance(data, str) else json.dumps(data)
                self.wfile.write((f"event: {name}\n" if name else "").encode() + f"data: {text}\n\n".encode())
                self.wfile.flush()
            self.close_connection = True

        def _error(self, api: str, turn: dict[str, Any]) -> None:
            error = turn["error"]
            status, message = int(error.get("status", 500)), str(error.get("message", "scripted error"))
            if api == "anthropic":
                kind = "rate_limit_error" if status == 429 else "api_error"
                self._json(status, {"type": "error", "error": {"type": kind, "message": message}})
            elif api == "gemini":
                code = "RESOURCE_EXHAUSTED" if status == 429 else "INTERNAL"
                self._json(status, {"error": {"code": status, "message": message, "status": code}})
            else:
                self._json(
                    status,
                    {"error": {"message": message, "type": "rate_limit_exceeded" if status == 429 else "server_error"}},
                )

        def _any(self) -> None:
            path = self.path.split("?", 1)[0]
            body = self._body()
            if path.endswith("/messages/count_tokens"):
                return self._json(200, {"input_tokens": 42})
            if path.endswith("/models"):
                return self._json(
                    200, {"object": "list", "data": [{"id": "scripted", "object": "model", "type": "model"}]}
                )
            if path.endswith("/messages"):
                api, index = "anthropic", sum(m.get("role") == "assistant" for m in body.get("messages", []))
            elif path.endswith("/responses"):
                items = body.get("input", []) if isinstance(body.get("input"), list) else []
                api, index = "responses", sum(i.get("type") == "function_call_output" for i in items)
            elif path.endswith("/chat/completions"):
                api, index = "chat", sum(m.get("role") == "assistant" for m in body.get("messages", []))
            elif ":streamGenerateContent" in path or ":generateContent" in path:
                api, index = "gemini", sum(c.get("role") == "model" for c in body.get("contents", []))
            else:
                return self._json(404, {"error": {"message": f"scripted model server: no route {self.command} {path}"}})
            tools = _tool_names(api, body)
            turn = server.turn(index)
            server.log(
                LoggedRequest(self.command, self.path, api, body.get("model"), bool(body.get("stream")), index, tools)
            )
            if "error" in turn:
                return self._error(api, turn)
            if api == "anthropic":
                return self._anthropic(body, turn)
            if api == "responses":
                return self._responses(body, turn)
            if api == "chat":
                return self._chat(body, turn)
            return self._gemini(path, turn)

        do_GET = do_POST = _any

        # ------------------------------------------------------------------------------------ formats

        def _anthropic(self, body: dict[str, Any], turn: dict[str, Any]) -> None:
            usage = _usage(turn)
            wire_usage = {
                "input_tokens": usage["input_tokens"],
                "output_tokens": usage["output_tokens"],
                "cache_read_input_tokens": usage["cache_read_tokens"],
                "cache_creation_input_tokens": usage["cache_write_tokens"],
            }
            message = {
                "id": _id("msg_"),
                "type": "message",
                "role": "assistant",
                "model": body.get("model", "scripted"),
            }
            if "tool" in turn:
                block: dict[str, Any] = {
                    "type": "tool_use",
                    "id": _id("toolu_"),
                    "name": turn["tool"]["name"],
                    "input": {},
                }
                delta = {"type": "input_json_delta", "partial_json": json.dumps(turn["tool"]["input"])}
                stop = "tool_use"
                full = {**block, "input": turn["tool"]["input"]}
            else:
                block = {"type": "text", "text": ""}
                delta = {"type": "text_delta", "text": turn.get("text", "done")}
                stop = "end_turn"
                full = {"type": "text", "text": turn.get("text", "done")}
            if not body.get("stream"):
                return self._json(
                    200, {**message, "content": [full], "stop_reason": stop, "stop_sequence": None, "usage": wire_usage}
                )
            start_usage = {**wire_usage, "output_tokens": 1}
            self._sse(
                [
                    (
                        "message_start",
                        {
                            "type": "message_start",
                            "message": {
                                **message,
                                "content": [],
                                "stop_reason": None,
                                "stop_sequence": None,
                                "usage": start_usage,
                            },
                        },
                    ),
                    ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}),
                    ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}),
                    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                    (
                        "message_delta",
                        {
                            "type": "message_delta",
                            "delta": {"stop_reason": stop, "stop_sequence": None},
                            "usage": {"output_tokens": wire_usage["output_tokens"]},
                        },
                    ),
                    ("message_stop", {"type": "message_stop"}),
                ]
            )

        def _responses(self, body: dict[str, Any], turn: dict[str, Any]) -> None:
            usage = _usage(turn)
            if "tool" in turn:
                item: dict[str, Any] = {
                    "type": "function_call",
                    "id": _id("fc_"),
                    "call_id": _id("call_"),
                    "status": "completed",
                    "name": turn["tool"]["name"],
                    "arguments": json.dumps(turn["tool"]["input"]),
                }
            else:
                item = {
                    "type": "message",
                    "id": _id("msg_"),
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": turn.get("text", "done"), "annotations": []}],
                }
            response = {
                "id": _id("resp_"),
                "object": "response",
                "created_at": int(time.time()),
                "status": "completed",
                "model": body.get("model", "scripted"),
                "output": [item],
                "usage": {
                    "input_tokens": usage["input_tokens"] + usage["cache_read_tokens"],
                    "input_tokens_details": {"cached_tokens": usage["cache_read_tokens"]},
                    "output_tokens": usage["output_tokens"],
                    "output_tokens_details": {"reasoning_tokens": 0},
                    "total_tokens": usage["input_tokens"] + usage["cache_read_tokens"] + usage["output_tokens"],
                },
            }
            events: list[tuple[str | None, Any]] = [
                (
                    "response.created",
                    {
                        "type": "response.created",
                        "sequence_number": 0,
                        "response": {**response, "status": "in_progress", "output": []},
                    },
                ),
                (
                    "response.output_item.added",
                    {
                        "type": "response.output_item.added",
                        "sequence_number": 1,
                        "output_index": 0,
                        "item": {**item, "status": "in_progress"},
                    },
                ),
            ]
            if item["type"] == "message":
                events.append(
                    (
                        "response.output_text.delta",
                        {
                            "type": "response.output_text.delta",
                            "sequence_number": 2,
                            "item_id": item["id"],
                            "output_index": 0,
                            "content_index": 0,
                            "delta": turn.get("text", "done"),
                        },
                    )
                )
            events += [
                (
                    "response.output_item.done",
                    {"type": "response.output_item.done", "sequence_number": 3, "output_index": 0, "item": item},
                ),
                ("response.completed", {"type": "response.completed", "sequence_number": 4, "response": response}),
            ]
            self._sse(events)

        def _chat(self, body: dict[str, Any], turn: dict[str, Any]) -> None:
            usage = _usage(turn)
            chat_id, now, model = _id("chatcmpl-"), int(time.time()), body.get("model", "scripted")
            wire_usage = {
                "prompt_tokens": usage["input_tokens"] + usage["cache_read_tokens"],
                "completion_tokens": usage["output_tokens"],
                "total_tokens": usage["input_tokens"] + usage["cache_read_tokens"] + usage["output_tokens"],
                "prompt_tokens_details": {"cached_tokens": usage["cache_read_tokens"]},
            }

            def chunk(
                delta: dict[str, Any], finish: str | None = None, with_usage: bool = False
            ) -> tuple[None, dict[str, Any]]:
                payload = {
                    "id": chat_id,
                    "object": "chat.completion.chunk",
                    "created": now,
                    "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }
                if with_usage:
                    payload["usage"] = wire_usage
                return None, payload

            if "tool" in turn:
                call = {
                    "index": 0,
                    "id": _id("call_"),
                    "type": "function",
                    "function": {"name": turn["tool"]["name"], "arguments": json.dumps(turn["tool"]["input"])},
                }
                events = [
                    chunk({"role": "assistant", "content": None, "tool_calls": [call]}),
                    chunk({}, "tool_calls", True),
                ]
            else:
                events = [
                    chunk({"role": "assistant", "content": ""}),
                    chunk({"content": turn.get("text", "done")}),
                    chunk({}, "stop", True),
                ]
            self._sse([*events, (None, "[DONE]")])

        def _gemini(self, path: str, turn: dict[str, Any]) -> None:
            usage = _usage(turn)
            if "tool" in turn:
                part: dict[str, Any] = {"functionCall": {"name": turn["tool"]["name"], "args": turn["tool"]["input"]}}
            else:
                part = {"text": turn.get("text", "done")}
            payload = {
                "candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}],
                "usageMetadata": {
                    "promptTokenCount": usage["input_tokens"] + usage["cache_read_tokens"],
                    "candidatesTokenCount": usage["output_tokens"],
                    "cachedContentTokenCount": usage["cache_read_tokens"],
                    "totalTokenCount": usage["input_tokens"] + usage["cache_read_tokens"] + usage["output_tokens"],
                },
                "modelVersion": path.rsplit("/", 1)[-1].split(":", maxsplit=1)[0],
            }
            if ":stream" in path:
                return self._sse([(None, payload)])
            return self._json(200, payload)

    return Handler


def _tool_names(api: str, body: dict[str, Any]) -> list[str]:
    tools = body.get("tools") or []
    names: list[str] = []
    for tool in tools if isinstance(tools, list) else []:
        if not isinstance(tool, dict):
            continue
        if api == "gemini":
            names += [d.get("name", "") for d in tool.get("functionDeclarations", []) if isinstance(d, dict)]
        elif api == "chat":
            names.append(str(tool.get("function", {}).get("name", "")))
        else:
            names.append(str(tool.get("name", "")))
    return names
