"""Security review of the metering proxy's budget: what the agent (it holds the dummy key and the proxy's URL,
and runs arbitrary code) can send so that model requests cost the donor money the budget never sees."""

from __future__ import annotations

from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

import pytest

from symphony_bot.agents.metering import MeteringProxy
from symphony_bot.sandbox.model_server import ModelServer, TurnUsage, text
from tests.metering_helpers import REAL_KEY, RecordingUpstream, Reply, Seen, call, send_json, send_sse_chunks

CHUNK = b'data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4.1","choices":[{"delta":{"content":"x"}}]}\n\n'


def _chat_stream_without_usage(seen: Seen, handler: BaseHTTPRequestHandler) -> None:
    # What OpenAI streams for /v1/chat/completions when the request asks no stream_options.include_usage.
    send_sse_chunks(handler, iter([CHUNK, b"data: [DONE]\n\n"]))


def _background_response(seen: Seen, handler: BaseHTTPRequestHandler) -> None:
    # `"background": true`: OpenAI answers at once, queued, with no usage; the model runs (and bills) later.
    send_json(handler, {"object": "response", "model": "gpt-5.2", "status": "queued", "usage": None})


@pytest.mark.parametrize(
    ("respond", "target", "body"),
    [
        (_chat_stream_without_usage, "/v1/chat/completions", {"model": "gpt-4.1", "stream": True, "messages": []}),
        (_background_response, "/v1/responses", {"model": "gpt-5.2", "background": True, "input": "x"}),
    ],
    ids=["chat-stream-without-include-usage", "background-response"],
)
def test_a_model_answer_without_usage_cannot_be_repeated_past_the_budget(
    respond: Callable[[Seen, BaseHTTPRequestHandler], None], target: str, body: dict[str, object]
) -> None:
    """A successful model answer that reports no usage was counted as free, so an agent repeating it spent
    without limit under any --max-cost. With a budget the proxy now forwards no model request after one."""
    headers = {"authorization": "Bearer "}
    with RecordingUpstream(respond) as upstream, MeteringProxy("openai", REAL_KEY, upstream.url, max_cost_usd=1.0) as p:
        headers["authorization"] += p.dummy_key
        first = call(p.url, "POST", target, body, headers)
        later = [call(p.url, "POST", target, body, headers) for _ in range(3)]
        free = call(p.url, "GET", "/v1/models", None, headers)
    assert first.status == 200
    assert [reply.status for reply in later] == [400, 400, 400]
    assert "no usage" in later[0].json()["error"]["message"]
    assert len([seen for seen in upstream.seen if seen.method == "POST"]) == 1
    assert free.status == 200 and p.budget_exhausted


def test_without_a_budget_an_answer_without_usage_is_still_forwarded() -> None:
    with (
        RecordingUpstream(_chat_stream_without_usage) as upstream,
        MeteringProxy("openai", REAL_KEY, upstream.url) as proxy,
    ):
        body = {"model": "gpt-4.1", "stream": True, "messages": []}
        headers = {"authorization": f"Bearer {proxy.dummy_key}"}
        replies = [call(proxy.url, "POST", "/v1/chat/completions", body, headers) for _ in range(2)]
    assert [reply.status for reply in replies] == [200, 200] and not proxy.budget_exhausted


# (api, credential header, a priced model, an unpriced one) for each wire format the CLIs speak.
WIRES = {
    "anthropic": ("anthropic", "x-api-key", "claude-sonnet-4-5", "claude-opus-9"),
    "responses": ("openai", "authorization", "gpt-5.1-codex", "o1-pro"),
    "chat": ("openai", "authorization", "gpt-4.1", "o1-pro"),
    "gemini": ("gemini", "x-goog-api-key", "gemini-2.5-flash", "gemini-9-ultra"),
}
TARGETS = {"anthropic": "/v1/messages", "responses": "/v1/responses", "chat": "/v1/chat/completions"}
EXPENSIVE_TURN = TurnUsage(input_tokens=100_000, output_tokens=100_000)


def _model_call(proxy: MeteringProxy, wire: str, model: str) -> Reply:
    """One non-streaming generation request for `model` in `wire`'s own shape, with the proxy's dummy key."""
    _, header, _, _ = WIRES[wire]
    headers = {header: f"Bearer {proxy.dummy_key}" if header == "authorization" else proxy.dummy_key}
    if wire == "gemini":
        body: dict[str, object] = {"contents": [{"role": "user", "parts": [{"text": "hello"}]}]}
        return call(proxy.url, "POST", f"/v1beta/models/{model}:generateContent", body, headers)
    prompt = [{"role": "user", "content": "hello"}]
    body = {"model": model, "input": prompt} if wire == "responses" else {"model": model, "messages": prompt}
    return call(proxy.url, "POST", TARGETS[wire], body, headers)


@pytest.mark.parametrize("wire", list(WIRES))
def test_with_a_budget_an_unpriced_model_is_refused_before_anything_reaches_the_model(wire: str) -> None:
    """An unpriced model was counted at a guessed price (o1-pro: 1.80 USD for what lists at 75), and the agent
    chooses its requests' model, so --max-cost could be passed many times over. Now nothing is forwarded."""
    api, _, priced, unpriced = WIRES[wire]
    with (
        ModelServer([text("a", EXPENSIVE_TURN)]) as server,
        MeteringProxy(api, REAL_KEY, server.url, max_cost_usd=100.0) as proxy,
    ):
        refused = _model_call(proxy, wire, unpriced)
        asked_before = list(server.requests)
        taken = proxy.take_usage()
        allowed = _model_call(proxy, wire, priced)
    message = refused.json()["error"]["message"]
    assert refused.status == 400 and refused.headers["x-should-retry"] == "false"
    assert f"model {unpriced} has no known price" in message and "--max-cost 100.00 USD" in message
    assert "choose a priced model" in message and "run without --max-cost" in message
    assert asked_before == []  # the model server never saw the refused request
    assert (taken.requests, taken.budget_refusals, taken.usage.unpriced_model) == (0, 1, unpriced)
    assert allowed.status == 200, allowed.body
    assert [request.model for request in server.requests] == [priced]
    assert proxy.total.usage.unpriced_model is not None  # the refusal stays on the run's record


@pytest.mark.parametrize("wire", list(WIRES))
def test_without_a_budget_an_unpriced_model_is_forwarded_and_flagged_as_an_estimate(wire: str) -> None:
    api, _, _, unpriced = WIRES[wire]
    with ModelServer([text("a", EXPENSIVE_TURN)]) as server, MeteringProxy(api, REAL_KEY, server.url) as proxy:
        reply = _model_call(proxy, wire, unpriced)
        taken = proxy.take_usage()
    assert reply.status == 200, reply.body
    assert [request.model for request in server.requests] == [unpriced]
    assert taken.usage.unpriced_model == unpriced and taken.usage.cost_is_estimate and taken.usage.cost_usd > 0
    assert not proxy.budget_exhausted


def _answers_as_o1_pro(seen: Seen, handler: BaseHTTPRequestHandler) -> None:
    # An upstream (or an alias) that answers with another model than the one asked for.
    usage = {"input_tokens": 100_000, "output_tokens": 100_000}
    send_json(handler, {"object": "response", "model": "o1-pro-2025-03-19", "status": "completed", "usage": usage})


def test_an_answer_from_an_unpriced_model_stops_every_later_request() -> None:
    headers = {"authorization": "Bearer "}
    with (
        RecordingUpstream(_answers_as_o1_pro) as upstream,
        MeteringProxy("openai", REAL_KEY, upstream.url, max_cost_usd=100.0) as proxy,
    ):
        headers["authorization"] += proxy.dummy_key
        body = {"model": "gpt-5.1-codex", "input": "x"}
        first = call(proxy.url, "POST", "/v1/responses", body, headers)
        later = call(proxy.url, "POST", "/v1/responses", body, headers)
    assert first.status == 200 and later.status == 400
    assert "model o1-pro-2025-03-19 has no known price" in later.json()["error"]["message"]
    assert len(upstream.seen) == 1 and proxy.budget_exhausted
    assert proxy.total.usage.unpriced_model == "o1-pro-2025-03-19"


@pytest.mark.parametrize(
    "body",
    [
        b'{"tools": [{"model": "gpt-4.1"}], "model": "o1-pro", "input": "x"}',  # a priced decoy first
        b'{"model": "gpt-4.1", "model": "o1-pro", "input": "x"}',  # which one would the API read?
        b'{"input": "x"}',  # no model named
        b'{"model": "gpt-4.1", "input": ',  # not JSON
    ],
    ids=["nested-decoy", "duplicate-key", "no-model", "not-json"],
)
def test_with_a_budget_a_request_whose_model_is_not_plainly_priced_is_refused(body: bytes) -> None:
    with RecordingUpstream() as upstream, MeteringProxy("openai", REAL_KEY, upstream.url, max_cost_usd=1.0) as proxy:
        reply = call(proxy.url, "POST", "/v1/responses", body, {"authorization": f"Bearer {proxy.dummy_key}"})
    assert reply.status == 400 and "has no known price" in reply.json()["error"]["message"]
    assert upstream.seen == [] and proxy.total.budget_refusals == 1


def test_with_a_budget_a_priced_bounded_request_is_forwarded_byte_for_byte() -> None:
    body = b'{"model": "gpt-4.1", "messages": [], "max_completion_tokens": 50, "note": "' + b"x" * 300_000 + b'"}'
    with RecordingUpstream() as upstream, MeteringProxy("openai", REAL_KEY, upstream.url, max_cost_usd=1.0) as proxy:
        reply = call(proxy.url, "POST", "/v1/chat/completions", body, {"authorization": f"Bearer {proxy.dummy_key}"})
    assert reply.status == 200
    (seen,) = upstream.seen
    assert seen.body == body and seen.headers["content-length"] == str(len(body))
