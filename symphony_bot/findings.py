"""A finding: one problem in one file, located precisely enough for a GitHub annotation."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


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
            text += f"['{escaped}']"
    return text
