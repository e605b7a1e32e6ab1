"""The scripted model server itself: an HTTP server on loopback that answers from its scripts and logs every
request."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import urlsplit

from symphony_bot.sandbox.model_server.reading import (
    GEMINI,
    api_for,
    model_turns,
    resolve_tool,
    script_key,
    tool_names,
)
from symphony_bot.sandbox.model_server.script import (
    DEFAULT_KEY,
    FINAL_REPLY,
    NO_USAGE,
    REPLY_META,
    REPLY_SIDE,
    REPLY_TEXT,
    SHELL_TOOL,
    SIDE_REPLY,
    ScriptedRequest,
    ScriptTurn,
    Turn,
    TurnUsage,
    api_error,
    as_turns,
    text,
)
from symphony_bot.sandbox.model_server.wire import reply, send_error

MAX_BODY_BYTES = 64 * 1024 * 1024


class ModelServer:
    """`with ModelServer(script=[...]) as server:` — point a CLI at `server.url`, read `server.requests`."""

    def __init__(
        self,
        script: Sequence[ScriptTurn] | None = None,
        scripts: Mapping[str, Sequence[ScriptTurn]] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, list[Turn]] = {DEFAULT_KEY: as_turns(script or [text(FINAL_REPLY)])}
        for key, turns in (scripts or {}).items():
            self._scripts[key] = as_turns(turns)
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
            self._scripts[key] = as_turns(script)

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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    model_server: ClassVar[ModelServer]

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the request log is ours
        return

    # plumbing --------------------------------------------------------------------------------------
    def _read_body(self) -> Any:
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY_BYTES:
            raise ValueError(f"request body of {length} bytes is over {MAX_BODY_BYTES}")
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return {}

    def send_json(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def send_sse(self, events: Iterable[tuple[str | None, Any]]) -> None:
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
        self.send_json(status, payload)

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except ValueError as error:
            self.send_json(413, {"error": {"message": str(error)}})
            return
        if not isinstance(body, dict):
            body = {}
        path = urlsplit(self.path).path
        api = api_for(path)
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

    # the script ------------------------------------------------------------------------------------
    def _scripted(self, api: str, path: str, body: dict[str, Any]) -> None:
        server = self.model_server
        model = path.rsplit("/", 1)[-1].split(":", 1)[0] if api == GEMINI else str(body.get("model") or "")
        stream = bool(body.get("stream")) or ":streamGenerateContent" in path
        key = script_key(body, server._keys())
        index = model_turns(api, body)
        offered = tool_names(api, body)
        turn = server._turn(key, index)
        if turn.stall_s:
            time.sleep(turn.stall_s)  # a stalled API: the request is in, nothing comes back for a while

        def log(reply: str, usage: TurnUsage | None) -> None:
            server._record(
                ScriptedRequest(self.command, self.path, api, model, stream, index, offered, key, reply, usage, body)
            )

        if turn.error_status is not None:
            log(f"error:{turn.error_status}", None)
            send_error(self, api, turn)
            return
        call = None
        if turn.tool is not None:
            call = resolve_tool(turn, offered)
            if call is None and offered:  # the CLI offers tools, but not the one the script wants
                wanted = "a shell tool" if turn.tool == SHELL_TOOL else f"the tool {turn.tool!r}"
                log("error:400", None)
                send_error(
                    self, api, api_error(400, f"the script wants {wanted}; the request offers {', '.join(offered)}")
                )
                return
            if call is None:
                log(REPLY_SIDE, None)
                reply(self, api, Turn(text=SIDE_REPLY, usage=NO_USAGE), None, model=model, stream=stream)
                return
        log(f"tool:{call[0]}" if call else REPLY_TEXT, turn.usage)
        reply(self, api, turn, call, model=model, stream=stream)
