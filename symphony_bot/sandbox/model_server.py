"""A scripted model server: the test double of the LLM APIs the agent CLIs talk to.

It speaks the wire protocols of the supported CLIs — Anthropic Messages, SSE and JSON (claude), OpenAI
Responses (codex), OpenAI Chat Completions (opencode) and Gemini `streamGenerateContent` / `generateContent`
(gemini) — and answers every request from a SCRIPT of turns: a text reply, a tool call, or an API error.

It keeps no per-connection state: the turn to play is the number of model turns already in the conversation
the CLI sends back, so retries and side requests replay the same turn. Several conversations can share one
server: a prompt containing `symphony-script:NAME` plays the script registered under NAME.

A tool call either names the tool exactly (`tool_call("Bash", {...})`) or asks for "the CLI's shell tool"
(`shell("echo hi > x")`): the server picks the shell tool among those the request offers (claude `Bash`,
codex `exec_command`, opencode `bash`, gemini `run_shell_command`) and shapes the arguments for it, so one
script drives every CLI. A request that offers no tools while the script wants a tool call is a side request
(a session title, say) and gets a short text that consumes nothing.

Turns can also be given as dicts (JSON scripts): `{"text": "..."}`, `{"shell": "cmd"}`,
`{"tool": {"name": "Bash", "input": {...}}}`, `{"error": {"status": 429, "message": "..."}}`, each with an
optional `"usage": {"input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
"reasoning_tokens"}`.

Every request is logged (`ModelServer.requests`): protocol, model, tool names, script key, turn index, what
was answered and the usage reported — tests compare what a CLI printed with what the "model" charged.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import urlsplit

SCRIPT_MARKER = "symphony-script:"
SCRIPT_MARKER_PATTERN = re.compile(re.escape(SCRIPT_MARKER) + r"([A-Za-z0-9_.-]+)")
DEFAULT_KEY = "default"
SIDE_REPLY = "Scripted task"
FINAL_REPLY = "Done."
SHELL_DESCRIPTION = "Run the scripted command"
MAX_BODY_BYTES = 64 * 1024 * 1024

ANTHROPIC = "anthropic"
RESPONSES = "responses"
CHAT = "chat"
GEMINI = "gemini"

GEMINI_QUOTA_FAILURE = "type.googleapis.com/google.rpc.QuotaFailure"
GEMINI_QUOTA_METRIC = "generativelanguage.googleapis.com/generate_content_requests"
GEMINI_DAILY_QUOTA_ID = "GenerateRequestsPerDayPerProjectPerModel"

# Reply kinds in the request log.
REPLY_TEXT = "text"
REPLY_SIDE = "side"  # a side request answered outside the script
REPLY_META = "meta"  # model list, token count, unknown route


@dataclass(frozen=True)
class TurnUsage:
    """Tokens one model turn reports. `input_tokens` is the uncached input and `output_tokens` the visible
    output; each protocol folds cache and reasoning figures into its own fields (OpenAI and Gemini count
    cached input inside the prompt total, OpenAI counts reasoning inside the output total)."""

    input_tokens: int = 100
    output_tokens: int = 20
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    def __add__(self, other: TurnUsage) -> TurnUsage:
        return TurnUsage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
        )

    @property
    def prompt_total(self) -> int:
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens

    @property
    def output_total(self) -> int:
        return self.output_tokens + self.reasoning_tokens


NO_USAGE = TurnUsage(0, 0, 0, 0, 0)
SHELL_TOOL = "<shell>"  # Turn.tool value meaning "whichever shell tool the CLI offers"
# The shell tool of each CLI, in order of preference.
SHELL_TOOL_NAMES = ("Bash", "exec_command", "bash", "run_shell_command", "shell", "local_shell")


@dataclass(frozen=True)
class Turn:
    """One scripted model turn. Build it with `text`, `tool_call`, `shell` or `api_error`."""

    text: str = ""
    tool: str | None = None
    arguments: Mapping[str, Any] = field(default_factory=dict)
    command: str = ""  # for SHELL_TOOL
    usage: TurnUsage = field(default_factory=TurnUsage)
    error_status: int | None = None
    error_message: str = ""
    # False adds `x-should-retry: false` (honoured by the Anthropic and OpenAI SDKs) so a failing run ends at once.
    retry: bool = False

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Turn:
        usage = TurnUsage(**{k: int(v) for k, v in (raw.get("usage") or {}).items()})
        if "error" in raw:
            error = raw["error"]
            return cls(
                error_status=int(error.get("status", 500)),
                error_message=str(error.get("message", "scripted error")),
                retry=bool(error.get("retry", False)),
            )
        if "shell" in raw:
            return cls(tool=SHELL_TOOL, command=str(raw["shell"]), usage=usage)
        if "tool" in raw:
            return cls(tool=str(raw["tool"]["name"]), arguments=dict(raw["tool"].get("input") or {}), usage=usage)
        return cls(text=str(raw.get("text", FINAL_REPLY)), usage=usage)


def text(reply: str, usage: TurnUsage | None = None) -> Turn:
    return Turn(text=reply, usage=usage or TurnUsage())


def tool_call(name: str, arguments: Mapping[str, Any], usage: TurnUsage | None = None) -> Turn:
    return Turn(tool=name, arguments=dict(arguments), usage=usage or TurnUsage())


def shell(command: str, usage: TurnUsage | None = None) -> Turn:
    """Call whichever shell tool the CLI offers with `command`."""
    return Turn(tool=SHELL_TOOL, command=command, usage=usage or TurnUsage())


def api_error(status: int, message: str, retry: bool = False) -> Turn:
    return Turn(error_status=status, error_message=message, retry=retry)


ScriptTurn = Turn | Mapping[str, Any]


def _turns(script: Iterable[ScriptTurn]) -> list[Turn]:
    return [turn if isinstance(turn, Turn) else Turn.from_dict(turn) for turn in script]


@dataclass(frozen=True)
class ScriptedRequest:
    """One request as the server saw it and answered it."""

    method: str
    path: str
    api: str | None
    model: str | None
    stream: bool
    turn: int
    tools: tuple[str, ...]
    key: str
    reply: str  # "text", "tool:<name>", "error:<status>", "side", "meta"
    usage: TurnUsage | None
    body: Any = field(repr=False, default=None)


class ModelServer:
    """`with ModelServer(script=[...]) as server:` — point a CLI at `server.url`, read `server.requests`."""

    def __init__(
        self,
        script: Sequence[ScriptTurn] | None = None,
        scripts: Mapping[str, Sequence[ScriptTurn]] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, list[Turn]] = {DEFAULT_KEY: _turns(script or [text(FINAL_REPLY)])}
        for key, turns in (scripts or {}).items():
            self._scripts[key] = _turns(turns)
        self._requests: list[ScriptedRequest] = []
        handler = type("ScriptedHandler", (_Handler,), {"model_server": self})
        self._httpd = ThreadingHTTPServer((host, 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> ModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, no path: each CLI adds its own `/v1` or `/v1beta`."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def set_script(self, script: Sequence[ScriptTurn], key: str = DEFAULT_KEY) -> None:
        with self._lock:
            self._scripts[key] = _turns(script)

    @property
    def requests(self) -> list[ScriptedRequest]:
        with self._lock:
            return list(self._requests)

    def conversation(self, key: str = DEFAULT_KEY) -> list[ScriptedRequest]:
        """The requests of one conversation that the script answered (side and meta requests left out)."""
        return [r for r in self.requests if r.key == key and r.reply not in (REPLY_SIDE, REPLY_META)]

    def reported_usage(self, key: str = DEFAULT_KEY) -> TurnUsage:
        """The sum of the usage reported to one conversation."""
        total = NO_USAGE
        for record in self.conversation(key):
            total = total + (record.usage or NO_USAGE)
        return total

    def _record(self, record: ScriptedRequest) -> None:
        with self._lock:
            self._requests.append(record)

    def _keys(self) -> list[str]:
        with self._lock:
            return list(self._scripts)

    def _turn(self, key: str, index: int) -> Turn:
        with self._lock:
            turns = self._scripts.get(key) or self._scripts[DEFAULT_KEY]
        if index < len(turns):
            return turns[index]
        # Past the end the last turn repeats, unless it is a tool call: a model that loops forever helps no test.
        last = turns[-1]
        return last if last.tool is None else text(FINAL_REPLY)


# --- reading requests ----------------------------------------------------------------------------------
def _new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:24]


def _script_key(body: Any, known: Iterable[str]) -> str:
    known_keys = set(known)
    for match in SCRIPT_MARKER_PATTERN.finditer(json.dumps(body, ensure_ascii=False)):
        if match.group(1) in known_keys:
            return match.group(1)
    return DEFAULT_KEY


def _model_turns(api: str, body: Mapping[str, Any]) -> int:
    def dicts(value: Any) -> list[dict[str, Any]]:
        return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

    if api in (ANTHROPIC, CHAT):
        return sum(1 for m in dicts(body.get("messages")) if m.get("role") == "assistant")
    if api == RESPONSES:
        return sum(
            1
            for i in dicts(body.get("input"))
            if i.get("type") == "function_call" or (i.get("type") == "message" and i.get("role") == "assistant")
        )
    return sum(1 for c in dicts(body.get("contents")) if c.get("role") == "model")


def _tool_names(api: str, body: Mapping[str, Any]) -> tuple[str, ...]:
    names: list[str] = []
    tools = body.get("tools")
    for tool in tools if isinstance(tools, list) else []:
        if not isinstance(tool, dict):
            continue
        if api == GEMINI:
            declarations = tool.get("functionDeclarations") or []
            names.extend(str(d.get("name")) for d in declarations if isinstance(d, dict))
        elif isinstance(tool.get("function"), dict):  # chat completions
            names.append(str(tool["function"].get("name")))
        elif tool.get("name"):
            names.append(str(tool["name"]))
    return tuple(names)


def _shell_arguments(tool: str, command: str) -> dict[str, Any]:
    if tool == "exec_command":  # codex
        return {"cmd": command}
    if tool in ("shell", "local_shell"):  # older codex
        return {"command": ["bash", "-lc", command]}
    return {"command": command, "description": SHELL_DESCRIPTION}  # claude Bash, opencode bash, gemini


def _resolve_tool(turn: Turn, offered: tuple[str, ...]) -> tuple[str, dict[str, Any]] | None:
    """The tool name and arguments to send, or None when the request offers no fitting tool."""
    if turn.tool != SHELL_TOOL:
        return (str(turn.tool), dict(turn.arguments)) if turn.tool in offered else None
    for name in SHELL_TOOL_NAMES:
        if name in offered:
            return name, _shell_arguments(name, turn.command)
    return None


def _api_for(path: str) -> str | None:
    if path.endswith("/messages"):
        return ANTHROPIC
    if path.endswith("/responses"):
        return RESPONSES
    if path.endswith("/chat/completions"):
        return CHAT
    if ":streamGenerateContent" in path or ":generateContent" in path:
        return GEMINI
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    model_server: ClassVar[ModelServer]

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the request log is ours
        return

    # --- plumbing --------------------------------------------------------------------------------------
    def _read_body(self) -> Any:
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY_BYTES:
            raise ValueError(f"request body of {length} bytes is over {MAX_BODY_BYTES}")
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return {}

    def _send_json(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_sse(self, events: Iterable[tuple[str | None, Any]]) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        self.end_headers()
        for name, data in events:
            payload = data if isinstance(data, str) else json.dumps(data)
            self.wfile.write(((f"event: {name}\n" if name else "") + f"data: {payload}\n\n").encode())
            self.wfile.flush()
        self.close_connection = True

    def _meta(self, path: str, body: Any, payload: Any, status: int = 200) -> None:
        self.model_server._record(
            ScriptedRequest(self.command, self.path, None, None, False, -1, (), "", REPLY_META, None, body)
        )
        self._send_json(status, payload)

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except ValueError as error:
            self._send_json(413, {"error": {"message": str(error)}})
            return
        if not isinstance(body, dict):
            body = {}
        path = urlsplit(self.path).path
        api = _api_for(path)
        if path.endswith("/messages/count_tokens"):
            self._meta(path, body, {"input_tokens": 42})
        elif ":countTokens" in path:
            self._meta(path, body, {"totalTokens": 42})
        elif path.endswith("/models"):
            model = {"id": "scripted-model", "type": "model", "object": "model", "display_name": "Scripted"}
            self._meta(path, body, {"object": "list", "data": [model], "has_more": False})
        elif api is None:
            self._meta(
                path, body, {"error": {"message": f"scripted model server: no route {self.command} {path}"}}, 404
            )
        else:
            self._scripted(api, path, body)

    do_GET = do_POST = do_PUT = _handle

    # --- the script ------------------------------------------------------------------------------------
    def _scripted(self, api: str, path: str, body: dict[str, Any]) -> None:
        server = self.model_server
        model = path.rsplit("/", 1)[-1].split(":", 1)[0] if api == GEMINI else str(body.get("model") or "")
        stream = bool(body.get("stream")) or ":streamGenerateContent" in path
        key = _script_key(body, server._keys())
        index = _model_turns(api, body)
        offered = _tool_names(api, body)
        turn = server._turn(key, index)

        def log(reply: str, usage: TurnUsage | None) -> None:
            server._record(
                ScriptedRequest(self.command, self.path, api, model, stream, index, offered, key, reply, usage, body)
            )

        if turn.error_status is not None:
            log(f"error:{turn.error_status}", None)
            self._send_error(api, turn)
            return
        call = None
        if turn.tool is not None:
            call = _resolve_tool(turn, offered)
            if call is None and offered:  # the CLI offers tools, but not the one the script wants
                wanted = "a shell tool" if turn.tool == SHELL_TOOL else f"the tool {turn.tool!r}"
                log("error:400", None)
                self._send_error(
                    api, api_error(400, f"the script wants {wanted}; the request offers {', '.join(offered)}")
                )
                return
            if call is None:
                log(REPLY_SIDE, None)
                self._reply(api, model, stream, Turn(text=SIDE_REPLY, usage=NO_USAGE), None)
                return
        log(f"tool:{call[0]}" if call else REPLY_TEXT, turn.usage)
        self._reply(api, model, stream, turn, call)

    def _send_error(self, api: str, turn: Turn) -> None:
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
        self._send_json(status, payload, headers)

    def _reply(self, api: str, model: str, stream: bool, turn: Turn, call: tuple[str, dict[str, Any]] | None) -> None:
        if api == ANTHROPIC:
            self._anthropic(model, stream, turn, call)
        elif api == RESPONSES:
            self._responses(model, stream, turn, call)
        elif api == CHAT:
            self._chat(model, stream, turn, call)
        else:
            self._gemini(model, stream, turn, call)

    # --- Anthropic Messages ----------------------------------------------------------------------------
    def _anthropic(self, model: str, stream: bool, turn: Turn, call: tuple[str, dict[str, Any]] | None) -> None:
        usage = turn.usage
        start_usage = {
            "input_tokens": usage.input_tokens,
            "cache_creation_input_tokens": usage.cache_write_tokens,
            "cache_read_input_tokens": usage.cache_read_tokens,
            "output_tokens": 1,
        }
        if call is not None:
            block: dict[str, Any] = {"type": "tool_use", "id": _new_id("toolu_"), "name": call[0], "input": call[1]}
            start_block: dict[str, Any] = {**block, "input": {}}
            delta: dict[str, Any] = {"type": "input_json_delta", "partial_json": json.dumps(call[1])}
            stop_reason = "tool_use"
        else:
            block = {"type": "text", "text": turn.text}
            start_block = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": turn.text}
            stop_reason = "end_turn"
        message = {"id": _new_id("msg_"), "type": "message", "role": "assistant", "model": model, "stop_sequence": None}
        if not stream:
            final_usage = {**start_usage, "output_tokens": usage.output_total}
            self._send_json(200, {**message, "content": [block], "stop_reason": stop_reason, "usage": final_usage})
            return
        self._send_sse(
            [
                (
                    "message_start",
                    {
                        "type": "message_start",
                        "message": {**message, "content": [], "stop_reason": None, "usage": start_usage},
                    },
                ),
                ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": start_block}),
                ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}),
                ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                (
                    "message_delta",
                    {
                        "type": "message_delta",
                        "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                        "usage": {"output_tokens": usage.output_total},
                    },
                ),
                ("message_stop", {"type": "message_stop"}),
            ]
        )

    # --- OpenAI Responses ------------------------------------------------------------------------------
    def _responses(self, model: str, stream: bool, turn: Turn, call: tuple[str, dict[str, Any]] | None) -> None:
        usage = turn.usage
        item: dict[str, Any]
        if call is not None:
            item = {
                "type": "function_call",
                "id": _new_id("fc_"),
                "call_id": _new_id("call_"),
                "status": "completed",
                "name": call[0],
                "arguments": json.dumps(call[1]),
            }
            added = {**item, "arguments": "", "status": "in_progress"}
        else:
            item = {
                "type": "message",
                "id": _new_id("msg_"),
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": turn.text, "annotations": []}],
            }
            added = {**item, "status": "in_progress", "content": []}
        response = {
            "id": _new_id("resp_"),
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed",
            "model": model,
            "output": [item],
            "usage": {
                "input_tokens": usage.prompt_total,
                "input_tokens_details": {"cached_tokens": usage.cache_read_tokens},
                "output_tokens": usage.output_total,
                "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
                "total_tokens": usage.prompt_total + usage.output_total,
            },
        }
        if not stream:
            self._send_json(200, response)
            return
        events: list[tuple[str, dict[str, Any]]] = [
            ("response.created", {"response": {**response, "status": "in_progress", "output": []}}),
            ("response.output_item.added", {"output_index": 0, "item": added}),
        ]
        if call is None:
            text_delta = {"item_id": item["id"], "output_index": 0, "content_index": 0, "delta": turn.text}
            events.append(("response.output_text.delta", text_delta))
        events += [
            ("response.output_item.done", {"output_index": 0, "item": item}),
            ("response.completed", {"response": response}),
        ]
        self._send_sse((name, {"type": name, "sequence_number": n, **data}) for n, (name, data) in enumerate(events))

    # --- OpenAI Chat Completions -----------------------------------------------------------------------
    def _chat(self, model: str, stream: bool, turn: Turn, call: tuple[str, dict[str, Any]] | None) -> None:
        usage = turn.usage
        completion_id, now = _new_id("chatcmpl-"), int(time.time())
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
            tool_call_wire = {"id": _new_id("call_"), "type": "function", "function": function}
        finish = "tool_calls" if call else "stop"
        if not stream:
            message: dict[str, Any] = {"role": "assistant", "content": None if call else turn.text}
            if tool_call_wire:
                message["tool_calls"] = [tool_call_wire]
            choice = {"index": 0, "message": message, "finish_reason": finish}
            completion = {"id": completion_id, "object": "chat.completion", "created": now, "model": model}
            self._send_json(200, {**completion, "choices": [choice], "usage": wire_usage})
            return

        def chunk(
            delta: dict[str, Any], finish_reason: str | None = None, with_usage: bool = False
        ) -> tuple[None, Any]:
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
        self._send_sse(
            [
                chunk({"role": "assistant", "content": ""}),
                chunk(content),
                chunk({}, finish, with_usage=True),
                (None, "[DONE]"),
            ]
        )

    # --- Gemini ----------------------------------------------------------------------------------------
    def _gemini(self, model: str, stream: bool, turn: Turn, call: tuple[str, dict[str, Any]] | None) -> None:
        usage = turn.usage
        part: dict[str, Any] = {"functionCall": {"name": call[0], "args": call[1]}} if call else {"text": turn.text}
        metadata: dict[str, Any] = {
            "promptTokenCount": usage.prompt_total,
            "candidatesTokenCount": usage.output_tokens,
            "cachedContentTokenCount": usage.cache_read_tokens,
            "thoughtsTokenCount": usage.reasoning_tokens,
            "totalTokenCount": usage.prompt_total + usage.output_total,
        }
        payload = {
            "candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": metadata,
            "modelVersion": model,
            "responseId": _new_id(""),
        }
        if stream:
            self._send_sse([(None, payload)])
        else:
            self._send_json(200, payload)
