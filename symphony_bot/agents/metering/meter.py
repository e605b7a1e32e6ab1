"""Reading a provider's own usage figures out of a response as it streams past, in bounded memory.

A response is either Server-Sent Events (`sse`: only the events that can carry usage are parsed) or one JSON
document (a JSON array for Gemini's `streamGenerateContent` without `alt=sse`), collected in a
`BoundedDocument` (`bounded`): memory per response is bounded by its windows, whatever the size of the answer.

Usage objects are merged key by key in arrival order: Anthropic's `message_delta` updates the figures of
`message_start`, Gemini repeats running totals in every chunk, OpenAI sends one final object. Server-side
tool use (`server_tools`) is priced on top of the tokens.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from symphony_bot.agents import pricing
from symphony_bot.agents.base import Usage
from symphony_bot.agents.metering import server_tools
from symphony_bot.agents.metering.bounded import HEAD_BYTES, TAIL_BYTES, BoundedDocument
from symphony_bot.agents.metering.server_tools import NO_FEES, ToolFees
from symphony_bot.agents.metering.sse import SseScanner

__all__ = ["HEAD_BYTES", "TAIL_BYTES", "BoundedDocument", "ResponseMeter", "SseScanner", "WireFormat"]

INFLATE_PIECE_BYTES = 256 * 1024
LONG_CACHE_WRITE_FACTOR = 2.0  # Anthropic: a 1-hour cache write costs twice the input price
USAGE_KEYS = ("usage", "usageMetadata")


class WireFormat(StrEnum):
    """The usage dialect of one response, from the endpoint that produced it."""

    ANTHROPIC = "anthropic"  # /v1/messages
    RESPONSES = "responses"  # OpenAI /v1/responses
    CHAT = "chat"  # OpenAI /v1/chat/completions
    GEMINI = "gemini"  # :generateContent / :streamGenerateContent


def wire_format_for(path: str) -> WireFormat | None:
    """The dialect of a generation endpoint, or None for anything else (model lists, token counts)."""
    if path.endswith("/messages"):
        return WireFormat.ANTHROPIC
    if path.endswith(("/responses", "/responses/compact")):  # codex compacts a long thread remotely
        return WireFormat.RESPONSES
    if path.endswith("/chat/completions"):
        return WireFormat.CHAT
    if path.endswith(":generateContent") or path.endswith(":streamGenerateContent"):
        return WireFormat.GEMINI
    return None


# Free requests the CLIs make besides generation: token counts (POST) and model lists (GET).
FREE_POST_SUFFIXES = ("/messages/count_tokens", ":countTokens")
_MODEL_LIST = re.compile(r"/models(?:/[A-Za-z0-9._-]+)?$")


def endpoint_allowed(method: str, path: str) -> bool:
    """Whether the proxy forwards `method path`: only what the agent CLIs use. Anything else with the donor's
    key (batches, files, fine-tuning, images, embeddings...) could spend money the meter never sees."""
    segments = path.split("/")
    if "%" in path or "" in segments[1:] or "." in segments or ".." in segments:
        return False  # no encoded or dot segments, no empty ones: the path means what it says
    if method == "POST":
        return wire_format_for(path) is not None or path.endswith(FREE_POST_SUFFIXES)
    if method in ("GET", "HEAD"):
        return _MODEL_LIST.search(path) is not None
    return False


# The named events that can carry usage, the model, or server-tool items; every other named event is only counted.
PARSED_EVENTS = {
    "anthropic": frozenset({"message_start", "message_delta", "error"}),
    "responses": frozenset(
        {"response.created", "response.completed", "response.incomplete", "response.failed", "error"}
    ),
}
# The events that end an answer's usage: a stream without one was cut off, whatever its framing said.
FINAL_EVENTS = frozenset({"message_delta", "response.completed", "response.incomplete", "response.failed"})
# Output items of the Responses API that the client runs itself (everything else `*_call` runs at OpenAI).
CLIENT_CALL_ITEMS = frozenset(
    {"function_call", "custom_tool_call", "local_shell_call", "shell_call", "apply_patch_call", "computer_call"}
)
CALL_SUFFIX = "_call"
CALL_COMPLETED = b"_call.completed"  # `response.web_search_call.completed`
# The same items in a JSON body too large to parse whole (never inside a string: quotes there are escaped).
_CALL_ITEM = re.compile(rb'(?<!\\)"type"\s*:\s*"([a-z_]{1,40}_call)"')
CALL_ITEM_CARRY = 64


@dataclass(frozen=True)
class Metered:
    """What one response reported: the provider's figures in our terms (server-tool fees included in the cost),
    the model that produced them, and the server-side tool use."""

    usage: Usage
    model: str | None
    fees: ToolFees = field(default_factory=lambda: NO_FEES)


class ResponseMeter:
    """Collects the usage of one response. `feed` every body chunk, then `finish`."""

    def __init__(
        self, wire: WireFormat, streaming: bool, model_hint: str | None = None, encoding: str | None = None
    ) -> None:
        self.wire = wire
        # The proxy asks for `identity`; a server that compresses anyway is read through the compression.
        self._inflate = _decompressor(encoding)
        self._raw: dict[str, Any] = {}
        self._model = model_hint
        self._document: BoundedDocument | None = None
        self._sse: SseScanner | None = None
        self._calls: dict[str, int] = {}  # server-tool call items by kind (Responses)
        self._calls_by_event: dict[str, int] = {}
        self._grounding_queries = 0  # Gemini
        self._final_seen = not (streaming and wire.value in PARSED_EVENTS)
        self.complete = True  # after `finish`: whether the answer was read to its end
        self._carry = b""
        if streaming:
            self._sse = SseScanner(self._take, PARSED_EVENTS.get(wire.value))
        else:
            self._document = BoundedDocument()

    def feed(self, data: bytes) -> None:
        if self._inflate is None:
            self._feed_plain(data)
            return
        try:
            # In bounded pieces: a small compressed body may inflate to gigabytes.
            piece = self._inflate.decompress(data, INFLATE_PIECE_BYTES)
            while piece:
                self._feed_plain(piece)
                piece = self._inflate.decompress(self._inflate.unconsumed_tail, INFLATE_PIECE_BYTES)
        except zlib.error:
            self._inflate = _BROKEN

    def _feed_plain(self, data: bytes) -> None:
        if self._sse is not None:
            self._sse.feed(data)
        elif self._document is not None:
            self._document.add(data)
            if self.wire is WireFormat.RESPONSES:
                self._scan_call_items(data)

    def _scan_call_items(self, data: bytes) -> None:
        window = self._carry + data
        for match in _CALL_ITEM.finditer(window):
            if match.end() > len(self._carry):  # not counted already, in the previous piece's carry
                kind = match.group(1).decode()
                self._calls_by_event[kind] = self._calls_by_event.get(kind, 0) + 1
        self._carry = window[-CALL_ITEM_CARRY:]

    @property
    def events(self) -> int:
        """Events (SSE) that arrived: a floor for the output tokens of an answer cut short."""
        return self._sse.events if self._sse is not None else 0

    @property
    def usage_reported(self) -> bool:
        """Whether the response carried a usage object at all (after `finish`): one without cost an unknown amount."""
        return bool(self._raw)

    def finish(self, complete: bool = True) -> Metered:
        """The usage of the response; `complete`: it was read to its end. A stream cut off (or one whose final
        usage event never came) counts at least one output token per event that arrived; `self.complete` says
        which it was."""
        if self._sse is not None:
            self._sse.close()
            for name, count in self._sse.names.items():
                if name.endswith(CALL_COMPLETED):  # `response.web_search_call.completed`
                    kind = name.decode("utf-8", "replace").rsplit(".", 2)[-2]
                    self._calls_by_event[kind] = self._calls_by_event.get(kind, 0) + count
        elif self._document is not None:
            for document in self._document.documents():
                self._take(document)
        usage = to_usage(self.wire, self._raw)
        self.complete = complete and self._final_seen
        if not self.complete and self._raw and self.events > usage.output_tokens:  # it began: it was billed
            usage = Usage(usage.input_tokens, self.events, usage.cache_read_tokens, usage.cache_write_tokens)
        fees = self._fees()
        if not (usage.input_tokens or usage.output_tokens or usage.cache_read_tokens or usage.cache_write_tokens):
            # Nothing was charged (an error, a refusal): free whatever the model, so never "unpriced".
            return Metered(Usage(cost_usd=fees.usd, cost_is_estimate=True), self._model, fees)
        priced = pricing.with_estimated_cost(usage, self._model)
        extra = fees.usd + self._long_cache_writes_usd()
        return Metered(Usage(**{**priced.__dict__, "cost_usd": priced.cost_usd + extra}), self._model, fees)

    def _long_cache_writes_usd(self) -> float:
        """Anthropic's 1-hour cache writes cost 2x input, not the 1.25x of the 5-minute writes the price table
        charges every cache write at (https://docs.claude.com/en/docs/build-with-claude/prompt-caching)."""
        if self.wire is not WireFormat.ANTHROPIC:
            return 0.0
        long_writes = _int(self._raw, "cache_creation", "ephemeral_1h_input_tokens")
        _, price = pricing.price_for(self._model)
        return long_writes * (LONG_CACHE_WRITE_FACTOR * price.input - price.cache_write) / pricing.PER_MILLION

    def _fees(self) -> ToolFees:
        if self.wire is WireFormat.ANTHROPIC:
            return server_tools.anthropic_fees(self._raw)
        if self.wire is WireFormat.RESPONSES:
            kinds = set(self._calls) | set(self._calls_by_event)
            counts = {kind: max(self._calls.get(kind, 0), self._calls_by_event.get(kind, 0)) for kind in kinds}
            return server_tools.openai_fees({k: v for k, v in counts.items() if k not in CLIENT_CALL_ITEMS})
        if self.wire is WireFormat.GEMINI:
            return server_tools.gemini_fees(self._grounding_queries, self._model)
        return NO_FEES

    def _take(self, document: dict[str, Any]) -> None:
        if document.get("type") in FINAL_EVENTS:
            self._final_seen = True
        # Anthropic nests under `message` (message_start), OpenAI Responses under `response`.
        for holder in (document, document.get("message"), document.get("response")):
            if not isinstance(holder, dict):
                continue
            model = holder.get("model") or holder.get("modelVersion")
            if isinstance(model, str) and model:
                self._model = model
            for key in USAGE_KEYS:
                usage = holder.get(key)
                if isinstance(usage, dict):
                    self._raw.update(usage)
            output = holder.get("output")
            if isinstance(output, list):  # a whole Responses answer: its server-tool items
                calls: dict[str, int] = {}
                for item in output:
                    kind = item.get("type") if isinstance(item, dict) else None
                    if isinstance(kind, str) and kind.endswith(CALL_SUFFIX):
                        calls[kind] = calls.get(kind, 0) + 1
                for kind, count in calls.items():
                    self._calls[kind] = max(self._calls.get(kind, 0), count)
        for candidate in document.get("candidates") or [] if isinstance(document.get("candidates"), list) else []:
            grounding = candidate.get("groundingMetadata") if isinstance(candidate, dict) else None
            queries = grounding.get("webSearchQueries") if isinstance(grounding, dict) else None
            if isinstance(queries, list):  # repeated in later chunks: the largest list counts
                self._grounding_queries = max(self._grounding_queries, len(queries))


class _Broken:
    """A compressed body that turned out corrupt: the rest of it is not read."""

    unconsumed_tail = b""

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        return b""


_BROKEN: Any = _Broken()


def _decompressor(encoding: str | None) -> Any:
    name = (encoding or "identity").strip().lower()
    if name in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if name == "deflate":
        return zlib.decompressobj()
    if name == "identity":
        return None
    return _BROKEN  # br, zstd...: not readable with the standard library, so not metered


def _int(raw: Any, *path: str) -> int:
    value = raw
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def to_usage(wire: WireFormat, raw: dict[str, Any]) -> Usage:
    """A provider's usage object in our terms: input excludes cache reads, output includes reasoning."""
    if wire is WireFormat.ANTHROPIC:
        return Usage(
            input_tokens=_int(raw, "input_tokens"),
            output_tokens=_int(raw, "output_tokens"),
            cache_read_tokens=_int(raw, "cache_read_input_tokens"),
            cache_write_tokens=_int(raw, "cache_creation_input_tokens"),
        )
    if wire is WireFormat.RESPONSES:
        cached = _int(raw, "input_tokens_details", "cached_tokens")
        return Usage(
            input_tokens=max(0, _int(raw, "input_tokens") - cached),
            output_tokens=_int(raw, "output_tokens"),
            cache_read_tokens=cached,
            reasoning_tokens=_int(raw, "output_tokens_details", "reasoning_tokens"),
        )
    if wire is WireFormat.CHAT:
        cached = _int(raw, "prompt_tokens_details", "cached_tokens")
        return Usage(
            input_tokens=max(0, _int(raw, "prompt_tokens") - cached),
            output_tokens=_int(raw, "completion_tokens"),
            cache_read_tokens=cached,
            reasoning_tokens=_int(raw, "completion_tokens_details", "reasoning_tokens"),
        )
    cached = _int(raw, "cachedContentTokenCount")
    thoughts = _int(raw, "thoughtsTokenCount")
    # What grounding, code execution or URL context fed back to the model: billed as input, reported apart.
    tool_prompt = _int(raw, "toolUsePromptTokenCount")
    return Usage(
        input_tokens=max(0, _int(raw, "promptTokenCount") - cached) + tool_prompt,
        output_tokens=_int(raw, "candidatesTokenCount") + thoughts,
        cache_read_tokens=cached,
        reasoning_tokens=thoughts,
    )
