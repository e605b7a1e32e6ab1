"""Reading a provider's own usage figures out of a response as it streams past, in bounded memory.

A response is either Server-Sent Events (each `data:` payload a JSON document) or one JSON document (a JSON
array for Gemini's `streamGenerateContent` without `alt=sse`). Every document is collected by a
`BoundedDocument`: small ones are parsed whole; one larger than its window (an OpenAI `response.completed`
echoes the whole answer) keeps only its head and tail, and the usage object is read from the tail — every
provider writes `usage` / `usageMetadata` after the content it counts. Memory per response is therefore
bounded by the windows, whatever the size of the answer.

Usage objects are merged key by key in arrival order: Anthropic's `message_delta` updates the figures of
`message_start`, Gemini repeats running totals in every chunk, OpenAI sends one final object.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from symphony_bot.agents import pricing
from symphony_bot.agents.base import Usage

HEAD_BYTES = 64 * 1024
INFLATE_PIECE_BYTES = 256 * 1024
TAIL_BYTES = 256 * 1024
USAGE_KEYS = ("usage", "usageMetadata")
USAGE_MARK = b'"usage'  # begins both keys
_USAGE_KEY = re.compile(rb'"(?:usage|usageMetadata)"\s*:\s*\{')
_MODEL_KEY = re.compile(rb'"(?:model|modelVersion)"\s*:\s*"([^"\\]{1,200})"')


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


class BoundedDocument:
    """The bytes of one JSON document, kept whole up to HEAD_BYTES + TAIL_BYTES, else head and tail only."""

    def __init__(self) -> None:
        self._head = bytearray()
        self._tail = bytearray()
        self.size = 0

    def add(self, data: bytes) -> None:
        self.size += len(data)
        room = HEAD_BYTES - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if data:
            self._tail += data
            if len(self._tail) > TAIL_BYTES:
                del self._tail[: len(self._tail) - TAIL_BYTES]

    @property
    def truncated(self) -> bool:
        return self.size > len(self._head) + len(self._tail)

    def documents(self) -> list[dict[str, Any]]:
        """The JSON objects this holds (the elements of an array), or, when truncated, one object with the
        last usage object of the tail and the first model name of the head."""
        if not self.truncated:
            whole = bytes(self._head + self._tail)
            if USAGE_MARK not in whole:
                return []  # every document the meter needs carries a usage object: the rest is not parsed
            try:
                value = json.loads(whole)
            except ValueError:
                return []
            items = value if isinstance(value, list) else [value]
            return [item for item in items if isinstance(item, dict)]
        partial: dict[str, Any] = {}
        model = _MODEL_KEY.search(self._head) or _last(_MODEL_KEY, self._tail)
        if model:
            partial["model"] = model.group(1).decode("utf-8", "replace")
        usage = _last_usage(bytes(self._tail))
        if usage is not None:
            partial["usage"] = usage
        return [partial]


def _last(pattern: re.Pattern[bytes], data: bytes | bytearray) -> re.Match[bytes] | None:
    matches = list(pattern.finditer(data))
    return matches[-1] if matches else None


def _last_usage(tail: bytes) -> dict[str, Any] | None:
    decoder = json.JSONDecoder()
    for match in reversed(list(_USAGE_KEY.finditer(tail))):
        try:
            value, _ = decoder.raw_decode(tail.decode("utf-8", "replace"), _char_index(tail, match.end() - 1))
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def _char_index(data: bytes, byte_index: int) -> int:
    return len(data[:byte_index].decode("utf-8", "replace"))


class SseScanner:
    """Splits an event stream into `data:` payloads, each collected in a BoundedDocument as it arrives: no
    line or event is ever held whole, so a 50 MB event costs no more memory than a small one."""

    DATA = b"data:"

    def __init__(self, on_document: Callable[[dict[str, Any]], None]) -> None:
        self._on_document = on_document
        self._prefix = bytearray()  # the start of the current line, until we know what kind of line it is
        self._in_data = False  # the current line is a `data:` line whose payload goes to the event
        self._skipping = False  # the current line is a field we ignore (event:, id:, retry:, comments)
        self._at_payload_start = False
        self._event: BoundedDocument | None = None

    def feed(self, data: bytes) -> None:
        start = 0
        while (end := data.find(b"\n", start)) >= 0:
            self._piece(data[start:end])
            self._end_of_line()
            start = end + 1
        self._piece(data[start:])

    def close(self) -> None:
        if self._prefix or self._in_data:
            self._end_of_line()
        self._dispatch()

    def _piece(self, piece: bytes) -> None:
        if not piece or self._skipping:
            return
        if not self._in_data:
            self._prefix += piece
            if len(self._prefix) < len(self.DATA):
                return
            if not self._prefix.startswith(self.DATA):
                self._skipping = True
                self._prefix.clear()
                return
            piece = bytes(self._prefix[len(self.DATA) :])
            self._prefix.clear()
            self._start_data_line()
        if self._at_payload_start and piece:
            self._at_payload_start = False
            piece = piece[1:] if piece.startswith(b" ") else piece
        self._document().add(piece)

    def _start_data_line(self) -> None:
        self._in_data = True
        self._at_payload_start = True
        document = self._document()
        if document.size:
            document.add(b"\n")  # several data lines of one event join with a newline

    def _end_of_line(self) -> None:
        if not self._in_data and not self._skipping:
            line = bytes(self._prefix).rstrip(b"\r")
            self._prefix.clear()
            if not line:  # a blank line ends the event (shorter lines than "data:" are other fields)
                self._dispatch()
        self._in_data = self._skipping = self._at_payload_start = False

    def _document(self) -> BoundedDocument:
        if self._event is None:
            self._event = BoundedDocument()
        return self._event

    def _dispatch(self) -> None:
        event, self._event = self._event, None
        if event is None or not event.size:
            return
        for document in event.documents():
            self._on_document(document)


@dataclass(frozen=True)
class Metered:
    """What one response reported: the provider's figures in our terms, and the model that produced them."""

    usage: Usage
    model: str | None


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
        if streaming:
            self._sse = SseScanner(self._take)
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

    @property
    def usage_reported(self) -> bool:
        """Whether the response carried a usage object at all (after `finish`): one without cost an unknown amount."""
        return bool(self._raw)

    def finish(self) -> Metered:
        if self._sse is not None:
            self._sse.close()
        elif self._document is not None:
            for document in self._document.documents():
                self._take(document)
        usage = to_usage(self.wire, self._raw)
        if not (usage.input_tokens or usage.output_tokens or usage.cache_read_tokens or usage.cache_write_tokens):
            # Nothing was charged (an error, a refusal): free whatever the model, so never "unpriced".
            return Metered(Usage(cost_is_estimate=True), self._model)
        return Metered(pricing.with_estimated_cost(usage, self._model), self._model)

    def _take(self, document: dict[str, Any]) -> None:
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
    return Usage(
        input_tokens=max(0, _int(raw, "promptTokenCount") - cached),
        output_tokens=_int(raw, "candidatesTokenCount") + thoughts,
        cache_read_tokens=cached,
        reasoning_tokens=thoughts,
    )
