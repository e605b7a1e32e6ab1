"""The metering proxy's request handler: checks, forwards, relays and meters one request at a time per
connection (`MeteringProxy` holds the state it shares: the key, the budget, the usage, the API's health)."""

from __future__ import annotations

import http.client
import io
import json
import socket
import struct
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from symphony_bot.agents.metering import budget
from symphony_bot.agents.metering.head import QuickRequestHandler
from symphony_bot.agents.metering.meter import ResponseMeter, WireFormat, endpoint_allowed, wire_format_for
from symphony_bot.agents.metering.pricing_gate import (
    MODEL_NAME_CHARS,
    UNPRICED_TOOLS_MESSAGE,
    model_hint,
    read_bounded,
    requested_model,
    unpriced,
)
from symphony_bot.agents.metering.providers import BUDGET_MESSAGE, CREDENTIAL_HEADERS, GEMINI_KEY_PARAM, ErrorReply
from symphony_bot.agents.metering.relay import ClientEnd, Dechunker, buffer
from symphony_bot.agents.metering.task_usage import TaskUsage
from symphony_bot.agents.metering.wire import PIECE_BYTES, RequestBody, end_to_end

CLIENT_TIMEOUT_S = 600.0
CRLF = b"\r\n"
NO_BODY_STATUSES = frozenset({204, 304})
ORIGIN_FORM_ONLY = "the metering proxy forwards only origin-form requests (a path), to its configured API"
NO_UPGRADE = "the metering proxy does not forward protocol upgrades (websockets); use HTTP"
BAD_BODY = "the request body's length is missing or malformed"
# "unable to connect": the words every adapter reads as an unreachable API (agents/api_trouble.py).
UNREACHABLE_MESSAGE = "the metering proxy was unable to connect to {host}: {error}"
ENDPOINT_REFUSED = (
    "the metering proxy forwards only the model endpoints the agent CLIs use (generation, token counts, model "
    "lists); refused: {method} {path}"
)


class Handler(QuickRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = CLIENT_TIMEOUT_S
    # Each piece of a stream goes out as it is written, not when the previous one is acknowledged (Nagle's
    # algorithm with the client's delayed ACK would hold every other SSE event back by ~40 ms).
    disable_nagle_algorithm = True
    proxy: ClassVar[Any]  # the MeteringProxy it serves (typed loosely: proxy.py imports this module)
    requested_model: str | None = None  # with a budget, the model the current request asks for
    reserved_usd: float | None = None  # with a budget, what the current request reserved until it is counted

    def log_message(self, format: str, *args: Any) -> None:  # quiet: usage is the record that matters
        return

    def do_CONNECT(self) -> None:
        self._refuse(405, ORIGIN_FORM_ONLY)

    def _handle(self) -> None:
        target = self.path
        if not target.startswith("/") or target.startswith("//"):
            self._refuse(400, ORIGIN_FORM_ONLY)
            return
        if self.headers.get("upgrade"):
            self._refuse(400, NO_UPGRADE)
            return
        parts = urlsplit(target)
        query = parse_qsl(parts.query, keep_blank_values=True)
        if not self.proxy._authorised(self.headers, query):
            self._drain_and_reply(self.proxy.provider.auth_error())
            return
        if not endpoint_allowed(self.command, parts.path):
            self._refuse(404, ENDPOINT_REFUSED.format(method=self.command, path=parts.path[:200]))
            return
        body = self._body()
        if body is None:
            self.close_connection = True
            self._reply(self.proxy.provider.request_error(400, BAD_BODY))
            return
        wire, self.requested_model, self.reserved_usd = wire_format_for(parts.path), None, None
        if wire is not None:
            refusal = self.proxy._budget_refusal()
            if refusal is None and self.proxy.max_cost_usd is not None:
                body, refusal = self._priced(parts.path, body, wire)
            if refusal is not None:
                try:
                    for _ in body:  # read the request to its end so the connection stays usable
                        pass
                except OSError:
                    self.close_connection = True
                self._reply(refusal, retry=False)
                return
        forwarded_query = urlencode([(name, value) for name, value in query if name != GEMINI_KEY_PARAM])
        path = self.proxy.upstream.base_path + parts.path + (f"?{forwarded_query}" if forwarded_query else "")
        self._forward(path, body, wire)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

    # --- the request body --------------------------------------------------------------------------------
    def _body(self) -> RequestBody | None:
        chunked = "chunked" in (self.headers.get("transfer-encoding") or "").lower()
        length_header = self.headers.get("content-length")
        if chunked and length_header is not None:
            return None  # ambiguous framing (request smuggling): refused
        if chunked:
            return RequestBody(self.rfile, None)
        try:
            length = int(length_header or 0)
        except ValueError:
            return None
        return RequestBody(self.rfile, length) if length >= 0 else None

    def _priced(self, path: str, body: RequestBody, wire: WireFormat) -> tuple[RequestBody, ErrorReply | None]:
        """With a budget: the body read whole (forwarded from memory), a refusal if its model or a server tool it
        enables is unpriced, else its maximum cost reserved (`budget`): waits while the budget has no room."""
        proxy = self.proxy
        try:
            data = read_bounded(body)
        except OSError:
            self.close_connection = True
            return RequestBody(io.BytesIO(), 0), proxy.provider.request_error(400, BAD_BODY)
        if data is None:
            self.close_connection = True  # the rest of the body is left unread
            return RequestBody(io.BytesIO(), 0), proxy._price_refusal(None)
        self.requested_model = requested_model(path, data)  # what the answer is priced at if it names none
        model = unpriced(self.requested_model)
        if model is not None:
            return RequestBody(io.BytesIO(data), len(data)), proxy._price_refusal(model)
        plan = budget.plan(wire, data, self.requested_model)
        empty = RequestBody(io.BytesIO(), 0)
        if plan.unpriced_tools:
            tools = ", ".join(sorted(set(plan.unpriced_tools)))[:MODEL_NAME_CHARS]
            message = UNPRICED_TOOLS_MESSAGE.format(tools=tools, limit=proxy.max_cost_usd or 0.0)
            proxy._add(TaskUsage(budget_refusals=1, unpriced_tools=tuple(plan.unpriced_tools)))
            return empty, proxy.provider.budget_error(message)
        if not proxy._admit(plan.reserve_usd):
            return empty, proxy._budget_refusal() or proxy.provider.budget_error(
                BUDGET_MESSAGE.format(limit=proxy.max_cost_usd or 0.0, spent=proxy.total.usage.cost_usd)
            )
        self.reserved_usd = plan.reserve_usd
        return RequestBody(io.BytesIO(plan.body), len(plan.body)), None

    # --- forwarding --------------------------------------------------------------------------------------
    def _forward(self, path: str, body: RequestBody, wire: WireFormat | None) -> None:
        self.proxy._begin()
        try:
            self._exchange(path, body, wire)
        finally:
            if self.reserved_usd is not None:  # never settled: the request failed before any answer
                self.proxy._add(TaskUsage(), self.reserved_usd)
                self.reserved_usd = None
            self.proxy._end()

    def _exchange(self, path: str, body: RequestBody, wire: WireFormat | None) -> None:
        proxy = self.proxy
        upstream = proxy.upstream.acquire()
        try:
            response = self._send_upstream(upstream, path, body)
        except (OSError, http.client.HTTPException) as error:
            proxy.upstream.release(upstream, None)
            if wire is not None:
                proxy._add(TaskUsage(requests=1))
            self.close_connection = True
            if isinstance(error, TimeoutError):  # the API took the request and said nothing: it has failed
                proxy.health.stalled(proxy.stall_s)
                self._reply(proxy.provider.budget_error(proxy.health.failure or str(error)))
                return
            failure = UNREACHABLE_MESSAGE.format(host=proxy.upstream.host_header, error=error)
            proxy.unreachable.append(failure)
            if proxy.provider.reset_when_unreachable:  # the CLI meets the network error as without the proxy
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self._reply(proxy.provider.request_error(502, failure), retry=True)
            return
        proxy.health.answered(response.status)
        meter = None
        if wire is not None:
            streaming = "text/event-stream" in (response.getheader("content-type") or "").lower()
            encoding = response.getheader("content-encoding")
            meter = ResponseMeter(wire, streaming, self.requested_model or model_hint(path, body.head), encoding)
        finished = False

        def finish(complete: bool) -> None:
            """Count the usage and give the connection back, once: before the body's last bytes go out, so a
            client that has read the whole response finds both done. `complete`: the upstream body ended."""
            nonlocal finished
            if finished:
                return
            finished = True
            if meter is not None:
                metered = meter.finish(complete)
                usage, reserved = metered.usage, self.reserved_usd
                if not meter.complete and reserved is not None and usage.cost_usd < reserved:
                    # Cut off before its usage arrived: with a budget, it cost what it could have cost.
                    usage = replace(usage, cost_usd=reserved, cost_is_estimate=True)
                with proxy._lock:
                    if 200 <= response.status < 300 and not meter.usage_reported:
                        proxy._unmetered = True
                    if usage.unpriced_model is not None and proxy.max_cost_usd is not None:
                        proxy._unpriced_answer = usage.unpriced_model[:MODEL_NAME_CHARS]
                    if metered.fees.unpriced and proxy.max_cost_usd is not None:
                        proxy._unpriced_tools = ", ".join(metered.fees.unpriced)[:MODEL_NAME_CHARS]
                fees = TaskUsage(usage, 1, tool_fees_usd=metered.fees.usd, unpriced_tools=metered.fees.unpriced)
                proxy._add(fees, reserved)
                self.reserved_usd = None
            proxy.upstream.release(upstream, response if complete else None)

        try:
            self._relay(response, meter, finish)
        finally:
            finish(False)

    def _send_upstream(
        self, upstream: http.client.HTTPConnection, path: str, body: RequestBody
    ) -> http.client.HTTPResponse:
        upstream.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
        upstream.putheader("host", self.proxy.upstream.host_header)
        for name, value in end_to_end(self.headers.items()):
            if name.lower() not in CREDENTIAL_HEADERS and name.lower() != "accept-encoding":
                upstream.putheader(name, value)
        # Plain bytes, so the usage in them can be read as they pass.
        upstream.putheader("accept-encoding", "identity")
        upstream.putheader(*self.proxy.provider.upstream_credential(self.proxy._api_key))
        if body.length is None:
            upstream.putheader("transfer-encoding", "chunked")
        elif body.length or self.command in ("POST", "PUT", "PATCH"):
            upstream.putheader("content-length", str(body.length))
        if body.length is not None and body.length <= PIECE_BYTES:
            # A small body goes out with the headers, in one segment: one wake-up of the API's server, not two.
            upstream.endheaders(b"".join(body) or None)
            return upstream.getresponse()
        upstream.endheaders()
        for piece in body:
            upstream.send(b"%x\r\n%s\r\n" % (len(piece), piece) if body.length is None else piece)
        if body.length is None:
            upstream.send(b"0\r\n\r\n")
        return upstream.getresponse()

    def _relay(
        self, response: http.client.HTTPResponse, meter: ResponseMeter | None, finish: Callable[[bool], None]
    ) -> None:
        """Copy the response as it arrives (`relay`); `finish` runs once the upstream body has ended, before the last
        bytes go out. A client that hangs up changes nothing upstream: the answer is read to its end and counted."""
        self.send_response_only(response.status, response.reason)
        for name, value in end_to_end(response.getheaders()):
            self.send_header(name, value)
        has_body = self.command != "HEAD" and response.status not in NO_BODY_STATUSES and response.status >= 200
        length = response.getheader("content-length")
        unsized = has_body and (response.chunked or length is None)
        # An HTTP/1.0 client knows no chunked encoding: its unsized body ends when the connection closes.
        chunked = unsized and self.request_version != "HTTP/1.0"
        if chunked:
            self.send_header("transfer-encoding", "chunked")
        elif unsized:
            self.close_connection = True
            self.send_header("connection", "close")
        elif length is not None:
            self.send_header("content-length", length)
        # What send_header gathered (BaseHTTPRequestHandler's buffer), ended here and sent with the body's start.
        buffered: list[bytes] = self._headers_buffer  # type: ignore[attr-defined]
        head = b"".join(buffered) + CRLF
        buffered.clear()

        def gone() -> None:
            self.close_connection = True

        client = ClientEnd(self.connection, chunked, gone)
        client.head(head, more=has_body)
        if not has_body:
            finish(True)
            return
        if self._copy(response, client, meter, finish):
            return
        self.close_connection = True

    def _copy(
        self,
        response: http.client.HTTPResponse,
        client: ClientEnd,
        meter: ResponseMeter | None,
        finish: Callable[[bool], None],
    ) -> bool:
        """The body, read by the handful into this thread's buffer and written on as it was read; True once the
        upstream body has ended (False: the API broke off or stalled)."""
        fp = response.fp
        assert fp is not None
        dechunker = Dechunker() if response.chunked else None
        remaining = None if response.chunked else response.length
        view = buffer()
        feed = meter.feed if meter is not None else None
        # What reading the head left in the file's own buffer comes first, alone: `readinto1` would copy it and
        # then wait for the socket too (one raw read), holding it back, and losing it if that read times out.
        drained = False
        while True:
            try:
                limit = len(view) if remaining is None else min(len(view), remaining)
                if drained:
                    size = fp.readinto1(view[:limit])
                    read = view[:size]
                else:
                    read = memoryview(fp.read1(limit))  # the buffered bytes, or one read
                    size, drained = len(read), True
                if not size:  # the end of a close-delimited body; any other body was cut off
                    if dechunker is not None or remaining:
                        return False
                    finish(True)
                    client.body([], last=True)
                    return True
                pieces = [read] if dechunker is None else dechunker.payload(read)
            except TimeoutError:
                self.proxy.health.stalled(self.proxy.stall_s)
                return False
            except (OSError, ValueError):
                return False  # the API broke off: what was metered so far counts (or, with a budget, the reservation)
            if remaining is not None:
                remaining -= size
            ended = remaining == 0 or (dechunker is not None and dechunker.done)
            if not ended:
                client.body(pieces, last=False)
            if feed is not None and pieces:
                feed(b"".join(pieces))  # one piece per read: the meter's work per call is paid once
            if ended:
                response.close()  # read to its end: the connection may serve the next request,
                if dechunker is not None and dechunker.extra:
                    response.will_close = True  # unless the server sent more than its answer
                finish(True)
                client.body(pieces, last=True)
                return True

    # --- replies of its own ------------------------------------------------------------------------------
    def _refuse(self, status: int, message: str) -> None:
        self.proxy.refused.append(f"{self.command} {self.path[:200]}: {message}")
        self._drain_and_reply(self.proxy.provider.request_error(status, message))

    def _drain_and_reply(self, reply: ErrorReply) -> None:
        self.close_connection = True  # the request body is not read: the connection cannot be reused
        self._reply(reply)

    def _reply(self, reply: ErrorReply, retry: bool = False) -> None:
        data = json.dumps(reply.body).encode()
        try:
            self.send_response_only(reply.status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            if not retry:
                self.send_header("x-should-retry", "false")
            if self.close_connection:
                self.send_header("connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except OSError:  # the client is gone: nobody to tell
            self.close_connection = True
