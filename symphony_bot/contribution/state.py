"""The state of one contribution, folded from the engine's events and the runner's own (pure: no I/O).

The status comment and the PR body are rendered from this and nothing else
(`symphony_bot.contribution.status_comment`), so a snapshot test of a state is a snapshot test of what GitHub
will show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from symphony_bot.autorun import events
from symphony_bot.contribution.review_record import RevisionRecord


class Phase(StrEnum):
    PREFLIGHT = "preflight"
    RUNNING = "running"
    COMPLETED = "completed"
    HALTED = "halted"
    STALLED = "stalled"
    BUDGET_REACHED = "budget_reached"
    CANCELLED = "cancelled"
    STOPPED = "stopped"  # SIGTERM or the job's time-out: the claim is kept, a later run resumes
    FAILED = "failed"
    CLAIM_LOST = "claim_lost"

    @property
    def terminal(self) -> bool:
        return self not in (Phase.PREFLIGHT, Phase.RUNNING)


class TaskStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # the run ended without the box ticked (it may be retried)
    SKIPPED = "skipped"  # never finished: the document stalled or the run stopped


# A model missing from the price table (codex's default `gpt-6.1-sol`, say): the cost shown is a guess.
UNPRICED_NOTE = "the cost is an estimate: symphony-bot's price table has no price for the model {model}"
MODEL_NAME_CHARS = 100

# Engine stop reasons -> the phase the comment shows.
_PHASE_OF_STOP = {
    "completed": Phase.COMPLETED,
    "halted": Phase.HALTED,
    "halt_marker_present": Phase.HALTED,
    "tasks_left": Phase.STALLED,
    "timeout": Phase.STALLED,
    "max_tasks": Phase.BUDGET_REACHED,
    "max_cost": Phase.BUDGET_REACHED,
    "max_minutes": Phase.BUDGET_REACHED,
    "cancelled": Phase.CANCELLED,
    "agent_failed": Phase.FAILED,
    "model_api_failed": Phase.FAILED,  # the error event names the provider, the statuses and the fix
    "document_unreadable": Phase.FAILED,
    "no_tasks": Phase.FAILED,
}


@dataclass
class TaskRow:
    document: str
    text: str
    line: int
    status: TaskStatus = TaskStatus.PENDING
    duration_s: float | None = None
    cost_usd: float | None = None
    attempts: int = 0
    verify: str | None = None  # the `verify` result before its commit (review_record.VERIFY_CELLS), if checked


@dataclass
class DocumentProgress:
    name: str
    total: int  # tasks in the document when the run started, ticked ones included
    done: int  # ticked boxes (earlier runs included)


@dataclass
class ContributionState:
    repository: str
    issue: int
    issue_title: str
    started_at_ms: int
    phase: Phase = Phase.PREFLIGHT
    activity: str = "checking the issue"
    stop_reason: str | None = None
    documents: list[DocumentProgress] = field(default_factory=list)
    tasks: list[TaskRow] = field(default_factory=list)
    current_document: int | None = None
    current_task: TaskRow | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    finished_at_ms: int | None = None
    pull_number: int | None = None
    pull_url: str | None = None
    pull_is_draft: bool = True
    branch: str | None = None
    branch_url: str | None = None
    run_url: str | None = None
    last_error: str | None = None
    halt_reason: str | None = None
    claim_holder: str | None = None  # "#7 by @alice" when another PR holds the claim
    notes: list[str] = field(default_factory=list)
    agent: str = "agent"
    model: str | None = None
    contributor: str | None = None
    resumed: bool = False
    # How it ended, beyond the phase (set by the runner's end, cancel, finalize and the post step):
    pull_closed: bool = False  # the PR is closed (cancelled, or closed by someone while the run went on)
    branch_deleted: bool = False
    ended_by: str | None = None  # the login that cancelled or finalized
    finalized: bool = False  # handed to review as it is (`finalize`), whatever the run's own phase was
    ending: str | None = None  # the bot's own sentence for the headline, when the phase alone does not say it
    revisions: list[RevisionRecord] = field(default_factory=list)  # review rounds on its PR (`revise`)

    # -- derived ---------------------------------------------------------------------------------------------

    @property
    def tasks_total(self) -> int:
        return sum(document.total for document in self.documents)

    @property
    def tasks_done(self) -> int:
        return sum(document.done for document in self.documents)

    def finish(self, now_ms: int, *, signalled: bool) -> None:
        """The end of a run: a phase that is still open becomes stopped (a signal) or failed; a cancel the engine
        saw because of a signal is a stop (the claim is kept); a closed pull request or deleted branch is a cancel."""
        if self.phase is Phase.CANCELLED and signalled and not self.pull_closed:
            self.phase = Phase.STOPPED
        if not self.phase.terminal:
            self.phase = Phase.STOPPED if signalled else Phase.FAILED
        if self.pull_closed or self.branch_deleted:
            self.phase = Phase.CANCELLED  # whatever the engine said after: the claim was released under it
        self.finished_at_ms = now_ms
        self.current_task = None

    def elapsed_s(self, now_ms: int) -> float:
        end = self.finished_at_ms if self.finished_at_ms is not None else now_ms
        return max(0.0, (end - self.started_at_ms) / 1000)

    # -- folding events ----------------------------------------------------------------------------------------

    def apply(self, event: dict[str, Any]) -> bool:
        """Fold one engine event in; True when the phase changed (worth publishing at once)."""
        kind = event.get("type")
        before = self.phase
        if kind == events.START:
            self.phase = Phase.RUNNING
            self.activity = "starting the agent"
        elif kind == events.DOCUMENT_START:
            self.current_document = int(event.get("index", 0))
            self.activity = f"working on {event.get('document')}"
        elif kind == events.TASK_START:
            row = self._row(str(event.get("document")), str(event.get("task")), int(event.get("taskLine", 0)))
            assert row is not None
            row.status = TaskStatus.RUNNING
            row.attempts += 1
            self.current_task = row
            self.activity = f"running task: {row.text}"
        elif kind == events.TASK_COMPLETE:
            self._task_complete(event)
        elif kind == events.DOCUMENT_COMPLETE and event.get("stalled"):
            name = str(event.get("document"))
            for row in self.tasks:
                if row.document == name and row.status in (TaskStatus.PENDING, TaskStatus.FAILED):
                    row.status = TaskStatus.SKIPPED
            self.notes.append(f"{name} stalled: 3 runs in a row without a ticked box")
        elif kind == events.HALT:
            self.halt_reason = str(event.get("reason") or "")
        elif kind == events.ERROR:
            self.last_error = str(event.get("message") or event.get("code") or "error")
        elif kind == events.COMPLETE:
            self.stop_reason = str(event.get("stopReason"))
            self.halt_reason = event.get("haltReason") or self.halt_reason
            self.phase = _PHASE_OF_STOP.get(self.stop_reason, Phase.FAILED)
            self.current_task = None
            for row in self.tasks:
                if row.status in (TaskStatus.PENDING, TaskStatus.RUNNING) and self.phase is not Phase.COMPLETED:
                    row.status = TaskStatus.SKIPPED
            self.activity = "finishing"
        return self.phase is not before

    def _task_complete(self, event: dict[str, Any]) -> None:
        row = self._row(str(event.get("document")), "", int(event.get("taskLine", 0)), create=False)
        usage = event.get("usageStats") or {}
        self.tokens_in += int(usage.get("inputTokens") or 0)
        self.tokens_out += int(usage.get("outputTokens") or 0)
        cost = float(usage.get("totalCostUsd") or 0.0)
        self.cost_usd += cost
        unpriced = usage.get("unpricedModel")
        if unpriced and (note := UNPRICED_NOTE.format(model=str(unpriced)[:MODEL_NAME_CHARS])) not in self.notes:
            self.notes.append(note)
        ticked = int(event.get("tasksCompleted") or 0)
        document = self._document(str(event.get("document")))
        if document is not None:
            document.done = min(document.total, document.done + ticked)
        if row is None:
            return
        row.duration_s = (row.duration_s or 0.0) + int(event.get("elapsedMs") or 0) / 1000
        row.cost_usd = (row.cost_usd or 0.0) + cost
        row.status = TaskStatus.DONE if ticked else TaskStatus.FAILED
        self.activity = "committing and pushing the task" if ticked else f"task not ticked: {row.text}"
        if not event.get("success") and event.get("error"):
            self.last_error = str(event.get("error"))
        self.current_task = None

    def _document(self, name: str) -> DocumentProgress | None:
        return next((document for document in self.documents if document.name == name), None)

    def _row(self, document: str, text: str, line: int, create: bool = True) -> TaskRow | None:
        current = self.current_task
        if not text and current is not None and current.document == document:
            return current
        open_rows = [row for row in self.tasks if row.document == document and row.status is not TaskStatus.DONE]
        for row in open_rows:
            if row.text == text:
                return row
        for row in open_rows:
            if row.line == line and not text:
                return row
        if not create:
            return None
        row = TaskRow(document=document, text=text or f"line {line}", line=line)
        self.tasks.append(row)
        return row
