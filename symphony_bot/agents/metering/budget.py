"""Keeping the worst case within `--max-cost`: with a budget, ONE model request is in flight at a time.

Checking the budget only before forwarding let twenty parallel requests spend $4.50-6.00 under
`--max-cost 0.05`. Now a model request is forwarded only when no other is in flight and the run has budget
left; the others wait their turn (token counts and model lists are free and never wait). A request is counted
once its answer has been read to its end, whether or not the client stayed (`handler`), before the next one
goes. So the run ends at most one request past the budget, however many requests the agent sends at once —
and that one request is bounded too: each request's maximum cost is computed before it goes (`plan`), bounding
what it leaves open, and an answer cut off before its usage arrived is charged at that maximum.

A request's maximum is its largest possible answer at the model's output price (`max_tokens` and its
equivalents, times the number of choices asked for; where a request leaves it open the proxy sets
DEFAULT_MAX_OUTPUT_TOKENS), plus its body read as input tokens (a text token is at least one byte of the
request) at the dearer of the input and cache-write prices, plus the most server-tool uses it allows at their
fees (`server_tools`; where a request leaves a priced tool's uses open the proxy sets DEFAULT_MAX_USES).
Reservations (parallel requests whose maxima fit the budget) were weighed and not chosen: a request's input
cannot be bounded better than by its body's bytes, which an API's own accounting (cache writes, images, files
referenced by name) can exceed, while one request at a time holds whatever the API reports.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from symphony_bot.agents import pricing
from symphony_bot.agents.metering.meter import WireFormat
from symphony_bot.agents.metering.server_tools import (
    ANTHROPIC_PRICES,
    OPENAI_PRICES,
    ServerTools,
    ToolPrice,
    anthropic_tools,
    gemini_price,
    gemini_tools,
    openai_tools,
)

DEFAULT_MAX_OUTPUT_TOKENS = 32_000
PER_MILLION = 1_000_000
ADMISSION_POLL_S = 1.0


@dataclass
class RequestPlan:
    """What the proxy knows of one generation request before forwarding it."""

    reserve_usd: float
    unpriced_tools: list[str]
    body: bytes  # the body to forward: as sent, or with the bounds the proxy set


def _output_fields(wire: WireFormat, document: dict[str, Any]) -> tuple[int | None, int, tuple[str, ...]]:
    """(max output tokens asked for, choices asked for, where to set the bound when none is asked for)."""
    config = document.get("generationConfig")
    if wire is WireFormat.ANTHROPIC:
        return _int(document.get("max_tokens")), 1, ("max_tokens",)
    if wire is WireFormat.RESPONSES:
        return _int(document.get("max_output_tokens")), 1, ("max_output_tokens",)
    if wire is WireFormat.CHAT:
        asked = _int(document.get("max_completion_tokens"))
        if asked is None:
            asked = _int(document.get("max_tokens"))
        return asked, max(1, _int(document.get("n")) or 1), ("max_completion_tokens",)
    config = config if isinstance(config, dict) else {}
    choices = max(1, _int(config.get("candidateCount")) or 1)
    return _int(config.get("maxOutputTokens")), choices, ("generationConfig", "maxOutputTokens")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def server_tools_of(wire: WireFormat, document: Mapping[str, Any], model: str | None) -> ServerTools:
    if wire is WireFormat.ANTHROPIC:
        return anthropic_tools(document)
    if wire in (WireFormat.RESPONSES, WireFormat.CHAT):
        return openai_tools(document)
    return gemini_tools(document, model)


def _tool_prices(wire: WireFormat, model: str | None) -> Mapping[str, ToolPrice]:
    if wire is WireFormat.ANTHROPIC:
        return ANTHROPIC_PRICES
    if wire in (WireFormat.RESPONSES, WireFormat.CHAT):
        return OPENAI_PRICES
    price = gemini_price(model)
    return {"google_search": price} if price is not None else {}


def plan(wire: WireFormat, data: bytes, model: str | None) -> RequestPlan:
    """The reservation for a request (its body already read whole, its model priced), bounding what it leaves
    open; the body changes only when a bound had to be set."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        document = None
    if not isinstance(document, dict):
        document = {}
    tools = server_tools_of(wire, document, model)
    asked, choices, path = _output_fields(wire, document)
    settings = list(tools.set_fields)
    if asked is None:
        asked = DEFAULT_MAX_OUTPUT_TOKENS
        settings.append((path, asked))
    body = data
    if settings and document:
        for where, value in settings:
            _set(document, where, value)
        body = json.dumps(document, ensure_ascii=False).encode()
    _, price = pricing.price_for(model)
    tokens_usd = (len(body) * max(price.input, price.cache_write) + asked * choices * price.output) / PER_MILLION
    return RequestPlan(tokens_usd + tools.reserve_usd(_tool_prices(wire, model)), tools.unpriced, body)


def _set(document: dict[str, Any], where: tuple[str | int, ...], value: int) -> None:
    holder: Any = document
    for key in where[:-1]:
        if isinstance(holder, dict):
            holder = holder.setdefault(key, {}) if isinstance(key, str) else None
        elif isinstance(holder, list) and isinstance(key, int) and key < len(holder):
            holder = holder[key]
        else:
            return
    if isinstance(holder, dict):
        holder[where[-1]] = value


class Admission:
    """Model requests in flight against one budget: one at a time. `admit` blocks until the request may go
    (True) or the budget is spent (False); `settle` lets the next one go once this one's cost is counted."""

    def __init__(self, limit_usd: float, lock: threading.Lock) -> None:
        self.limit_usd = limit_usd
        self._changed = threading.Condition(lock)
        self.reserved_usd = 0.0
        self.in_flight = 0

    def admit(self, reserve_usd: float, spent: Any) -> bool:
        """`spent()` (called with the lock held) is what the run has spent so far."""
        with self._changed:
            while True:
                left = self.limit_usd - spent()
                if left <= 0:
                    return False
                if self.in_flight == 0:
                    self.reserved_usd += reserve_usd
                    self.in_flight += 1
                    return True
                self._changed.wait(ADMISSION_POLL_S)

    def settle(self, reserve_usd: float) -> None:
        """Call with the lock held, after the request's cost was added to what is spent."""
        self.reserved_usd = max(0.0, self.reserved_usd - reserve_usd)
        self.in_flight -= 1
        self._changed.notify_all()
