"""Reading agent CLIs' JSON Lines output, and recognising quota and plan-limit notices."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

# A quota refusal must never count as a finished task (Maestro's CLI treats it as success).
_LIMIT_NOTICE = re.compile(
    r"you\s*(?:'|’)?\s*ve\s+hit\s+your\s+(?:session|weekly|5[\s-]?hour|opus|usage)\s+limit"
    r"|usage\s+limit\s+reached|rate[\s_-]?limit(?:ed|\s+exceeded)?|\bquota\b|resource[\s_]?exhausted"
    r"|insufficient[\s_]quota|too\s+many\s+requests|\b429\b",
    re.IGNORECASE,
)


def records(stdout: str) -> Iterator[dict[str, Any]]:
    """Every JSON object printed one per line; other lines (warnings, banners) are skipped."""
    for raw in stdout.splitlines():
        line = raw.strip()
        if not line.startswith("{"):
            continue
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            yield value


# Claude Code answers a plan limit with an ordinary-looking result text; only this exact opening is read so.
_PLAN_LIMIT_RESULT = re.compile(
    r"^\s*(?:you\s*(?:'|’)?\s*ve\s+hit\s+your\s+(?:session|weekly|5[\s-]?hour|opus|usage)\s+limit\b"
    r"|claude\s+ai\s+usage\s+limit\s+reached\b)",
    re.IGNORECASE,
)


def is_plan_limit_result(text: str | None) -> bool:
    return bool(text) and len(text or "") <= 300 and _PLAN_LIMIT_RESULT.search(text or "") is not None


def is_limit_notice(text: str | None) -> bool:
    """For error texts only: does this failure mean "out of quota / rate limited"?"""
    return bool(text) and _LIMIT_NOTICE.search(text[:2000] if text else "") is not None


def as_int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0
