"""Server-Sent Events read as they stream past, looking only where usage can be.

Anthropic and the OpenAI Responses API name every event (`event: message_delta`), and only a few kinds carry
usage or the model name; the content deltas that make up almost all of a long answer's bytes do not. So each
`data:` line is looked at only as far as its first bytes: the payload of an event whose name says it carries
nothing is never copied nor parsed, only counted (the count of content deltas is a floor for the output of an
answer cut off before its usage arrived). Unnamed events (Chat Completions, Gemini) are collected as before,
each in a `BoundedDocument`, so a 50 MB event costs no more memory than a small one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import Any

from symphony_bot.agents.metering.bounded import BoundedDocument

DATA = b"data:"
EVENT = b"event:"
NEXT_EVENT = b"\nevent:"
TAIL_BYTES = 256  # longer than any `event:` line worth reading
# Events counted by name while passed over: a server-side tool call completed (`response.web_search_call.completed`).
CALL_COMPLETED = b"_call.completed"
_CALL_COMPLETED = re.compile(rb"\nevent:[ \t]*([A-Za-z0-9_.]{1,100}_call\.completed)")
FIELD_HEAD_BYTES = len(EVENT)
MAX_EVENT_NAME_BYTES = 200
# What a line is, once its first bytes are in.
_UNDECIDED, _DATA, _SKIP, _NAME = range(4)


class SseScanner:
    """Splits an event stream into events; `on_document` gets the JSON objects of the events worth parsing
    (`parsed`: event names, None for every event); the others are counted (`events`, `names`)."""

    def __init__(self, on_document: Callable[[dict[str, Any]], None], parsed: Collection[str] | None = None) -> None:
        self._on_document = on_document
        self._parsed = parsed
        # The `event:` line of an event worth reading, whole (its end of line included).
        self._worth = (
            None
            if parsed is None
            else re.compile(rb"\nevent:[ \t]*(?:" + b"|".join(re.escape(n.encode()) for n in parsed) + rb")[ \t]*\r?\n")
        )
        self.events = 0  # every event that arrived
        self.names: dict[bytes, int] = {}  # named events that were not parsed, by name
        self._head = bytearray()  # the first bytes of the current line, until we know what it is
        self._mode = _UNDECIDED
        self._name: str | None = None  # the current event's name, once its `event:` line is in
        self._name_bytes = bytearray()
        self._wanted = True  # whether the current event's data is collected
        self._at_payload_start = False
        self._event: BoundedDocument | None = None
        self._seen_field = False  # the current event has at least one field (a blank line then ends it)
        # Inside an event whose name says it carries nothing: everything up to the next `event:` line is
        # passed over with one search, never line by line (a long answer is mostly such events).
        self._passing = False
        self._passed_tail = b""  # the end of the previous piece, looked at with the next one
        self._common: bytes | None = None  # the whole `event:` line of the stream's most common event

    def feed(self, data: bytes) -> None:
        start, size = 0, len(data)
        find = data.find
        while start < size:
            if self._passing:
                start = self._pass(data, start)
                if start < 0:
                    return
            end = find(b"\n", start)
            if end < 0:
                self._piece(data, start, size)
                return
            if end > start:
                self._piece(data, start, end)
            self._end_of_line()
            start = end + 1

    def _pass(self, data: bytes, start: int) -> int:
        """Pass over events that carry nothing, counting them; where to go on reading `data` once an event worth
        reading begins (its `event:` line), or -1 when none begins in this piece.

        The last TAIL_BYTES of each piece wait for the next (`_passed_tail`), so every `event:` line is looked at
        whole, in one window. Most pieces hold nothing but the stream's most common event (the content deltas):
        two counts at C speed tell so (all `event:` lines, and that event's whole line), and only a piece with
        anything else in it is searched for the events worth reading."""
        tail = self._passed_tail
        window = tail + data[start:] if tail else (data if start == 0 else data[start:])
        limit = len(window) - TAIL_BYTES
        if limit <= 0:
            self._passed_tail = window
            return -1
        found = self._pass_window(window, limit)
        if found < 0:
            self._passed_tail = window[limit:]
            return -1
        self._passed_tail = b""
        self._passing = False
        if found < len(tail):  # the event worth reading began in the previous piece: its first bytes, then on
            self.feed(tail[found:])
            return start
        return start + found - len(tail)

    def _pass_window(self, window: bytes, limit: int) -> int:
        """Count the events whose `event:` line begins before `limit`; the index just after the newline that
        begins the first one worth reading, or -1."""
        count = window.count
        lines = count(NEXT_EVENT, 0, limit + len(NEXT_EVENT) - 1)
        common = self._common
        if common is not None and count(common, 0, limit + len(common) - 1) == lines:
            self.events += lines  # nothing but the common event: nothing worth reading, no tool call
            return -1
        worth = self._worth
        assert worth is not None
        match = worth.search(window)
        end = limit if match is None or match.start() >= limit else match.start()
        self.events += count(NEXT_EVENT, 0, end + len(NEXT_EVENT) - 1) if end < limit else lines
        if window.find(CALL_COMPLETED, 0, end + TAIL_BYTES) >= 0:  # rare: only then the (slower) pattern is run
            names = self.names
            for call in _CALL_COMPLETED.finditer(window):
                if call.start() < end:
                    names[call.group(1)] = names.get(call.group(1), 0) + 1
        if end < limit:
            return end + 1
        self._learn_common(window, limit)
        return -1

    def _learn_common(self, window: bytes, limit: int) -> None:
        """The last `event:` line before `limit` (of an event not worth reading) becomes the common one."""
        begin = window.rfind(NEXT_EVENT, 0, limit)
        newline = window.find(b"\n", begin + 1, begin + MAX_EVENT_NAME_BYTES) if begin >= 0 else -1
        if newline > 0:
            line = window[begin : newline + 1]
            if CALL_COMPLETED not in line:
                self._common = line

    def close(self) -> None:
        if self._passing and self._passed_tail:
            tail, self._passed_tail = self._passed_tail, b""
            found = self._pass_window(tail, len(tail))
            if found >= 0:
                self._passing = False
                self.feed(tail[found:])
        if self._head or self._mode != _UNDECIDED:
            self._end_of_line()
        self._dispatch()

    def _piece(self, data: bytes, start: int, end: int) -> None:
        mode = self._mode
        if mode == _SKIP:
            return
        if mode == _UNDECIDED:
            take = min(end, start + FIELD_HEAD_BYTES - len(self._head))
            self._head += data[start:take]
            start = take
            if not self._decide():
                return
            mode = self._mode
            if mode == _SKIP:
                return
        if start >= end:
            return
        if mode == _NAME:
            if len(self._name_bytes) < MAX_EVENT_NAME_BYTES:
                self._name_bytes += data[start : min(end, start + MAX_EVENT_NAME_BYTES)]
            return
        piece = data[start:end]
        if self._at_payload_start:
            self._at_payload_start = False
            if piece[:1] == b" ":
                piece = piece[1:]
        self._document().add(piece)

    def _decide(self) -> bool:
        """Classify the current line from its head; False while too few bytes are in to tell."""
        head = self._head
        if head.startswith(DATA):
            self._seen_field = True
            if not self._wanted:
                self._mode = _SKIP
                return True
            self._mode = _DATA
            self._at_payload_start = True
            document = self._document()
            if document.size:
                document.add(b"\n")  # several data lines of one event join with a newline
            rest = bytes(head[len(DATA) :])
            if rest:
                self._at_payload_start = False
                document.add(rest[1:] if rest[:1] == b" " else rest)
            return True
        if head.startswith(EVENT):
            self._seen_field = True
            self._mode = _NAME
            self._name_bytes = bytearray(head[len(EVENT) :])
            return True
        if head == b"\r" or (len(head) < FIELD_HEAD_BYTES and (DATA.startswith(head) or EVENT.startswith(head))):
            return False  # a blank line's CR, or the start of a field name
        self._mode = _SKIP  # id:, retry:, comments: nothing the meter needs
        return True

    def _end_of_line(self) -> None:
        mode = self._mode
        if mode == _UNDECIDED:
            line = bytes(self._head).rstrip(b"\r")
            if not line:
                self._dispatch()  # a blank line ends the event
            elif line.startswith(DATA):  # `data:` with nothing after it: an empty payload line
                self._decide()
        elif mode == _NAME:
            self._name = self._name_bytes.decode("utf-8", "replace").strip()
            self._wanted = self._parsed is None or not self._name or self._name in self._parsed
            if not self._wanted and self._event is None:
                self._dispatch()  # counted now; its data lines are passed over
                self._passing = True
        self._head.clear()
        self._mode = _UNDECIDED
        self._at_payload_start = False

    def _document(self) -> BoundedDocument:
        if self._event is None:
            self._event = BoundedDocument()
        return self._event

    def _dispatch(self) -> None:
        event, self._event = self._event, None
        name, self._name = self._name, None
        had_fields, self._seen_field = self._seen_field, False
        self._wanted = True
        if had_fields:
            self.events += 1
            if name and self._parsed is not None and name not in self._parsed:
                key = name.encode()
                self.names[key] = self.names.get(key, 0) + 1
        if event is None or not event.size or (self._parsed is not None and name and name not in self._parsed):
            return
        for document in event.documents():
            self._on_document(document)
