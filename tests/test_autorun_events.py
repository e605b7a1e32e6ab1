"""The event stream is a contract: contribution.py and `--json` consumers rely on these names and fields."""

import json
import time

from symphony_bot.autorun import events
from symphony_bot.autorun.engine import Budget
from tests.autorun_helpers import HALT, TICK, run_engine, script_agent

# Maestro's fields (maestro-internals §5) plus ours; every one must be present on every event of its type.
REQUIRED = {
    "start": {"documents", "agent", "repoDir", "dryRun"},
    "document_start": {"document", "index", "taskCount"},
    "task_preview": {"document", "taskIndex", "task", "taskLine"},
    "task_start": {"document", "taskIndex", "task", "taskLine"},
    "task_complete": {
        "document",
        "taskIndex",
        "success",
        "summary",
        "fullResponse",
        "elapsedMs",
        "usageStats",
        "agentSessionId",
        "outcome",
        "taskLine",
        "tasksCompleted",
        "error",
    },
    "document_complete": {"document", "tasksCompleted"},
    "loop_complete": {"iteration", "tasksCompleted", "elapsedMs", "usageStats"},
    "halt": {"document", "taskIndex", "reason"},
    "complete": {
        "success",
        "totalTasksCompleted",
        "totalElapsedMs",
        "totalCost",
        "usage",
        "usageStats",
        "halted",
        "haltReason",
        "stalledDocuments",
        "stopReason",
        "exitCode",
        "tasksRemaining",
    },
    "error": {"message", "code"},
}
USAGE_FIELDS = {
    "inputTokens",
    "outputTokens",
    "cacheReadInputTokens",
    "cacheCreationInputTokens",
    "reasoningTokens",
    "totalCostUsd",
    "costIsEstimate",
}


def check(received) -> set[str]:
    for event in received:
        assert set(REQUIRED[event["type"]]) <= set(event), event
        assert isinstance(event["timestamp"], int)
        for key in ("usageStats", "usage"):
            if key in event:
                assert set(event[key]) == USAGE_FIELDS
        assert json.loads(events.to_json_line(event)) == event  # every event is plain JSON
    return {event["type"] for event in received}


def test_every_event_type_carries_its_fields(tmp_path) -> None:
    tick = script_agent(tmp_path, "tick", TICK)
    two = {"a.md": "- [ ] one\n- [ ] two\n"}
    seen = set()
    seen |= check(run_engine(tmp_path / "run", tick, two, loop=True, max_loops=2, reset_on_completion=True)[1])
    seen |= check(run_engine(tmp_path / "dry", tick, two, dry_run=True)[1])
    seen |= check(run_engine(tmp_path / "halt", script_agent(tmp_path, "halt", HALT), two)[1])
    seen |= check(run_engine(tmp_path / "none", tick, {"a.md": "no tasks\n"})[1])
    seen |= check(run_engine(tmp_path / "budget", tick, two, budget=Budget(max_tasks=1))[1])
    assert seen == set(REQUIRED)


def test_event_names_are_maestros() -> None:
    assert (events.START, events.DOCUMENT_START, events.TASK_PREVIEW, events.TASK_START) == (
        "start",
        "document_start",
        "task_preview",
        "task_start",
    )
    assert (events.TASK_COMPLETE, events.DOCUMENT_COMPLETE, events.LOOP_COMPLETE) == (
        "task_complete",
        "document_complete",
        "loop_complete",
    )
    assert (events.HALT, events.COMPLETE, events.ERROR) == ("halt", "complete", "error")
    assert (events.NO_TASKS, events.HALT_MARKER_PRESENT) == ("NO_TASKS", "HALT_MARKER_PRESENT")


def test_make_event_and_json_lines() -> None:
    before = int(time.time() * 1000)
    event = events.make_event("task_start", document="docs/é.md", taskIndex=0)
    assert before <= event["timestamp"] <= int(time.time() * 1000)
    assert events.make_event("halt", timestamp=42, reason="x") == {"type": "halt", "timestamp": 42, "reason": "x"}
    line = events.to_json_line({**event, "task": "fix\nthe 📝 parser"})
    assert "\n" not in line and "📝" in line  # one event per line, unicode kept readable
    assert json.loads(line)["task"] == "fix\nthe 📝 parser"
