"""Metering the agent cannot get around: a tool in the agent's shell holds the proxy's URL and dummy key and can
call it itself. Streams it hangs up on are counted as what the API sent; requests it sends all at once cannot
spend past --max-cost by more than one request's maximum. Amounts are drawn at random for each run."""

from __future__ import annotations

import http.client
import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from symphony_bot.agents.base import Usage
from symphony_bot.agents.metering import MeteringProxy
from symphony_bot.agents.metering.budget import plan
from symphony_bot.agents.metering.meter import WireFormat
from symphony_bot.agents.pricing import estimate_cost
from symphony_bot.sandbox.model_server import ModelServer, Turn, TurnUsage
from tests.metering_helpers import REAL_KEY, RecordingUpstream, call, send_sse_chunks

RANDOM = random.Random()
MODEL = "claude-sonnet-4-5"
CLIENTS = 20
HANG_UP_AFTER = 5
SETTLE_S = 120.0  # how long take_usage may wait for the proxy to finish reading what the clients left


def _body(max_tokens: int, padding: int = 0) -> dict:
    prompt = "x" * padding
    return {"model": MODEL, "max_tokens": max_tokens, "stream": True, "messages": [{"role": "user", "content": prompt}]}


def _stream_and_hang_up(url: str, key: str, body: dict, deltas: int) -> int:
    """Read the stream until `deltas` content deltas have arrived, then close the connection; the deltas seen."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        connection.request("POST", "/v1/messages", body=json.dumps(body), headers={"x-api-key": key})
        response = connection.getresponse()
        seen, buffer = 0, b""
        while seen < deltas and (piece := response.read1(65536)):
            buffer += piece
            seen = buffer.count(b"event: content_block_delta")
        return seen
    finally:
        connection.close()


def test_streams_hung_up_after_five_deltas_are_counted_as_what_the_api_sent() -> None:
    """Issue 17: twenty streams hung up after 5 deltas each were counted as 1 output token each. The proxy now
    reads each answer to its end, whoever is listening."""
    usage = TurnUsage(input_tokens=RANDOM.randint(100, 5000), output_tokens=RANDOM.randint(500, 8000))
    deltas = RANDOM.randint(HANG_UP_AFTER + 10, HANG_UP_AFTER + 60)
    turn = Turn(text="y" * deltas * 8, usage=usage, deltas=deltas, delta_pause_s=0.002)
    with ModelServer([turn]) as server, MeteringProxy("anthropic", REAL_KEY, server.url) as proxy:
        with ThreadPoolExecutor(CLIENTS) as pool:
            futures = [
                pool.submit(_stream_and_hang_up, proxy.url, proxy.dummy_key, _body(10_000), HANG_UP_AFTER)
                for _ in range(CLIENTS)
            ]
            seen = [future.result() for future in futures]
        taken = proxy.take_usage(settle_s=SETTLE_S)
    assert all(HANG_UP_AFTER <= count < deltas for count in seen), seen  # every client left before the end
    sent = server.reported_usage()
    assert sent.output_tokens == CLIENTS * usage.output_tokens
    assert (taken.requests, taken.usage.input_tokens, taken.usage.output_tokens) == (
        CLIENTS,
        sent.input_tokens,
        sent.output_tokens,
    )
    assert taken.usage.cost_usd == pytest.approx(estimate_cost(Usage(sent.input_tokens, sent.output_tokens), MODEL))


def test_a_stream_the_api_breaks_off_counts_its_deltas_and_with_a_budget_its_maximum() -> None:
    """No final usage ever arrived: without a budget each delta counts at least one output token; with one,
    the request is charged the maximum it reserved."""
    deltas = RANDOM.randint(5, 50)
    start = (
        b'event: message_start\ndata: {"type":"message_start","message":{"model":"' + MODEL.encode() + b'",'
        b'"usage":{"input_tokens":7,"output_tokens":1}}}\n\n'
    )
    delta = b'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":"z"}}\n\n'

    def cut_off(seen, handler) -> None:  # then the connection drops without the last chunk
        send_sse_chunks(handler, iter([start] + [delta] * deltas), chunked=False)

    body = _body(RANDOM.randint(1000, 20_000))
    with RecordingUpstream(cut_off) as upstream, MeteringProxy("anthropic", REAL_KEY, upstream.url) as proxy:
        call(proxy.url, "POST", "/v1/messages", body, {"x-api-key": proxy.dummy_key})
        unbudgeted = proxy.take_usage()
    assert unbudgeted.usage.output_tokens >= deltas
    with (
        RecordingUpstream(cut_off) as upstream,
        MeteringProxy("anthropic", REAL_KEY, upstream.url, max_cost_usd=100.0) as proxy,
    ):
        call(proxy.url, "POST", "/v1/messages", body, {"x-api-key": proxy.dummy_key})
        budgeted = proxy.take_usage()
    maximum = plan(WireFormat.ANTHROPIC, json.dumps(body).encode(), MODEL).reserve_usd
    assert budgeted.usage.cost_usd >= maximum * 0.99  # the body as sent differs from json.dumps by spacing only


def test_parallel_requests_cannot_spend_past_the_budget_by_more_than_one_requests_maximum() -> None:
    """Issue 17: twenty parallel requests under --max-cost 0.05 spent $4.50-6.00. Now what the API charged stays
    within the budget plus one request's maximum, whatever the amounts."""
    budget = round(RANDOM.uniform(0.02, 0.4), 4)
    max_tokens = RANDOM.randint(2_000, 30_000)
    padding = RANDOM.randint(1_000, 50_000)
    usage = TurnUsage(input_tokens=padding // 2, output_tokens=RANDOM.randint(max_tokens // 4, max_tokens))
    body = _body(max_tokens, padding)
    maximum = plan(WireFormat.ANTHROPIC, json.dumps(body).encode(), MODEL).reserve_usd
    per_request = estimate_cost(Usage(usage.input_tokens, usage.output_tokens), MODEL)
    barrier = threading.Barrier(CLIENTS)

    def send(proxy: MeteringProxy) -> int:
        barrier.wait()  # all at once
        return call(proxy.url, "POST", "/v1/messages", {**body, "stream": False}, {"x-api-key": proxy.dummy_key}).status

    with (
        ModelServer([Turn(text="done", usage=usage)]) as server,
        MeteringProxy("anthropic", REAL_KEY, server.url, max_cost_usd=budget) as proxy,
        ThreadPoolExecutor(CLIENTS) as pool,
    ):
        statuses = list(pool.map(lambda _: send(proxy), range(CLIENTS)))
        total = proxy.total
    answered = [r for r in server.requests if r.api]
    charged = sum(estimate_cost(Usage(r.usage.input_tokens, r.usage.output_tokens), MODEL) for r in answered if r.usage)
    print(f"budget {budget}, {len(answered)} answered at {per_request:.4f}, charged {charged:.4f}, max {maximum:.4f}")
    assert charged <= budget + maximum
    assert charged <= budget + per_request + 1e-9  # one request at a time: the overshoot is the last one alone
    assert statuses.count(200) == len(answered) and statuses.count(400) == CLIENTS - len(answered)
    assert total.usage.cost_usd == pytest.approx(charged)
    assert len(answered) == CLIENTS or charged >= budget  # it stopped because the budget was spent
