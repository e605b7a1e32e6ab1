"""The metering proxy in front of the scripted model server (and a recording upstream), driven by plain HTTP."""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import threading
from urllib.parse import urlsplit

import pytest

from symphony_bot.agents.base import Usage
from symphony_bot.agents.metering import MeteringProxy, ProxyConfigError
from symphony_bot.agents.pricing import estimate_cost
from symphony_bot.sandbox.model_server import ModelServer, TurnUsage, shell, text
from tests.metering_helpers import (
    REAL_KEY,
    ConnectProxy,
    RecordingUpstream,
    call,
    raw_exchange,
    send_json,
    send_sse_chunks,
)

TURN = TurnUsage(input_tokens=120, output_tokens=30, cache_read_tokens=40, cache_write_tokens=0, reasoning_tokens=6)
CLAUDE_TURN = TurnUsage(input_tokens=120, output_tokens=30, cache_read_tokens=40, cache_write_tokens=9)
PROMPT = [{"role": "user", "content": "hello"}]

# (api, model, target, body, credential header) for each wire format the CLIs speak.
FORMATS = {
    "anthropic": ("anthropic", "claude-sonnet-4-5", "/v1/messages", {"messages": PROMPT}, "x-api-key"),
    "responses": ("openai", "gpt-5.1-codex", "/v1/responses", {"input": PROMPT}, "authorization"),
    "chat": ("openai", "gpt-4.1", "/v1/chat/completions", {"messages": PROMPT}, "authorization"),
    "gemini": (
        "gemini",
        "gemini-2.5-flash",
        "/v1beta/models/gemini-2.5-flash:{verb}",
        {"contents": []},
        "x-goog-api-key",
    ),
}


def read_exactly(response: http.client.HTTPResponse, size: int) -> bytes:
    """`size` bytes of the body, taking each piece as soon as it arrives (never waiting for the end)."""
    data = b""
    while len(data) < size and (piece := response.read1(size - len(data))):
        data += piece
    return data


def credential(header: str, key: str) -> dict[str, str]:
    return {header: f"Bearer {key}" if header == "authorization" else key}


def model_request(name: str, stream: bool, key: str) -> tuple[str, dict, dict[str, str]]:
    _, model, target, body, header = FORMATS[name]
    if name == "gemini":
        target = target.format(verb="streamGenerateContent?alt=sse" if stream else "generateContent")
        return target, body, credential(header, key)
    payload = {**body, "model": model, "stream": stream}
    if name == "chat" and stream:
        payload["stream_options"] = {"include_usage": True}
    return target, payload, credential(header, key)


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
@pytest.mark.parametrize("name", list(FORMATS))
def test_usage_counted_equals_what_the_model_server_charged(name, stream) -> None:
    api, model, *_ = FORMATS[name]
    usage = CLAUDE_TURN if name == "anthropic" else TURN
    with (
        ModelServer([shell("true", usage), text("done", usage)]) as server,
        MeteringProxy(api, REAL_KEY, server.url) as proxy,
    ):
        for turn in range(2):
            target, body, headers = model_request(name, stream, proxy.dummy_key)
            if turn:  # the second turn of the conversation
                body = _with_history(name, body)
            reply = call(proxy.url, "POST", target, body, headers)
            assert reply.status == 200, reply.body
            assert ("text/event-stream" in reply.headers["content-type"]) is stream
        taken = proxy.take_usage()
    charged = server.reported_usage()
    expected = Usage(
        input_tokens=charged.input_tokens + (0 if name == "anthropic" else charged.cache_write_tokens),
        output_tokens=charged.output_total,
        cache_read_tokens=charged.cache_read_tokens,
        cache_write_tokens=charged.cache_write_tokens if name == "anthropic" else 0,
        reasoning_tokens=0 if name == "anthropic" else charged.reasoning_tokens,
    )
    assert taken.requests == 2 and taken.budget_refusals == 0
    assert taken.usage.cost_usd == pytest.approx(estimate_cost(expected, model)) and taken.usage.cost_usd > 0
    assert taken.usage == Usage(**{**expected.__dict__, "cost_usd": taken.usage.cost_usd, "cost_is_estimate": True})
    assert proxy.take_usage().requests == 0  # taken means reset


def _with_history(name: str, body: dict) -> dict:
    if name in ("anthropic", "chat"):
        return {**body, "messages": [*body["messages"], {"role": "assistant", "content": "ok"}]}
    if name == "responses":
        return {**body, "input": [*body["input"], {"type": "message", "role": "assistant", "content": []}]}
    return {**body, "contents": [{"role": "model", "parts": [{"text": "ok"}]}]}


@pytest.mark.parametrize(
    ("api", "header", "expected"),
    [
        ("anthropic", "x-api-key", REAL_KEY),
        ("openai", "authorization", f"Bearer {REAL_KEY}"),
        ("gemini", "x-goog-api-key", REAL_KEY),
    ],
)
def test_the_dummy_credential_is_replaced_by_the_real_key_in_the_providers_header(api, header, expected) -> None:
    with RecordingUpstream() as upstream, MeteringProxy(api, REAL_KEY, upstream.url + "/base") as proxy:
        target = "/v1/messages/count_tokens?alt=sse"
        reply = call(proxy.url, "POST", target, {"a": 1}, credential("authorization", proxy.dummy_key))
    assert reply.status == 200
    (seen,) = upstream.seen
    assert seen.headers[header] == expected
    assert proxy.dummy_key not in json.dumps(seen.headers)
    assert seen.path == "/base/v1/messages/count_tokens?alt=sse" and seen.body == b'{"a": 1}'
    assert seen.headers["host"] == urlsplit(upstream.url).netloc and seen.headers["accept-encoding"] == "identity"


def test_gemini_key_in_the_query_is_checked_and_never_forwarded() -> None:
    with RecordingUpstream() as upstream, MeteringProxy("gemini", REAL_KEY, upstream.url) as proxy:
        ok = call(proxy.url, "POST", f"/v1beta/models/m:generateContent?key={proxy.dummy_key}&x=1", {})
        wrong = call(proxy.url, "POST", "/v1beta/models/m:generateContent?key=nope", {})
    assert ok.status == 200 and wrong.status == 400
    assert wrong.json()["error"]["details"][0]["reason"] == "API_KEY_INVALID"
    (seen,) = upstream.seen
    assert seen.path == "/v1beta/models/m:generateContent?x=1" and seen.headers["x-goog-api-key"] == REAL_KEY


@pytest.mark.parametrize(
    ("api", "status", "check"),
    [
        ("anthropic", 401, lambda body: body["error"]["type"] == "authentication_error" and body["type"] == "error"),
        ("openai", 401, lambda body: body["error"]["code"] == "invalid_api_key"),
        ("gemini", 400, lambda body: body["error"]["status"] == "INVALID_ARGUMENT"),
    ],
)
def test_a_wrong_missing_or_doubled_credential_is_refused_in_the_providers_shape(api, status, check) -> None:
    with RecordingUpstream() as upstream, MeteringProxy(api, REAL_KEY, upstream.url) as proxy:
        replies = [
            call(proxy.url, "POST", "/v1/messages", {}, {"x-api-key": "sk-wrong"}),
            call(proxy.url, "POST", "/v1/messages", {}, {}),
            call(proxy.url, "POST", "/v1/messages", {}, {"x-api-key": proxy.dummy_key[:-1]}),
            # the right dummy, with a second credential smuggled beside it
            call(proxy.url, "POST", "/v1/messages", {}, {"x-api-key": proxy.dummy_key, "authorization": "Bearer x"}),
        ]
    assert [r.status for r in replies] == [status] * 4
    assert all(check(r.json()) for r in replies)
    assert all(r.headers["x-should-retry"] == "false" for r in replies)
    assert upstream.seen == []
    assert REAL_KEY not in str(proxy) and proxy.dummy_key not in str(proxy)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET http://127.0.0.2:9/v1/models HTTP/1.1\r\nHost: 127.0.0.2:9\r\n\r\n",
        b"CONNECT 127.0.0.2:443 HTTP/1.1\r\nHost: 127.0.0.2:443\r\n\r\n",
    ],
    ids=["absolute-form", "connect"],
)
def test_it_is_not_an_open_proxy(request_bytes) -> None:
    with RecordingUpstream() as upstream, MeteringProxy("anthropic", REAL_KEY, upstream.url) as proxy:
        key = b"x-api-key: " + proxy.dummy_key.encode() + b"\r\n"
        answer = raw_exchange(proxy.url, request_bytes.replace(b"\r\n\r\n", b"\r\n" + key + b"\r\n"))
    assert answer.startswith((b"HTTP/1.1 400", b"HTTP/1.1 405")), answer[:100]
    assert b"origin-form" in answer and upstream.seen == []


def test_a_scheme_relative_target_is_only_a_path_on_the_configured_upstream() -> None:
    with RecordingUpstream() as upstream, MeteringProxy("anthropic", REAL_KEY, upstream.url) as proxy:
        key = b"x-api-key: " + proxy.dummy_key.encode()
        request = b"GET //127.0.0.2/v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + key + b"\r\n\r\n"
        answer = raw_exchange(proxy.url, request)
    assert answer.startswith(b"HTTP/1.1 200")
    assert [seen.path for seen in upstream.seen] == ["/127.0.0.2/v1/models"]


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("POST", "/v1/messages/batches"),  # Anthropic batches: spends money the meter would never see
        ("POST", "/v1/files"),
        ("POST", "/v1/fine_tuning/jobs"),
        ("POST", "/v1beta/models/m:embedContent"),
        ("GET", "/v1/organization/usage_report"),
        ("DELETE", "/v1/models/ft-x"),
        ("POST", "/v1/batches/../messages"),
        ("POST", "/v1/messages%2Fbatches"),
        ("POST", "/v1//messages"),
    ],
)
def test_only_the_endpoints_the_clis_use_are_forwarded(method, target) -> None:
    with RecordingUpstream() as upstream, MeteringProxy("anthropic", REAL_KEY, upstream.url) as proxy:
        key = b"x-api-key: " + proxy.dummy_key.encode()
        request = f"{method} {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n".encode() + key + b"\r\n\r\n{}"
        answer = raw_exchange(proxy.url, request)
    assert answer.startswith(b"HTTP/1.1 404") and b"not_found_error" in answer, answer[:200]
    assert upstream.seen == [] and len(proxy.refused) == 1 and target in proxy.refused[0]


def test_a_websocket_upgrade_is_refused() -> None:
    with RecordingUpstream() as upstream, MeteringProxy("openai", REAL_KEY, upstream.url) as proxy:
        headers = {**credential("authorization", proxy.dummy_key), "connection": "Upgrade", "upgrade": "websocket"}
        reply = call(proxy.url, "GET", "/v1/responses", None, headers)
    assert reply.status == 400 and "upgrade" in reply.json()["error"]["message"] and upstream.seen == []


def test_hop_by_hop_headers_stay_on_their_hop() -> None:
    def respond(seen, handler) -> None:
        data = b'{"ok": true}'
        handler.send_response(200)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(data)))
        handler.send_header("connection", "x-upstream-private")
        handler.send_header("x-upstream-private", "1")
        handler.send_header("keep-alive", "timeout=5")
        handler.send_header("request-id", "req_1")
        handler.end_headers()
        handler.wfile.write(data)

    with RecordingUpstream(respond) as upstream, MeteringProxy("anthropic", REAL_KEY, upstream.url) as proxy:
        headers = {
            "x-api-key": proxy.dummy_key,
            "connection": "keep-alive, x-client-private",
            "x-client-private": "secret",
            "keep-alive": "timeout=5",
            "te": "trailers",
            "proxy-authorization": "Basic abc",
            "anthropic-version": "2023-06-01",
        }
        reply = call(proxy.url, "POST", "/v1/messages/count_tokens", {}, headers)
    (seen,) = upstream.seen
    for name in ("x-client-private", "keep-alive", "te", "proxy-authorization"):
        assert name not in seen.headers
    assert seen.headers["anthropic-version"] == "2023-06-01"
    assert reply.status == 200 and reply.headers["request-id"] == "req_1" and reply.body == b'{"ok": true}'
    assert "x-upstream-private" not in reply.headers and "keep-alive" not in reply.headers


def test_upstream_connections_are_kept_alive_unless_the_server_closes_them() -> None:
    def closing(seen, handler) -> None:
        handler.close_connection = True
        data = b"{}"
        handler.send_response(200)
        handler.send_header("content-length", "2")
        handler.send_header("connection", "close")
        handler.end_headers()
        handler.wfile.write(data)

    for respond, connections in ((None, 1), (closing, 3)):
        with RecordingUpstream(respond) as upstream, MeteringProxy("anthropic", REAL_KEY, upstream.url) as proxy:
            for _ in range(3):
                assert call(proxy.url, "POST", "/v1/messages", {}, {"x-api-key": proxy.dummy_key}).status == 200
        assert len(upstream.seen) == 3 and len({seen.peer for seen in upstream.seen}) == connections


def test_a_chunked_request_body_is_forwarded_whole() -> None:
    with RecordingUpstream() as upstream, MeteringProxy("openai", REAL_KEY, upstream.url) as proxy:
        parts = urlsplit(proxy.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        pieces = [b'{"model": ', b'"gpt-4.1", ', b'"x": "' + b"y" * 200_000 + b'"}']
        headers = {"authorization": f"Bearer {proxy.dummy_key}", "content-type": "application/json"}
        connection.request("POST", "/v1/chat/completions", body=iter(pieces), headers=headers, encode_chunked=True)
        status = connection.getresponse().status
        connection.close()
    assert status == 200
    assert upstream.seen[0].body == b"".join(pieces)


def test_the_first_event_arrives_before_the_upstream_has_finished() -> None:
    release = threading.Event()
    first = (
        b'event: message_start\ndata: {"type":"message_start","message":{"model":"claude-haiku-4-5",'
        b'"usage":{"input_tokens":10,"output_tokens":1}}}\n\n'
    )
    last = b'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":7}}\n\n'

    def respond(seen, handler) -> None:
        def pieces():
            yield first
            assert release.wait(10)
            yield last

        send_sse_chunks(handler, pieces())

    with RecordingUpstream(respond) as upstream, MeteringProxy("anthropic", REAL_KEY, upstream.url) as proxy:
        parts = urlsplit(proxy.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        connection.request("POST", "/v1/messages", body=b"{}", headers={"x-api-key": proxy.dummy_key})
        response = connection.getresponse()
        assert read_exactly(response, len(first)) == first  # while the upstream is still holding back the rest
        release.set()
        assert response.read() == last
        connection.close()
        taken = proxy.take_usage()
    assert (taken.usage.input_tokens, taken.usage.output_tokens) == (10, 7)
    assert taken.usage.cost_usd == pytest.approx(estimate_cost(Usage(10, 7), "claude-haiku-4-5"))


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "close-delimited"])
def test_a_large_stream_passes_through_unchanged_and_its_usage_is_still_read(chunked) -> None:
    """5 MB of deltas and a `response.completed` that echoes them all (over every window the meter keeps)."""
    answer = "x" * (5 * 1024 * 1024)
    delta = json.dumps({"type": "response.output_text.delta", "delta": "x" * 65536})
    usage = {"input_tokens": 1000, "input_tokens_details": {"cached_tokens": 200}, "output_tokens": 80}
    completed = {"type": "response.completed", "response": {"model": "gpt-5-mini", "output": answer, "usage": usage}}
    body = b"".join(f"event: delta\ndata: {delta}\n\n".encode() for _ in range(80))
    body += b"event: response.completed\ndata: " + json.dumps(completed).encode() + b"\n\n"

    def respond(seen, handler) -> None:
        send_sse_chunks(handler, (body[i : i + 10_000] for i in range(0, len(body), 10_000)), chunked=chunked)

    with RecordingUpstream(respond) as upstream, MeteringProxy("openai", REAL_KEY, upstream.url) as proxy:
        reply = call(proxy.url, "POST", "/v1/responses", {}, credential("authorization", proxy.dummy_key))
        taken = proxy.take_usage()
    assert hashlib.sha256(reply.body).digest() == hashlib.sha256(body).digest()
    assert (taken.usage.input_tokens, taken.usage.cache_read_tokens, taken.usage.output_tokens) == (800, 200, 80)
    assert taken.usage.cost_usd == pytest.approx(estimate_cost(Usage(800, 80, 200), "gpt-5-mini"))


def test_a_client_that_leaves_mid_stream_is_still_charged_and_the_proxy_carries_on() -> None:
    first = (
        b'event: message_start\ndata: {"type":"message_start","message":{"model":"claude-haiku-4-5",'
        b'"usage":{"input_tokens":10,"output_tokens":1}}}\n\n'
    )
    filler = b"event: ping\ndata: {}\n\n" * 1000

    def respond(seen, handler) -> None:
        send_sse_chunks(handler, iter([first] + [filler] * 200))

    with RecordingUpstream(respond) as upstream, MeteringProxy("anthropic", REAL_KEY, upstream.url) as proxy:
        parts = urlsplit(proxy.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        connection.request("POST", "/v1/messages", body=b"{}", headers={"x-api-key": proxy.dummy_key})
        assert read_exactly(connection.getresponse(), len(first)) == first
        connection.close()  # gone, with most of the stream unread
        taken = proxy.take_usage()
        again = call(proxy.url, "POST", "/v1/messages/count_tokens", {}, {"x-api-key": proxy.dummy_key})
    assert taken.requests == 1 and taken.usage.input_tokens == 10
    assert again.status == 200


@pytest.mark.parametrize(
    "framing",
    [b"Content-Length: abc\r\n", b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", b"Content-Length: -1\r\n"],
    ids=["not-a-number", "both-framings", "negative"],
)
def test_a_request_with_bad_framing_is_refused_and_never_forwarded(framing) -> None:
    with RecordingUpstream() as upstream, MeteringProxy("anthropic", REAL_KEY, upstream.url) as proxy:
        key = b"x-api-key: " + proxy.dummy_key.encode() + b"\r\n"
        answer = raw_exchange(proxy.url, b"POST /v1/messages HTTP/1.1\r\nHost: x\r\n" + key + framing + b"\r\nhello")
    assert answer.startswith(b"HTTP/1.1 400") and b"length is missing or malformed" in answer
    assert upstream.seen == []


def test_a_client_that_dies_inside_its_request_body_loses_nothing_for_others() -> None:
    with RecordingUpstream() as upstream, MeteringProxy("anthropic", REAL_KEY, upstream.url) as proxy:
        parts = urlsplit(proxy.url)
        with socket.create_connection((parts.hostname, parts.port)) as sock:
            key = b"x-api-key: " + proxy.dummy_key.encode() + b"\r\n"
            sock.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n" + key + b"\r\n{")
        after = call(proxy.url, "POST", "/v1/messages/count_tokens", {}, {"x-api-key": proxy.dummy_key})
        taken = proxy.take_usage()
    assert after.status == 200 and taken.requests == 1  # the broken one counted as a request with no usage
    assert taken.usage.total_tokens == 0


def test_the_budget_stops_model_requests_once_spent_in_the_providers_shape() -> None:
    expensive = TurnUsage(input_tokens=1_000_000, output_tokens=0)  # 3 USD at Sonnet's price
    with (
        ModelServer([text("a", expensive)]) as server,
        MeteringProxy("anthropic", REAL_KEY, server.url, max_cost_usd=1.0) as proxy,
    ):
        target, body, headers = model_request("anthropic", True, proxy.dummy_key)
        assert call(proxy.url, "POST", target, body, headers).status == 200
        assert proxy.budget_exhausted
        refused = call(proxy.url, "POST", target, body, headers)
        free = call(proxy.url, "POST", "/v1/messages/count_tokens", body, headers)  # not a model request
        taken = proxy.take_usage()
    assert refused.status == 400 and refused.json()["error"]["type"] == "invalid_request_error"
    assert "--max-cost 1.00" in refused.json()["error"]["message"] and refused.headers["x-should-retry"] == "false"
    assert free.status == 200
    assert len(server.conversation()) == 1
    assert (taken.requests, taken.budget_refusals) == (1, 1) and taken.usage.cost_usd == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("api", "status", "code"),
    [("openai", 400, "billing_hard_limit_reached"), ("gemini", 400, "FAILED_PRECONDITION")],
)
def test_budget_refusals_of_the_other_apis(api, status, code) -> None:
    with RecordingUpstream() as upstream, MeteringProxy(api, REAL_KEY, upstream.url, max_cost_usd=0) as proxy:
        target = "/v1/chat/completions" if api == "openai" else "/v1beta/models/m:streamGenerateContent"
        reply = call(proxy.url, "POST", target, {}, credential("authorization", proxy.dummy_key))
    assert reply.status == status and code in reply.body.decode() and upstream.seen == []
    assert proxy.total.budget_refusals == 1


@pytest.mark.parametrize("api", ["anthropic", "gemini"])
def test_an_unreachable_upstream_resets_the_clients_connection_as_the_network_would(api) -> None:
    with RecordingUpstream() as gone:
        url = gone.url
    with MeteringProxy(api, REAL_KEY, url) as proxy:
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
            call(proxy.url, "POST", "/v1/messages", {}, credential("x-goog-api-key", proxy.dummy_key))
        taken = proxy.take_usage()
    assert taken.requests == 1 and "unable to connect to 127.0.0.1" in proxy.unreachable[0]


def test_an_unreachable_upstream_is_a_502_naming_it_for_the_openai_clis() -> None:
    with RecordingUpstream() as gone:
        url = gone.url
    with MeteringProxy("openai", REAL_KEY, url) as proxy:
        reply = call(proxy.url, "POST", "/v1/chat/completions", {}, credential("authorization", proxy.dummy_key))
    assert reply.status == 502 and reply.json()["error"]["type"] == "server_error"
    assert "unable to connect" in reply.json()["error"]["message"] and "x-should-retry" not in reply.headers
    assert proxy.take_usage().requests == 1


def test_upstream_errors_pass_through_with_their_status() -> None:
    def respond(seen, handler) -> None:
        send_json(handler, {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}, status=529)

    with RecordingUpstream(respond) as upstream, MeteringProxy("anthropic", REAL_KEY, upstream.url) as proxy:
        reply = call(proxy.url, "POST", "/v1/messages", {}, {"x-api-key": proxy.dummy_key})
    assert reply.status == 529 and reply.json()["error"]["type"] == "overloaded_error"
    assert proxy.take_usage().usage.total_tokens == 0


@pytest.mark.parametrize(
    "upstream",
    ["ftp://example.com", "https://user:pw@example.com", "https://example.com/?x=1", "/v1", "https://"],
)
def test_an_unsafe_upstream_is_refused_at_start(upstream) -> None:
    with pytest.raises(ProxyConfigError, match="upstream"):
        MeteringProxy("anthropic", REAL_KEY, upstream)


def test_unknown_api_and_missing_key_are_refused() -> None:
    with pytest.raises(ValueError, match="choose one of: anthropic, openai, gemini"):
        MeteringProxy("mistral", REAL_KEY)
    with pytest.raises(ProxyConfigError, match="needs the model API key"):
        MeteringProxy("anthropic", "")


def test_behind_a_runners_proxy_the_api_is_reached_through_a_connect_tunnel(monkeypatch) -> None:
    with RecordingUpstream() as upstream, ConnectProxy() as runner_proxy:
        monkeypatch.setenv("HTTP_PROXY", runner_proxy.url.replace("://", "://donor:p%40ss@"))
        monkeypatch.setenv("NO_PROXY", "example.com")
        with MeteringProxy("anthropic", REAL_KEY, upstream.url) as proxy:
            reply = call(proxy.url, "POST", "/v1/messages/count_tokens", {}, {"x-api-key": proxy.dummy_key})
    assert reply.status == 200 and upstream.seen[0].headers["x-api-key"] == REAL_KEY
    assert runner_proxy.tunnels == [(urlsplit(upstream.url).netloc, "Basic ZG9ub3I6cEBzcw==")]


def test_no_proxy_names_the_hosts_reached_directly(monkeypatch) -> None:
    with RecordingUpstream() as upstream, ConnectProxy() as runner_proxy:
        monkeypatch.setenv("HTTP_PROXY", runner_proxy.url)
        monkeypatch.setenv("no_proxy", ".example.com,127.0.0.1")
        with MeteringProxy("anthropic", REAL_KEY, upstream.url) as proxy:
            assert (
                call(proxy.url, "POST", "/v1/messages/count_tokens", {}, {"x-api-key": proxy.dummy_key}).status == 200
            )
    assert runner_proxy.tunnels == [] and len(upstream.seen) == 1


def test_an_http_1_0_client_gets_a_close_delimited_stream_it_can_read() -> None:
    events = [b'data: {"usage": {"prompt_tokens": 3, "completion_tokens": 2}}\n\n', b"data: [DONE]\n\n"]

    def respond(seen, handler) -> None:
        send_sse_chunks(handler, iter(events))

    with RecordingUpstream(respond) as upstream, MeteringProxy("openai", REAL_KEY, upstream.url) as proxy:
        key = f"authorization: Bearer {proxy.dummy_key}\r\n".encode()
        request = b"POST /v1/chat/completions HTTP/1.0\r\nContent-Length: 2\r\n" + key + b"\r\n{}"
        answer = raw_exchange(proxy.url, request)
        taken = proxy.take_usage()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"chunked" not in head.lower() and body == b"".join(events)
    assert (taken.usage.input_tokens, taken.usage.output_tokens) == (3, 2)
