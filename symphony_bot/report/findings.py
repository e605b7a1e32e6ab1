"""A finding: one problem in one file, located precisely enough for a GitHub annotation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# What a key in a JSON path is never shown as: control characters, Unicode line separators and lone
# surrogates (a UTF-8 stream cannot carry them) are written as \uXXXX instead.
_UNPRINTABLE_IN_PATH = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: str  # stable, kebab-case; documented in the README
    message: str
    json_path: str = "$"
    line: int = 1
    column: int = 1
    hint: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape, keys in the documented order."""
        return {
            "severity": str(self.severity),
            "code": self.code,
            "json_path": self.json_path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }


def has_errors(findings: list[Finding]) -> bool:
    return any(finding.severity is Severity.ERROR for finding in findings)


def json_path(parts: tuple[str | int, ...]) -> str:
    """("repositories", 7, "category") -> "$.repositories[7].category"."""
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.isidentifier():
            text += f".{part}"
        else:
            escaped = part.replace("\\", "\\\\").replace("'", "\\'")
            escaped = _UNPRINTABLE_IN_PATH.sub(lambda match: f"\\u{ord(match.group()):04x}", escaped)
            text += f"['{escaped}']"
    return text
