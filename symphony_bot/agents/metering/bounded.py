"""One JSON document kept in bounded memory: whole when small, else its head and tail only.

A document larger than its windows (an OpenAI `response.completed` echoes the whole answer) keeps its head and
tail, and the usage object is read from the tail — every provider writes `usage` / `usageMetadata` after the
content it counts.
"""

from __future__ import annotations

import json
import re
from typing import Any

HEAD_BYTES = 64 * 1024
TAIL_BYTES = 256 * 1024
USAGE_MARK = b'"usage'  # begins both keys
_USAGE_KEY = re.compile(rb'"(?:usage|usageMetadata)"\s*:\s*\{')
_TYPE_KEY = re.compile(rb'^\s*\{\s*"type"\s*:\s*"([^"\\]{1,100})"')  # an event's own type, its first key
_MODEL_KEY = re.compile(rb'"(?:model|modelVersion)"\s*:\s*"([^"\\]{1,200})"')


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
        kind = _TYPE_KEY.search(self._head)
        if kind:
            partial["type"] = kind.group(1).decode("utf-8", "replace")
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
