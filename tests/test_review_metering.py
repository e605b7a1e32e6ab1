"""Security review of the metering proxy's budget: what the agent (it holds the dummy key and the proxy's URL,
and runs arbitrary code) can send so that model requests cost the donor money the budget never sees."""

from __future__ import annotations

from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

import pytest

from symphony_bot.agents.metering import MeteringProxy
from tests.metering_helpers import REAL_KEY, RecordingUpstream, Seen, call, send_json, send_sse_chunks

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
