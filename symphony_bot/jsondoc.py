"""Reading a JSON file the way a reviewer needs it: every problem with its line and column.

The standard parser answers "is it valid?" and silently keeps the last of two duplicate keys. This module
decodes the bytes itself (BOM, invalid UTF-8, size cap), reports duplicate keys, and maps any JSON path back
to its line and column with a single linear pass over the text — run only when there is something to locate,
so a clean file pays nothing for it.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from symphony_bot.findings import Finding, Severity, json_path

# A registry of 10,000 projects is about 6 MB; anything past this is not a registry and is refused unread.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
UTF8_BOM = b"\xef\xbb\xbf"

CODE_TOO_LARGE = "too-large"
CODE_NOT_UTF8 = "not-utf8"
CODE_BOM = "bom"
CODE_INVALID_JSON = "invalid-json"
CODE_DUPLICATE_KEY = "duplicate-key"

PathParts = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based, in characters


@dataclass
class JsonDocument:
    """A parsed JSON file. `data` is None when the file could not be parsed (see `findings`)."""

    text: str
    data: Any
    findings: list[Finding] = field(default_factory=list)
    _duplicate_keys_seen: bool = False

    def locate(self, paths: Iterable[PathParts]) -> dict[PathParts, Position]:
        return locate(self.text, paths)


class _DuplicateKeySeen(dict[str, Any]):
    """Marker type: an object in which some key appeared twice."""


def read_json_file(path: Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> JsonDocument:
    """Read and parse `path`. OSError (missing, unreadable, a directory) is left to the caller: that is a
    usage problem, not a finding about the file's content."""
    size = path.stat().st_size
    if size > max_bytes:
        return JsonDocument(
            text="",
            data=None,
            findings=[
                Finding(
                    Severity.ERROR,
                    CODE_TOO_LARGE,
                    f"the file is {size:,} bytes; files over {max_bytes:,} bytes are refused unread",
                    hint="a registry this large is almost certainly not the intended file",
                )
            ],
        )
    return parse_json_bytes(path.read_bytes())


def parse_json_bytes(raw: bytes) -> JsonDocument:
    findings: list[Finding] = []
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM) :]
        findings.append(
            Finding(
                Severity.WARNING,
                CODE_BOM,
                "the file starts with a UTF-8 byte order mark",
                hint="save the file as UTF-8 without BOM; some JSON readers reject it",
            )
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        position = _position_of_byte(raw, error.start)
        findings.append(
            Finding(
                Severity.ERROR,
                CODE_NOT_UTF8,
                f"byte 0x{raw[error.start]:02x} at offset {error.start} is not valid UTF-8",
                line=position.line,
                column=position.column,
                hint="save the file as UTF-8",
            )
        )
        return JsonDocument(text="", data=None, findings=findings)

    saw_duplicate = False

    def keep_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal saw_duplicate
        obj = dict(pairs)
        if len(obj) != len(pairs):
            saw_duplicate = True
        return obj

    try:
        data = json.loads(text, object_pairs_hook=keep_pairs)
    except json.JSONDecodeError as error:
        findings.append(
            Finding(
                Severity.ERROR,
                CODE_INVALID_JSON,
                f"invalid JSON: {error.msg}",
                line=error.lineno,
                column=error.colno,
                hint="fix the syntax at this position (a missing comma or quote is the usual cause)",
            )
        )
        return JsonDocument(text=text, data=None, findings=findings)
    except RecursionError:
        findings.append(Finding(Severity.ERROR, CODE_INVALID_JSON, "invalid JSON: nesting is too deep"))
        return JsonDocument(text=text, data=None, findings=findings)

    document = JsonDocument(text=text, data=data, findings=findings)
    if saw_duplicate:
        for parts, position in find_duplicate_keys(text):
            findings.append(
                Finding(
                    Severity.ERROR,
                    CODE_DUPLICATE_KEY,
                    f'key "{parts[-1]}" appears more than once in this object; JSON readers keep only the last',
                    json_path=json_path(parts),
                    line=position.line,
                    column=position.column,
                    hint="remove one of the two entries",
                )
            )
    return document


def _position_of_byte(raw: bytes, offset: int) -> Position:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1
    return Position(raw.count(b"\n", 0, offset) + 1, column)


# Strings (with escapes), punctuation, and bare words (numbers, true/false/null). Each alternative is a
# single character class repetition: no nested quantifiers, so matching is linear.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.DOTALL)


class _Lines:
    def __init__(self, text: str) -> None:
        self._starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def position(self, offset: int) -> Position:
        index = bisect.bisect_right(self._starts, offset) - 1
        return Position(index + 1, offset - self._starts[index] + 1)


def _walk(text: str) -> Iterable[tuple[str, PathParts, int, bool]]:
    """Yield (event, path, offset, duplicate) for every key ("key") and value start ("value")."""
    # Each frame: [is_object, key_or_index, expecting_key, keys_seen]
    stack: list[list[Any]] = []

    def path() -> PathParts:
        return tuple(frame[1] for frame in stack)

    for match in _TOKEN.finditer(text):
        lexeme = match.group()
        top = stack[-1] if stack else None
        if lexeme in ",:":
            if lexeme == "," and top is not None:
                if top[0]:
                    top[2] = True
                else:
                    top[1] += 1
            continue
        if lexeme in "}]":
            if stack:
                stack.pop()
            continue
        if top is not None and top[0] and top[2]:
            key = json.loads(lexeme) if lexeme.startswith('"') else lexeme
            duplicate = key in top[3]
            top[3].add(key)
            top[1] = key
            top[2] = False
            yield "key", path(), match.start(), duplicate
            continue
        yield "value", path(), match.start(), False
        if lexeme == "{":
            stack.append([True, None, True, set()])
        elif lexeme == "[":
            stack.append([False, 0, False, None])


def locate(text: str, paths: Iterable[PathParts]) -> dict[PathParts, Position]:
    """Line and column of each wanted path: the key for object members, else the value."""
    wanted = set(paths)
    found: dict[PathParts, Position] = {}
    if not wanted:
        return found
    lines = _Lines(text)
    for event, parts, offset, _ in _walk(text):
        # A member is best pointed at by its key; an array element or the root by its value.
        pointable = event == "key" or not parts or isinstance(parts[-1], int)
        if pointable and parts in wanted and parts not in found:
            found[parts] = lines.position(offset)
            if len(found) == len(wanted):
                break
    return found


def find_duplicate_keys(text: str) -> list[tuple[PathParts, Position]]:
    lines = _Lines(text)
    return [
        (parts, lines.position(offset))
        for event, parts, offset, duplicate in _walk(text)
        if event == "key" and duplicate
    ]


def nearest_located(parts: PathParts, located: dict[PathParts, Position]) -> Position:
    """The position of `parts`, else of its closest located ancestor, else the top of the file."""
    for length in range(len(parts), -1, -1):
        if parts[:length] in located:
            return located[parts[:length]]
    return Position(1, 1)


def ancestors(parts: PathParts) -> list[PathParts]:
    return [parts[:length] for length in range(len(parts), -1, -1)]
