"""Reading a JSON file the way a reviewer needs it: every problem with its line and column.

The standard parser answers "is it valid?" and silently keeps the last of two duplicate keys. This module
decodes the bytes itself (BOM, invalid UTF-8, size cap), reports duplicate keys, and maps any JSON path back
to its line and column with a single linear pass over the text — run only when there is something to locate,
so a clean file pays nothing for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from symphony_bot.report.findings import Finding, Severity, json_path

# A registry of 10,000 projects is about 6 MB; anything past this is not a registry and is refused unread.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
UTF8_BOM = b"\xef\xbb\xbf"

CODE_TOO_LARGE = "too-large"
CODE_NOT_UTF8 = "not-utf8"
CODE_BOM = "bom"
CODE_INVALID_JSON = "invalid-json"
CODE_DUPLICATE_KEY = "duplicate-key"
CODE_NUMBER_TOO_LONG = "number-too-long"
CODE_LONE_SURROGATE = "lone-surrogate"

# Python refuses to convert longer digit strings to int (CVE-2020-10735); such a number is no registry value.
MAX_INTEGER_DIGITS = 4300
# A \uD800-\uDFFF escape: the only way a decoded string can hold a surrogate (the text itself is UTF-8).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")

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

    def locate(self, paths: Iterable[PathParts]) -> dict[PathParts, Position]:
        return locate(self.text, paths)


@dataclass(frozen=True)
class _Unrepresentable:
    """Stands in for a value Python's json module accepts but JSON (RFC 8259) or our output cannot carry."""

    code: str
    message: str
    hint: str


def read_json_file(path: Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> JsonDocument:
    """Read and parse `path`, never holding more than `max_bytes` + 1 bytes. OSError (missing, unreadable, a
    directory) is left to the caller: that is a usage problem, not a finding about the file's content."""
    size = path.stat().st_size
    if size > max_bytes:  # a regular file says its size: refuse it unread
        return too_large_document(size, max_bytes)
    with path.open("rb") as handle:  # a pipe or device says 0 and may never end: read at most the cap
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        return too_large_document(None, max_bytes)
    return parse_json_bytes(raw)


def too_large_document(size: int | None, max_bytes: int = MAX_DOCUMENT_BYTES) -> JsonDocument:
    what = f"the file is {size:,} bytes" if size is not None else f"the input goes on past {max_bytes:,} bytes"
    return JsonDocument(
        text="",
        data=None,
        findings=[
            Finding(
                Severity.ERROR,
                CODE_TOO_LARGE,
                f"{what}; files over {max_bytes:,} bytes are refused unread",
                hint="a registry this large is almost certainly not the intended file",
            )
        ],
    )


def parse_json_bytes(raw: bytes) -> JsonDocument:
    findings: list[Finding] = []
    bom_length = 0
    if raw.startswith(UTF8_BOM):
        bom_length = len(UTF8_BOM)
        raw = raw[bom_length:]
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
                f"byte 0x{raw[error.start]:02x} at offset {error.start + bom_length} is not valid UTF-8",
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

    saw_unrepresentable = False

    def parse_constant(name: str) -> _Unrepresentable:
        nonlocal saw_unrepresentable
        saw_unrepresentable = True
        return _Unrepresentable(
            CODE_INVALID_JSON, f"invalid JSON: {name} is not a JSON number", "write a number, or a string"
        )

    def parse_int(digits: str) -> int | _Unrepresentable:
        nonlocal saw_unrepresentable
        if len(digits) <= MAX_INTEGER_DIGITS:
            return int(digits)
        saw_unrepresentable = True
        return _Unrepresentable(
            CODE_NUMBER_TOO_LONG,
            f"a number with {len(digits):,} digits is longer than the {MAX_INTEGER_DIGITS:,} digits accepted",
            "no registry field holds such a number; check what was pasted here",
        )

    try:
        data = json.loads(text, object_pairs_hook=keep_pairs, parse_constant=parse_constant, parse_int=parse_int)
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

    unusable = _unrepresentable_values(data) if saw_unrepresentable or _SURROGATE_ESCAPE.search(text) else []
    if unusable:
        positions = locate(text, [parts for parts, _ in unusable])
        placed = []
        for parts, problem in unusable:
            position = nearest_located(parts, positions)
            placed.append(
                Finding(
                    Severity.ERROR,
                    problem.code,
                    problem.message,
                    json_path=json_path(parts),
                    line=position.line,
                    column=position.column,
                    hint=problem.hint,
                )
            )
        findings += sorted(placed, key=lambda finding: (finding.line, finding.column))
        data = None  # these values cannot be validated or printed safely

    document = JsonDocument(text=text, data=data, findings=findings)
    if saw_duplicate:
        for parts, position in find_duplicate_keys(text):
            findings.append(
                Finding(
                    Severity.ERROR,
                    CODE_DUPLICATE_KEY,
                    f"key {_quoted_key(parts[-1])} appears more than once in this object; JSON readers keep only "
                    "the last",
                    json_path=json_path(parts),
                    line=position.line,
                    column=position.column,
                    hint="remove one of the two entries",
                )
            )
    return document


def _quoted_key(key: str | int) -> str:
    """A key as JSON writes it (control characters escaped), lone surrogates too: they cannot be printed."""
    quoted = json.dumps(key, ensure_ascii=False)
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", quoted)


_LONE_SURROGATE = _Unrepresentable(
    CODE_LONE_SURROGATE,
    "a \\u escape here encodes half of a UTF-16 surrogate pair, which is not a character",
    "write the character itself, or both halves of the pair (e.g. \\ud83d\\ude00)",
)


def _unrepresentable_values(data: Any) -> list[tuple[PathParts, _Unrepresentable]]:
    """Where `data` holds a NaN, an over-long number or a lone surrogate (in a value or a key). Iterative, so
    nesting depth cannot exhaust the stack; only called when parsing saw such a value or an escape that may be."""
    found: list[tuple[PathParts, _Unrepresentable]] = []
    pending: list[tuple[PathParts, Any]] = [((), data)]
    while pending:
        parts, value = pending.pop()
        if isinstance(value, _Unrepresentable):
            found.append((parts, value))
        elif isinstance(value, str):
            if _SURROGATE.search(value):
                found.append((parts, _LONE_SURROGATE))
        elif isinstance(value, dict):
            for key, child in value.items():
                if _SURROGATE.search(key):
                    found.append((parts, _LONE_SURROGATE))  # the key itself cannot be printed: point at its object
                else:
                    pending.append(((*parts, key), child))
        elif isinstance(value, list):
            pending.extend(((*parts, index), child) for index, child in enumerate(value))
    return found


def _position_of_byte(raw: bytes, offset: int) -> Position:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1
    return Position(raw.count(b"\n", 0, offset) + 1, column)


# Strings (with escapes, as an unrolled loop), punctuation, and bare words (numbers, true/false/null). No
# nested quantifiers over the same characters, so matching is linear.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.DOTALL)
# Skips a subtree no wanted path goes into, at C speed. The values are thrown away: `len` stands in for int()
# so a 5,000-digit number (refused elsewhere) cannot trip Python's int conversion limit here.
_SKIPPER = json.JSONDecoder(parse_int=len)


def _positions(text: str, offsets: Iterable[int]) -> dict[int, Position]:
    """Line and column of each offset, counting newlines between sorted offsets (one pass, in C)."""
    positions: dict[int, Position] = {}
    line, line_start, previous = 1, 0, 0
    for offset in sorted(set(offsets)):
        newlines = text.count("\n", previous, offset)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", previous, offset) + 1
        positions[offset] = Position(line, offset - line_start + 1)
        previous = offset
    return positions


def _walk(text: str, descend_into: set[PathParts] | None = None) -> Iterable[tuple[str, PathParts, int, bool]]:
    """Yield (event, path, offset, duplicate) for every key ("key") and value start ("value"). With
    `descend_into`, an object or array whose path is not in it is skipped whole."""
    # Each frame: [is_object, key_or_index, expecting_key, keys_seen]
    stack: list[list[Any]] = []

    def path() -> PathParts:
        return tuple(frame[1] for frame in stack)

    position = 0
    while (match := _TOKEN.search(text, position)) is not None:
        lexeme = match.group()
        position = match.end()
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
        parts = path()
        yield "value", parts, match.start(), False
        if lexeme in "{[" and descend_into is not None and parts not in descend_into:
            try:
                position = _SKIPPER.raw_decode(text, match.start())[1]
                continue
            except (ValueError, RecursionError):
                pass  # not skippable after all (text the parser rejected): walk through it token by token
        if lexeme == "{":
            stack.append([True, None, True, set()])
        elif lexeme == "[":
            stack.append([False, 0, False, None])


def locate(text: str, paths: Iterable[PathParts]) -> dict[PathParts, Position]:
    """Line and column of each wanted path: the key for object members, else the value. Only the objects and
    arrays on the way to a wanted path are walked; everything else is skipped by the C parser."""
    wanted = set(paths)
    if not wanted:
        return {}
    on_the_way = {parts[:length] for parts in wanted for length in range(len(parts))}
    offsets: dict[PathParts, int] = {}
    for event, parts, offset, _ in _walk(text, on_the_way):
        # A member is best pointed at by its key; an array element or the root by its value.
        pointable = event == "key" or not parts or isinstance(parts[-1], int)
        if pointable and parts in wanted and parts not in offsets:
            offsets[parts] = offset
            if len(offsets) == len(wanted):
                break
    positions = _positions(text, offsets.values())
    return {parts: positions[offset] for parts, offset in offsets.items()}


def find_duplicate_keys(text: str) -> list[tuple[PathParts, Position]]:
    duplicates = [(parts, offset) for event, parts, offset, duplicate in _walk(text) if event == "key" and duplicate]
    positions = _positions(text, (offset for _, offset in duplicates))
    return [(parts, positions[offset]) for parts, offset in duplicates]


def path_deeper_than(data: Any, depth: int) -> PathParts | None:
    """The first path more than `depth` containers deep (iterative: any nesting depth is safe to inspect)."""
    pending: list[tuple[PathParts, Any]] = [((), data)]
    while pending:
        parts, value = pending.pop()
        if isinstance(value, dict | list) and len(parts) > depth:
            return parts
        # reversed: the stack then yields children in document order
        if isinstance(value, dict):
            pending.extend(((*parts, key), child) for key, child in reversed(value.items()))
        elif isinstance(value, list):
            pending.extend(((*parts, index), child) for index, child in reversed(list(enumerate(value))))
    return None


def nearest_located(parts: PathParts, located: dict[PathParts, Position]) -> Position:
    """The position of `parts`, else of its closest located ancestor, else the top of the file."""
    for length in range(len(parts), -1, -1):
        if parts[:length] in located:
            return located[parts[:length]]
    return Position(1, 1)


def ancestors(parts: PathParts) -> list[PathParts]:
    return [parts[:length] for length in range(len(parts), -1, -1)]
