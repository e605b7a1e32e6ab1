"""Server-side tool fees through the metering proxy: each provider's documented usage fields, replayed by the
scripted model server, are counted at the published prices of `server_tools`; with a budget, a request that
enables a server tool with no known price never reaches the API. Amounts are drawn at random for each run."""

from __future__ import annotations

import random

import pytest

from symphony_bot.agents.base import Usage
from symphony_bot.agents.metering import MeteringProxy
from symphony_bot.agents.metering.server_tools import (
    ANTHROPIC_PRICES,
    GEMINI_GROUNDED_PROMPT,
    OPENAI_PRICES,
    SERVER_TOOL_PRICES_AS_OF,
    WEB_FETCH,
    WEB_SEARCH,
)
from symphony_bot.agents.pricing import estimate_cost
from symphony_bot.sandbox.model_server import ModelServer, Turn, TurnUsage
from tests.metering_helpers import REAL_KEY, Reply, call

RANDOM = random.Random()
PROMPT = [{"role": "user", "content": "search the web"}]
# (api, model, target, credential header, the tool definition that switches web search on)
WIRES = {
    "anthropic": (
        "anthropic",
        "claude-sonnet-4-5",
        "/v1/messages",
        "x-api-key",
        {"type": "web_search_20250305", "name": "web_search", "max_uses": 5},
    ),
    "responses": ("openai", "gpt-5.1-codex", "/v1/responses", "authorization", {"type": "web_search"}),
    "gemini": (
        "gemini",
        "gemini-2.5-flash",
        "/v1beta/models/gemini-2.5-flash:{verb}",
        "x-goog-api-key",
        {"googleSearch": {}},
    ),
}


def _request(proxy: MeteringProxy, wire: str, stream: bool, tool: dict | None, model: str | None = None) -> Reply:
    _, default_model, target, header, search = WIRES[wire]
    model = model or default_model
    headers = {header: f"Bearer {proxy.dummy_key}" if header == "authorization" else proxy.dummy_key}
    tools = [tool if tool is not None else search]
    if wire == "gemini":
        verb = "streamGenerateContent?alt=sse" if stream else "generateContent"
        body: dict = {"contents": [{"role": "user", "parts": [{"text": "search"}]}], "tools": tools}
        return call(proxy.url, "POST", target.replace("gemini-2.5-flash", model).format(verb=verb), body, headers)
    body = {"model": model, "stream": stream, "tools": tools, "max_tokens": 1000}
    body["input" if wire == "responses" else "messages"] = PROMPT
    if wire == "responses":
        body["max_output_tokens"] = body.pop("max_tokens")
    return call(proxy.url, "POST", target, body, headers)


def _fee(wire: str, searches: int, fetches: int) -> float:
    if wire == "anthropic":
        return searches * ANTHROPIC_PRICES[WEB_SEARCH].usd_per_use + fetches * ANTHROPIC_PRICES[WEB_FETCH].usd_per_use
    if wire == "responses":
        return searches * OPENAI_PRICES[WEB_SEARCH].usd_per_use
    return GEMINI_GROUNDED_PROMPT.usd_per_use if searches else 0.0  # Gemini 2.5: per grounded prompt


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
@pytest.mark.parametrize("wire", list(WIRES))
def test_server_tool_use_is_counted_at_its_published_price(wire: str, stream: bool) -> None:
    searches, fetches = RANDOM.randint(1, 900), RANDOM.randint(0, 50)
    tokens = TurnUsage(input_tokens=RANDOM.randint(10, 5000), output_tokens=RANDOM.randint(1, 900))
    kinds = {WEB_SEARCH: searches, WEB_FETCH: fetches} if wire == "anthropic" else {WEB_SEARCH: searches}
    api, model, *_ = WIRES[wire]
    with (
        ModelServer([Turn(text="found it", usage=tokens, server_tools=kinds)]) as server,
        MeteringProxy(api, REAL_KEY, server.url) as proxy,
    ):
        reply = _request(proxy, wire, stream, None)
        taken = proxy.take_usage()
    assert reply.status == 200, reply.body
    fee = _fee(wire, searches, fetches)
    token_cost = estimate_cost(Usage(tokens.input_tokens, tokens.output_tokens), model)
    print(f"{wire}: {searches} searches, {fetches} fetches -> fee {fee:.4f} USD, tokens {token_cost:.6f} USD")
    assert taken.tool_fees_usd == pytest.approx(fee)
    assert taken.usage.cost_usd == pytest.approx(token_cost + fee)
    assert taken.unpriced_tools == ()


def test_web_searches_the_budget_never_saw_now_trip_it() -> None:
    """Issue 17: twenty requests reporting 1,000 web searches each were metered at 0.0036 USD and a 1 USD
    --max-cost never tripped. Now the first request's fees spend the budget and the rest are refused."""
    searches = RANDOM.randint(200, 1000)
    budget = RANDOM.uniform(0.5, 1.5)
    tool = {"type": "web_search_20250305", "name": "web_search", "max_uses": searches}
    turn = Turn(text="x", usage=TurnUsage(10, 10), server_tools={WEB_SEARCH: searches})
    with ModelServer([turn]) as server, MeteringProxy("anthropic", REAL_KEY, server.url, max_cost_usd=budget) as proxy:
        replies = [_request(proxy, "anthropic", True, tool) for _ in range(20)]
    answered = [reply for reply in replies if reply.status == 200]
    fee = searches * ANTHROPIC_PRICES[WEB_SEARCH].usd_per_use
    assert len(answered) == -(-budget // fee)  # as many as it takes to pass the budget, not one more
    assert all(reply.status == 400 for reply in replies[len(answered) :])
    assert proxy.total.usage.cost_usd >= budget and proxy.budget_exhausted
    assert len([r for r in server.requests if r.api]) == len(answered)


# Tools whose fee is unknown or unbounded: (wire, tool definition, model or None for the wire's default).
UNPRICED = [
    ("anthropic", {"type": "code_execution_20250825", "name": "code_execution"}, None),
    ("responses", {"type": "code_interpreter", "container": {"type": "auto"}}, None),
    ("responses", {"type": "image_generation"}, None),
    ("gemini", {"googleSearch": {}}, "gemini-3-pro-preview"),  # billed per query, and nothing bounds the queries
    ("gemini", {"googleMaps": {}}, None),
]


@pytest.mark.parametrize(("wire", "tool", "model"), UNPRICED, ids=lambda value: str(value)[:40])
def test_with_a_budget_a_request_enabling_an_unpriced_server_tool_is_refused_before_forwarding(
    wire: str, tool: dict, model: str | None
) -> None:
    api = WIRES[wire][0]
    with ModelServer([Turn(text="x")]) as server, MeteringProxy(api, REAL_KEY, server.url, max_cost_usd=5.0) as proxy:
        refused = _request(proxy, wire, False, tool, model)
        taken = proxy.take_usage()
        unbudgeted = None
    assert refused.status == 400, refused.body
    message = refused.json()["error"]["message"]
    assert "server-side tools with no known price" in message and "--max-cost 5.00" in message
    assert server.requests == [] and taken.budget_refusals == 1 and taken.unpriced_tools
    with ModelServer([Turn(text="x")]) as server, MeteringProxy(api, REAL_KEY, server.url) as proxy:
        unbudgeted = _request(proxy, wire, False, tool, model)
    assert unbudgeted.status == 200  # without a budget it is forwarded (and its known costs counted)


def test_with_a_budget_an_unbounded_priced_tool_is_bounded_by_the_proxy() -> None:
    """A web search tool without max_uses could search without end: the proxy sets a bound before forwarding."""
    tool = {"type": "web_search_20250305", "name": "web_search"}
    with ModelServer([Turn(text="x")]) as server, MeteringProxy("anthropic", REAL_KEY, server.url, max_cost_usd=5) as p:
        reply = _request(p, "anthropic", False, tool)
    assert reply.status == 200
    (seen,) = [r for r in server.requests if r.api]
    assert seen.body["tools"][0]["max_uses"] >= 1 and seen.body["max_tokens"] == 1000


def test_the_price_table_names_its_sources_and_date() -> None:
    assert SERVER_TOOL_PRICES_AS_OF
    for price in (*ANTHROPIC_PRICES.values(), *OPENAI_PRICES.values(), GEMINI_GROUNDED_PROMPT):
        assert price.source.startswith("https://")
