"""Engine events, named and shaped as Maestro's (`maestro-cli --json`), plus a few fields it lacks.

Every event is a dict with `type` and `timestamp` (ms since the epoch); `--json` prints one per line.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

START = "start"
DOCUMENT_START = "document_start"
TASK_PREVIEW = "task_preview"
TASK_START = "task_start"
TASK_COMPLETE = "task_complete"
DOCUMENT_COMPLETE = "document_complete"
LOOP_COMPLETE = "loop_complete"
HALT = "halt"
COMPLETE = "complete"
ERROR = "error"

# error codes
NO_TASKS = "NO_TASKS"
HALT_MARKER_PRESENT = "HALT_MARKER_PRESENT"
DOCUMENT_UNREADABLE = "DOCUMENT_UNREADABLE"
# A document (or its runs/ folder) that failed the checks after the start: that document stops, the run goes on.
DOCUMENT_REFUSED = "DOCUMENT_REFUSED"
AGENT_NOT_FOUND = "AGENT_NOT_FOUND"
AGENT_RATE_LIMITED = "AGENT_RATE_LIMITED"
AGENT_UNREACHABLE = "AGENT_UNREACHABLE"  # the model API cannot be reached
AGENT_AUTH = "AGENT_AUTH"  # the model API refused the key
AGENT_PRICE_UNKNOWN = "AGENT_PRICE_UNKNOWN"  # a cost budget with a model whose price is unknown

Event = dict[str, Any]
Listener = Callable[[Event], None]


def now_ms() -> int:
    return int(time.time() * 1000)


def make_event(kind: str, timestamp: int | None = None, **fields: Any) -> Event:
    """`{"type": kind, "timestamp": ms, **fields}`; `timestamp` defaults to now."""
    return {"type": kind, "timestamp": now_ms() if timestamp is None else timestamp, **fields}


def to_json_line(event: Event) -> str:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))
