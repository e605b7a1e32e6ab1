"""Cost estimates for CLIs that report tokens but no price (Codex, Gemini; OpenCode with unknown models).

USD per million tokens: (input, output, cache read). List prices published by the providers (Anthropic's
rates as Maestro's `modelPricing.ts` carries them; OpenAI and Google list prices for the GPT-5 and Gemini 2.5
families as of 2025-08). An estimate is always flagged as one (`Usage.cost_is_estimate`). Unknown models are
priced as the family default below, never as free.
"""

from __future__ import annotations

import re

from symphony_bot.agents.base import Usage

PRICES: dict[str, tuple[float, float, float]] = {
    "claude-opus-4-1": (15.0, 75.0, 1.5),
    "claude-opus": (5.0, 25.0, 0.5),
    "claude-sonnet": (3.0, 15.0, 0.3),
    "claude-haiku": (1.0, 5.0, 0.1),
    "gpt-5-nano": (0.05, 0.40, 0.005),
    "gpt-5-mini": (0.25, 2.0, 0.025),
    "gpt-5": (1.25, 10.0, 0.125),
    "gemini-2.5-flash-lite": (0.10, 0.40, 0.025),
    "gemini-2.5-flash": (0.30, 2.50, 0.075),
    "gemini-2.5-pro": (1.25, 10.0, 0.31),
}
# When a model is unknown: the provider's mainstream model.
DEFAULT_BY_AGENT = {
    "claude": "claude-sonnet",
    "codex": "gpt-5",
    "opencode": "claude-sonnet",
    "gemini": "gemini-2.5-pro",
}


def price_for(model: str | None, agent: str) -> tuple[float, float, float]:
    name = re.sub(r"-\d{8}$", "", (model or "").lower().split("/")[-1].replace("[1m]", ""))
    for key in sorted(PRICES, key=len, reverse=True):  # longest prefix first: gpt-5-mini before gpt-5
        if name.startswith(key) or key in name:
            return PRICES[key]
    return PRICES[DEFAULT_BY_AGENT.get(agent, "claude-sonnet")]


def estimate(usage: Usage, model: str | None, agent: str) -> Usage:
    """`usage` with an estimated cost (input tokens here exclude cache reads, which have their own price)."""
    input_price, output_price, cache_price = price_for(model, agent)
    cost = (
        usage.input_tokens * input_price
        + usage.output_tokens * output_price
        + usage.cache_read_tokens * cache_price
        + usage.cache_write_tokens * input_price * 1.25
    ) / 1_000_000
    return Usage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        reasoning_tokens=usage.reasoning_tokens,
        cost_usd=cost,
        cost_is_estimate=True,
    )
