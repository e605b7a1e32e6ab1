"""Engine events, named and shaped as Maestro's (`maestro-cli --json`), plus a few fields it lacks.

Every event is a dict with `type` and `timestamp` (ms since the epoch); `--json` prints one per line.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from symphony_bot.agents.base import AgentResult
from symphony_bot.autorun.summary import RunSummary, StopReason

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
MODEL_API_FAILED = "MODEL_API_FAILED"  # the model API kept failing or stalled (the metering proxy saw it)

Event = dict[str, Any]
Listener = Callable[[Event], None]


def now_ms() -> int:
    return int(time.time() * 1000)


def make_event(kind: str, timestamp: int | None = None, **fields: Any) -> Event:
    """`{"type": kind, "timestamp": ms, **fields}`; `timestamp` defaults to now."""
    return {"type": kind, "timestamp": now_ms() if timestamp is None else timestamp, **fields}


def to_json_line(event: Event) -> str:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


SUMMARY_CHARS = 200


def task_complete_fields(name: str, task_index: int, line: int, result: AgentResult, newly_checked: int) -> Event:
    """The fields of `task_complete` for one agent run of the document `name`."""
    first_line = result.text.strip().split("\n", 1)[0].strip() if result.text.strip() else ""
    if result.success:
        summary = first_line or f"[{name}] Task completed"
    else:
        summary = f"[{name}] Task failed: {result.error or result.outcome}"
    return {
        "document": name,
        "taskIndex": task_index,
        "taskLine": line,
        "success": result.success,
        "outcome": str(result.outcome),
        "tasksCompleted": newly_checked,
        "summary": summary[:SUMMARY_CHARS],
        "fullResponse": result.text,
        "elapsedMs": int(result.elapsed_s * 1000),
        "usageStats": result.usage.to_event(),
        "agentSessionId": result.session_id,
        "error": result.error,
    }


def complete_fields(summary: RunSummary) -> Event:
    """The fields of `complete` for a run that ended as `summary` says (the caller adds `exitCode`)."""
    return {
        "success": summary.success,
        "stopReason": str(summary.stop_reason),
        "totalTasksCompleted": summary.tasks_completed,
        "tasksRemaining": summary.tasks_remaining,
        "totalElapsedMs": int(summary.elapsed_s * 1000),
        "totalCost": round(summary.usage.cost_usd, 6),
        "usageStats": summary.usage.to_event(),
        "usage": summary.usage.to_event(),
        "halted": summary.stop_reason in (StopReason.HALTED, StopReason.HALT_MARKER_PRESENT),
        "haltReason": summary.halt_reason,
        "stalledDocuments": summary.stalled_documents,
        "refusedDocuments": summary.refused_documents,
    }
