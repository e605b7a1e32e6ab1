"""User values in registry findings: quoted so hostile text stays inert, dates read leniently (the schema
reports malformed ones), and findings placed on the line and column of the value they are about."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Any

from symphony_bot.registry.jsondoc import JsonDocument, PathParts, nearest_located
from symphony_bot.report.findings import Finding

# User values quoted in a message are cut to this many characters (a 5,000-character description is no help).
MAX_QUOTED_CHARS = 80


def quote(value: Any) -> str:
    """A user value as it would appear in JSON (control characters escaped, so hostile text stays inert), cut
    short when long."""
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, str | int | float | bool | None) else "…"
    return text if len(text) <= MAX_QUOTED_CHARS else text[: MAX_QUOTED_CHARS - 2] + '…"'


def shortened(message: str) -> str:
    return message if len(message) <= 4 * MAX_QUOTED_CHARS else message[: 4 * MAX_QUOTED_CHARS] + "…"


def with_positions(document: JsonDocument, located: list[tuple[PathParts, Finding]]) -> list[Finding]:
    if not located:
        return []
    wanted = {prefix for parts, _ in located for prefix in _prefixes(parts)}
    positions = document.locate(wanted)
    placed = []
    for parts, finding in located:
        position = nearest_located(parts, positions)
        placed.append(_replace_position(finding, position.line, position.column))
    return sorted(placed, key=lambda f: (f.line, f.column))


def _prefixes(parts: PathParts) -> list[PathParts]:
    return [parts[:length] for length in range(len(parts) + 1)]


def _replace_position(finding: Finding, line: int, column: int) -> Finding:
    return replace(finding, line=line, column=column)


def parse_date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def parse_datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
