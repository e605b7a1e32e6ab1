"""Cost estimates for CLIs that print tokens but no price (codex, gemini), and a fallback for the others.

USD per 1 million tokens, standard (non-batch, non-priority) tier, prompts up to 200k tokens. Sources: the
vendors' public price lists — https://www.anthropic.com/pricing (the same figures Maestro's
`src/shared/modelPricing.ts` carries), https://openai.com/api/pricing and
https://ai.google.dev/gemini-api/docs/pricing — as transcribed on PRICES_AS_OF. Prices change: an estimate is
always flagged (`Usage.cost_is_estimate`) and never replaces a figure the CLI printed itself.

How tokens are charged: `input_tokens` (uncached input) at `input`, cache reads at `cache_read`, cache writes
at `cache_write`, and `output_tokens` (which include reasoning tokens) at `output`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from symphony_bot.agents.base import Usage

PRICES_AS_OF = "2025-12-01"
PER_MILLION = 1_000_000


@dataclass(frozen=True)
class Price:
    input: float
    output: float
    cache_read: float
    cache_write: float


def _anthropic(input_price: float, output_price: float) -> Price:
    # Anthropic: cache reads cost 0.1x input, 5-minute cache writes 1.25x input.
    return Price(input_price, output_price, input_price * 0.1, input_price * 1.25)


def _openai(input_price: float, output_price: float, cached: float) -> Price:
    # OpenAI charges no premium for writing the prompt cache.
    return Price(input_price, output_price, cached, input_price)


def _google(input_price: float, output_price: float, cached: float) -> Price:
    # Implicit caching on the Gemini API: no write charge (storage is billed only for explicit caches).
    return Price(input_price, output_price, cached, input_price)


# Exact model ids (after normalisation), most specific first within each family.
PRICES: dict[str, Price] = {
    # Anthropic
    "claude-opus-4-8": _anthropic(5.0, 25.0),
    "claude-opus-4-7": _anthropic(5.0, 25.0),
    "claude-opus-4-6": _anthropic(5.0, 25.0),
    "claude-opus-4-5": _anthropic(5.0, 25.0),
    "claude-opus-4-1": _anthropic(15.0, 75.0),
    "claude-opus-4-0": _anthropic(15.0, 75.0),
    "claude-sonnet-4-6": _anthropic(3.0, 15.0),
    "claude-sonnet-4-5": _anthropic(3.0, 15.0),
    "claude-sonnet-4-0": _anthropic(3.0, 15.0),
    "claude-haiku-4-5": _anthropic(1.0, 5.0),
    "claude-3-5-haiku": _anthropic(0.8, 4.0),
    # OpenAI
    "gpt-5.2": _openai(1.75, 14.0, 0.175),
    "gpt-5.2-codex": _openai(1.75, 14.0, 0.175),
    "gpt-5.1": _openai(1.25, 10.0, 0.125),
    "gpt-5.1-codex": _openai(1.25, 10.0, 0.125),
    "gpt-5.1-codex-max": _openai(1.25, 10.0, 0.125),
    "gpt-5.1-codex-mini": _openai(0.25, 2.0, 0.025),
    "gpt-5": _openai(1.25, 10.0, 0.125),
    "gpt-5-codex": _openai(1.25, 10.0, 0.125),
    "gpt-5-mini": _openai(0.25, 2.0, 0.025),
    "gpt-5-nano": _openai(0.05, 0.40, 0.005),
    "gpt-4.1": _openai(2.0, 8.0, 0.50),
    "gpt-4.1-mini": _openai(0.40, 1.60, 0.10),
    "gpt-4o": _openai(2.50, 10.0, 1.25),
    "o3": _openai(2.0, 8.0, 0.50),
    "o4-mini": _openai(1.10, 4.40, 0.275),
    # Google
    "gemini-3-pro-preview": _google(2.0, 12.0, 0.20),
    "gemini-2.5-pro": _google(1.25, 10.0, 0.125),
    "gemini-2.5-flash": _google(0.30, 2.50, 0.03),
    "gemini-2.5-flash-lite": _google(0.10, 0.40, 0.01),
    "gemini-2.0-flash": _google(0.10, 0.40, 0.025),
}

# Unknown model ids fall back on the family's price, then the vendor's flagship (an over- rather than an
# under-estimate, since a budget is checked against it).
FAMILY_FALLBACKS: tuple[tuple[str, str], ...] = (
    ("opus", "claude-opus-4-8"),
    ("haiku", "claude-haiku-4-5"),
    ("sonnet", "claude-sonnet-4-6"),
    ("claude", "claude-sonnet-4-6"),
    ("codex-mini", "gpt-5.1-codex-mini"),
    ("gpt-5-mini", "gpt-5-mini"),
    ("nano", "gpt-5-nano"),
    ("gpt", "gpt-5.2"),
    ("flash-lite", "gemini-2.5-flash-lite"),
    ("flash", "gemini-2.5-flash"),
    ("gemini", "gemini-3-pro-preview"),
)
DEFAULT_MODEL = "claude-sonnet-4-6"
UNKNOWN_MODEL = "(the CLI's default model, not named in its output)"

_DATE_SUFFIX = re.compile(r"-\d{8}$|-\d{4}-\d{2}-\d{2}$")


def normalise_model(model: str) -> str:
    """`anthropic/claude-sonnet-4-5-20250929[1m]` -> `claude-sonnet-4-5`."""
    name = model.strip().lower().rsplit("/", 1)[-1]
    name = name.split("[", 1)[0]
    return _DATE_SUFFIX.sub("", name)


def price_for(model: str | None) -> tuple[str, Price]:
    """The table entry used for `model` and its price."""
    name = normalise_model(model or "")
    if name in PRICES:
        return name, PRICES[name]
    for fragment, entry in FAMILY_FALLBACKS:
        if fragment in name:
            return entry, PRICES[entry]
    return DEFAULT_MODEL, PRICES[DEFAULT_MODEL]


def is_priced(model: str | None) -> bool:
    """True when the table has this very model (after normalisation), not only its family's price."""
    return bool(model) and normalise_model(model or "") in PRICES


def estimate_cost(usage: Usage, model: str | None) -> float:
    """USD for `usage` at `model`'s list price."""
    _, price = price_for(model)
    return (
        usage.input_tokens * price.input
        + usage.output_tokens * price.output
        + usage.cache_read_tokens * price.cache_read
        + usage.cache_write_tokens * price.cache_write
    ) / PER_MILLION


def with_estimated_cost(usage: Usage, model: str | None) -> Usage:
    """`usage` with `cost_usd` from the price table, flagged as an estimate."""
    return Usage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        reasoning_tokens=usage.reasoning_tokens,
        cost_usd=estimate_cost(usage, model),
        cost_is_estimate=True,
        unpriced_model=None if is_priced(model) else (model or UNKNOWN_MODEL),
    )
