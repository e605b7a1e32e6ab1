"""State folded from the engine's events, as a real engine run emits them."""

from __future__ import annotations

from symphony_bot.autorun import events
from symphony_bot.contribution.state import ContributionState, DocumentProgress, Phase, TaskRow, TaskStatus


def _state() -> ContributionState:
    return ContributionState(
        repository="o/r",
        issue=1,
        issue_title="t",
        started_at_ms=0,
        documents=[DocumentProgress("a.md", 2, 0)],
        tasks=[TaskRow("a.md", "one", 1), TaskRow("a.md", "two", 2)],
    )


def _complete(line: int, ticked: int, success: bool = True, cost: float = 0.5) -> dict:
    usage = {"inputTokens": 10, "outputTokens": 2, "totalCostUsd": cost}
    return events.make_event(
        events.TASK_COMPLETE,
        document="a.md",
        taskLine=line,
        tasksCompleted=ticked,
        success=success,
        elapsedMs=1500,
        usageStats=usage,
        error=None if success else "boom",
    )


def test_a_run_folds_into_rows_totals_and_a_phase() -> None:
    state = _state()
    assert state.apply(events.make_event(events.START)) is True
    assert state.phase is Phase.RUNNING
    state.apply(events.make_event(events.DOCUMENT_START, document="a.md", index=0))
    state.apply(events.make_event(events.TASK_START, document="a.md", task="one", taskLine=1))
    assert state.tasks[0].status is TaskStatus.RUNNING and state.current_task is state.tasks[0]
    state.apply(_complete(1, 1))
    state.apply(events.make_event(events.TASK_START, document="a.md", task="two", taskLine=2))
    state.apply(_complete(2, 0, success=False))
    assert state.tasks[1].status is TaskStatus.FAILED and state.last_error == "boom"
    state.apply(events.make_event(events.TASK_START, document="a.md", task="two", taskLine=2))
    assert state.tasks[1].attempts == 2
    state.apply(_complete(2, 1))
    assert state.apply(events.make_event(events.COMPLETE, stopReason="completed")) is True
    assert state.phase is Phase.COMPLETED
    assert (state.tasks_done, state.tasks_total, state.tokens_in, state.tokens_out) == (2, 2, 30, 6)
    assert state.cost_usd == 1.5 and state.tasks[1].duration_s == 3.0


def test_stop_reasons_map_to_phases_and_leftovers_are_skipped() -> None:
    for reason, phase in [
        ("halted", Phase.HALTED),
        ("tasks_left", Phase.STALLED),
        ("max_cost", Phase.BUDGET_REACHED),
        ("cancelled", Phase.CANCELLED),
        ("agent_failed", Phase.FAILED),
        ("something new", Phase.FAILED),
    ]:
        state = _state()
        state.apply(events.make_event(events.START))
        state.apply(events.make_event(events.COMPLETE, stopReason=reason, haltReason="why"))
        assert state.phase is phase
        assert {row.status for row in state.tasks} == {TaskStatus.SKIPPED}


def test_a_stalled_document_skips_its_open_rows() -> None:
    state = _state()
    state.apply(events.make_event(events.DOCUMENT_COMPLETE, document="a.md", stalled=True, tasksRemaining=2))
    assert {row.status for row in state.tasks} == {TaskStatus.SKIPPED}
    assert "stalled" in state.notes[0]
