"""With a budget, the metering proxy forwards only model requests whose price it knows exactly.

A model missing from the price table is estimated (its family's price, or the default): good enough for a
report, not for a budget. The agent holds the proxy's URL and dummy key and chooses the model of its own
requests, so an estimate is a way past `--max-cost` (`o1-pro` at 100k tokens in and out costs 75 USD at list
price, and was counted as 1.80). With a budget the proxy therefore reads the requested model before anything
is forwarded — Gemini's from the path, the others' from the body's top-level `model` — and refuses a request
whose model has no exact entry in `agents/pricing.py`, in the provider's own budget-refusal shape; an answer
that reports a different, unpriced model stops every later request (`MeteringProxy`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from symphony_bot.agents import pricing
from symphony_bot.agents.metering.wire import RequestBody

# Anthropic accepts requests up to 32 MB; twice that is read whole, anything larger is refused with a budget.
MAX_PRICED_BODY_BYTES = 64 * 1024 * 1024
MODEL_NAME_CHARS = 100
NO_MODEL = "(none named in the request)"
MODEL_KEY = "model"
GEMINI_MODEL = re.compile(r"/models/([^/:]+):")
_REQUEST_MODEL = re.compile(rb'"model"\s*:\s*"([^"\\]{1,200})"')
UNPRICED_MESSAGE = (
    "symphony-bot: model {model} has no known price, so the run's budget (--max-cost {limit:.2f} USD) cannot be "
    "kept; choose a priced model (symphony_bot/agents/pricing.py) or run without --max-cost; request refused"
)
UNPRICED_TOOLS_MESSAGE = (
    "symphony-bot: the request enables server-side tools with no known price ({tools}), so the run's budget "
    "(--max-cost {limit:.2f} USD) cannot be kept; request refused"
)
UNMETERED_MESSAGE = (
    "symphony-bot: a model answer reported no usage, so the run's budget (--max-cost {limit:.2f} USD) cannot be "
    "kept; request refused"
)
TOO_LARGE_MESSAGE = (
    "symphony-bot: the request body is larger than {limit} MiB, too large for the metering proxy to read its model, "
    "so the run's budget (--max-cost) cannot be kept; request refused"
)


class _DuplicateModel(ValueError):
    """Two `model` keys in one object: the API might read the other one, so the request names no model."""


def read_bounded(body: RequestBody, limit: int = MAX_PRICED_BODY_BYTES) -> bytes | None:
    """The whole request body, or None once it passes `limit` bytes (the rest is left unread)."""
    data = bytearray()
    for piece in body:
        data += piece
        if len(data) > limit:
            return None
    return bytes(data)


def requested_model(path: str, data: bytes) -> str | None:
    """The model a generation request asks for, or None when it names none unambiguously."""
    match = GEMINI_MODEL.search(path)
    if match:
        return match.group(1)
    try:
        document = json.loads(data, object_pairs_hook=_no_duplicate_model)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    model = document.get(MODEL_KEY) if isinstance(document, dict) else None
    return model if isinstance(model, str) and model else None


def unpriced(model: str | None) -> str | None:
    """None when `model` has an exact price, else the name to give in the refusal."""
    if pricing.is_priced(model):
        return None
    return (model or NO_MODEL)[:MODEL_NAME_CHARS]


def refusal_message(model: str | None, limit: float) -> str:
    """The refusal for a request whose model has no exact price (None: the body was too large to read)."""
    if model is None:
        return TOO_LARGE_MESSAGE.format(limit=MAX_PRICED_BODY_BYTES // (1024 * 1024))
    return UNPRICED_MESSAGE.format(model=model, limit=limit)


def model_hint(path: str, head: bytes) -> str | None:
    """The model a request names, from its path or the first piece of its body: a hint for pricing the answer
    when the answer names none (not for deciding what to forward: that is `requested_model`)."""
    match = GEMINI_MODEL.search(path)
    if match:
        return match.group(1)
    found = _REQUEST_MODEL.search(head)
    return found.group(1).decode("utf-8", "replace") if found else None


def _no_duplicate_model(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if sum(1 for key, _ in pairs if key == MODEL_KEY) > 1:
        raise _DuplicateModel(MODEL_KEY)
    return dict(pairs)
