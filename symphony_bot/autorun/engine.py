"""The Auto Run engine: documents top to bottom, one fresh agent process per task, verified by re-reading.

The agent ticks the box; the engine never does. After every run the engine re-reads the document and counts:
progress is a newly checked box. Three runs in a row without progress stall the document and the engine moves
on. A halt marker written by the agent stops everything; one already present refuses to start. Budgets, the
per-task and inactivity timeouts, and stop requests end the run cleanly, always with a `complete` event.

The engine knows no GitHub and no git: `contribution.py` subscribes to its events to commit and report.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from symphony_bot.agents.base import Agent, AgentResult, Outcome, TaskRequest
from symphony_bot.autorun import events
from symphony_bot.autorun.document import Counts, DocumentCounter, DocumentState, count, parse, reset
from symphony_bot.autorun.document_files import DocumentRefused, create_working_copy, read_document
from symphony_bot.autorun.prompt import task_prompt
from symphony_bot.autorun.summary import Budget, RunOptions, RunSummary, StopReason, usage_delta

MAX_RUNS_WITHOUT_PROGRESS = 3
RUNS_FOLDER = "runs"
# Outcomes that no retry can change: the run stops with this error code.
STOPPING_OUTCOMES = {
    Outcome.NOT_FOUND: events.AGENT_NOT_FOUND,
    Outcome.RATE_LIMITED: events.AGENT_RATE_LIMITED,
    Outcome.UNREACHABLE: events.AGENT_UNREACHABLE,
    Outcome.AUTH_FAILED: events.AGENT_AUTH,
    Outcome.MODEL_API_FAILED: events.MODEL_API_FAILED,
}
# The run's own stop reason for an outcome that stops it (AGENT_FAILED for the others).
STOP_REASONS = {Outcome.MODEL_API_FAILED: StopReason.MODEL_API_FAILED}

__all__ = ["Budget", "Engine", "RunOptions", "RunSummary", "StopReason"]


class _Stop(Exception):
    def __init__(self, reason: StopReason) -> None:
        self.reason = reason


class _Refused(Exception):
    """The document being run failed the checks after the start: that document stops, the run goes on."""


class Engine:
    def __init__(
        self,
        agent: Agent,
        options: RunOptions,
        listeners: Iterable[events.Listener] = (),
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock_ms: Callable[[], int] = events.now_ms,
        exit_code_for: Callable[[StopReason], int] | None = None,
    ) -> None:
        """`clock` (seconds, monotonic) times tasks and budgets; `wall_clock_ms` stamps events and names the
        working copies. Both are injectable so tests can run hours of budget in no time. `exit_code_for` is the
        command's mapping of stop reasons to exit codes, echoed in the `complete` event as `exitCode` (the
        engine decides no exit code itself)."""
        self.exit_code_for = exit_code_for
        self.agent = agent
        self.options = options
        self.listeners = list(listeners)
        self.clock = clock
        self.wall_clock_ms = wall_clock_ms
        self._stalled: set[Path] = set()
        self._refused: set[Path] = set()  # documents (as given) that failed the checks during the run
        self._abort = threading.Event()  # kill the running agent now
        self._stop_after_task = threading.Event()  # let the running task finish, then stop
        self._summary = RunSummary()
        self._started = 0.0
        self._task_runs = 0
        self._timeouts_stalled = False  # the stalls came from timeouts: exit as a timeout, not as a stall
        self._counters: dict[Path, DocumentCounter] = {}  # each document's counts, kept up to date line by line

    # ------------------------------------------------------------------------------------------- control

    def subscribe(self, listener: events.Listener) -> None:
        self.listeners.append(listener)

    def request_stop(self, abort: bool = True) -> None:
        """Stop the run: `abort` kills the running agent; otherwise the current task finishes first."""
        self._stop_after_task.set()
        if abort:
            self._abort.set()

    def _emit(self, kind: str, **fields: Any) -> None:
        event = events.make_event(kind, timestamp=self.wall_clock_ms(), **fields)
        for listener in self.listeners:
            listener(event)

    def _name(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.options.repo_dir))
        except ValueError:
            return str(path)

    # ----------------------------------------------------------------------------------------------- run

    def run(self) -> RunSummary:
        self._started = self.clock()
        self._emit(
            events.START,
            documents=[self._name(d) for d in self.options.documents],
            agent=getattr(self.agent, "name", "agent"),
            repoDir=str(self.options.repo_dir),
            dryRun=self.options.dry_run,
        )
        try:
            states = self._prescan()
            if self.options.dry_run:
                self._preview(states)
                return self._finish(StopReason.COMPLETED, dry_run=True, would_process=sum(s.unchecked for s in states))
            self._run_passes()
            return self._finish(self._final_reason())
        except _Stop as stop:
            return self._finish(stop.reason)

    def _text(self, path: Path) -> str:
        """Every read of a document, every time: the checks of `document_files` (no link, a regular file, the
        size cap, no blocking)."""
        return read_document(path, self.options.repo_dir)

    def _text_at_start(self, path: Path) -> str:
        """A read before any agent ran: a document that fails the checks stops the run."""
        try:
            return self._text(path)
        except DocumentRefused as error:
            self._summary.error = f"cannot read {self._name(path)}: {error}"
            self._emit(events.ERROR, code=events.DOCUMENT_UNREADABLE, message=self._summary.error)
            raise _Stop(StopReason.DOCUMENT_UNREADABLE) from error

    def _read(self, path: Path, original: Path) -> Counts:
        """A read after the start: a document that fails the checks now is refused, with an event."""
        try:
            return self._counters.setdefault(path, DocumentCounter()).count(self._text(path))
        except DocumentRefused as error:
            self._refuse(original, path, error)
            raise _Refused from error

    def _refuse(self, original: Path, path: Path, error: DocumentRefused) -> None:
        self._refused.add(original)
        self._summary.refused_documents.append(self._name(original))
        self._summary.error = f"{self._name(path)} was refused and left: {error}"
        self._emit(events.ERROR, code=events.DOCUMENT_REFUSED, message=self._summary.error, document=self._name(path))

    def _prescan(self) -> list[Counts]:
        states = [count(self._text_at_start(path)) for path in self.options.documents]
        halted = next(((p, s.halt) for p, s in zip(self.options.documents, states, strict=True) if s.halt), None)
        # With reset-on-completion every task runs again in a fresh copy, ticked or not.
        runnable = sum(s.unchecked + (s.checked if self.options.reset_on_completion else 0) for s in states)
        if runnable == 0:
            if sum(s.checked for s in states):
                # Every box is already ticked: a re-run of finished documents is a success, not an error.
                raise _Stop(StopReason.COMPLETED)
            self._summary.error = (
                f"no tasks in {', '.join(self._name(p) for p in self.options.documents)}: a task is a line like "
                "`- [ ] do something` (bullet -, * or +, outside code fences; numbered items are not tasks)"
            )
            self._emit(events.ERROR, code=events.NO_TASKS, message=self._summary.error)
            raise _Stop(StopReason.NO_TASKS)
        if halted is not None:
            path, halt = halted
            assert halt is not None
            self._summary.error = (
                f"{self._name(path)} line {halt.line} already holds a halt marker ({halt.reason}); "
                "remove the marker once the blocker is resolved, then run again"
            )
            self._summary.halt_reason = halt.reason
            self._emit(events.ERROR, code=events.HALT_MARKER_PRESENT, message=self._summary.error)
            raise _Stop(StopReason.HALT_MARKER_PRESENT)
        return states

    def _preview(self, states: list[Counts]) -> None:
        for index, (path, counts) in enumerate(zip(self.options.documents, states, strict=True)):
            if not counts.unchecked:
                continue
            state: DocumentState = parse(self._text_at_start(path))
            name = self._name(path)
            self._emit(events.DOCUMENT_START, document=name, index=index, taskCount=state.unchecked, dryRun=True)
            for task_index, task in enumerate(state.open_tasks):
                self._emit(events.TASK_PREVIEW, document=name, taskIndex=task_index, taskLine=task.line, task=task.text)
            self._emit(events.DOCUMENT_COMPLETE, document=name, tasksCompleted=state.unchecked, dryRun=True)

    def _run_passes(self) -> None:
        iteration = 0
        while True:
            pass_started = self.clock()
            completed_before = self._summary.tasks_completed
            usage_before = self._summary.usage
            for index, original in enumerate(self.options.documents):
                if original in self._stalled or original in self._refused:
                    continue  # it made no progress three times in a row; another pass would not change that
                try:
                    path: Path | None = original
                    if self.options.reset_on_completion:
                        path = self._working_copy(original, iteration)
                    if path is not None:
                        self._run_document(index, path, original)
                except _Refused:
                    continue
            completed_this_pass = self._summary.tasks_completed - completed_before
            if not self.options.loop or self._stop_after_task.is_set() or completed_this_pass == 0:
                return
            if self.options.max_loops is not None and iteration + 1 >= self.options.max_loops:
                return
            if not self.options.reset_on_completion and self._remaining() == 0:
                return
            self._emit(
                events.LOOP_COMPLETE,
                iteration=iteration + 1,
                tasksCompleted=completed_this_pass,
                elapsedMs=int((self.clock() - pass_started) * 1000),
                usageStats=usage_delta(self._summary.usage, usage_before).to_event(),
            )
            iteration += 1

    def _working_copy(self, original: Path, iteration: int) -> Path | None:
        """Reset-on-completion runs a fresh copy each pass (runs/<name>-<ms>-loop-<N>.md) and keeps the copies
        as an audit trail; the original document is never modified. A document whose boxes are all ticked is
        copied with its boxes cleared (Maestro clears the original in place); one without tasks is skipped."""
        try:
            text = self._text(original)
            counts = count(text)
            if not counts.unchecked and not counts.checked:
                return None
            return create_working_copy(
                original.parent / RUNS_FOLDER,
                f"{original.stem}-{self.wall_clock_ms()}-loop-{iteration + 1}",
                (reset(text) if not counts.unchecked else text).encode("utf-8"),
                self.options.repo_dir,
            )
        except DocumentRefused as error:
            self._refuse(original, original, error)
            raise _Refused from error

    def _remaining(self) -> int:
        remaining = 0
        for path in self.options.documents:
            if path not in self._refused:
                with contextlib.suppress(_Refused):
                    remaining += self._read(path, path).unchecked
        return remaining

    def _run_document(self, index: int, path: Path, original: Path) -> None:
        state = self._read(path, original)
        name = self._name(path)
        if state.halt is not None:
            # Written into a later document during this run (the start refuses documents that already had one).
            self._summary.halt_reason = state.halt.reason
            self._emit(events.HALT, document=name, taskIndex=0, reason=state.halt.reason)
            raise _Stop(StopReason.HALTED)
        if not state.unchecked:
            return
        self._emit(events.DOCUMENT_START, document=name, index=index, taskCount=state.unchecked)
        completed_here = 0
        runs_without_progress = 0
        stalled_by_timeouts = True
        task_index = 0
        while (task := state.first_unchecked) is not None:
            self._check_budget()
            if self._stop_after_task.is_set():
                raise _Stop(StopReason.CANCELLED)
            self._emit(events.TASK_START, document=name, taskIndex=task_index, taskLine=task.line, task=task.text)
            request = self._request(path, task)
            try:
                result = self.agent.run(request, self._abort)
            finally:
                # The agent's HOME, config and prompt file: nothing in it is needed once the run is over.
                shutil.rmtree(request.scratch_dir, ignore_errors=True)
            after = self._read(path, original)
            newly_checked = max(0, after.checked - state.checked)
            completed_here += newly_checked
            self._summary.tasks_completed += newly_checked
            self._summary.usage = self._summary.usage + result.usage
            self._task_runs += 1
            self._emit_task_complete(name, task_index, task.line, result, newly_checked)
            task_index += 1
            state = after
            if after.halt is not None:
                self._summary.halt_reason = after.halt.reason
                self._emit(events.HALT, document=name, taskIndex=task_index - 1, reason=after.halt.reason)
                raise _Stop(StopReason.HALTED)
            if result.outcome is Outcome.CANCELLED:
                raise _Stop(StopReason.CANCELLED)
            self._refuse_unpriced(result)
            if (code := STOPPING_OUTCOMES.get(result.outcome)) is not None:
                self._summary.error = result.error
                self._emit(events.ERROR, code=code, message=result.error or str(result.outcome))
                raise _Stop(STOP_REASONS.get(result.outcome, StopReason.AGENT_FAILED))
            if newly_checked:
                runs_without_progress = 0
                stalled_by_timeouts = True
            else:
                runs_without_progress += 1
                stalled_by_timeouts &= result.outcome in (Outcome.TIMEOUT, Outcome.INACTIVE)
            if runs_without_progress >= MAX_RUNS_WITHOUT_PROGRESS:
                self._summary.stalled_documents.append(name)
                self._stalled.add(original)
                if stalled_by_timeouts:
                    self._timeouts_stalled = True
                self._emit(
                    events.DOCUMENT_COMPLETE,
                    document=name,
                    tasksCompleted=completed_here,
                    stalled=True,
                    tasksRemaining=state.unchecked,
                )
                return
        self._emit(events.DOCUMENT_COMPLETE, document=name, tasksCompleted=completed_here, stalled=False)

    def _request(self, path: Path, task: Any) -> TaskRequest:
        options = self.options
        # One directory, emptied after every run: each agent starts from a clean HOME.
        scratch = options.scratch_dir / "task"
        scratch.mkdir(parents=True, exist_ok=True)
        timeout = options.task_timeout_s
        if options.budget.max_minutes is not None:
            left = options.budget.max_minutes * 60 - (self.clock() - self._started)
            timeout = max(0.0, left) if timeout is None else max(0.0, min(timeout, left))
        return TaskRequest(
            prompt=task_prompt(options.repo_dir, path, task),
            repo_dir=options.repo_dir,
            document_path=path,
            task_text=task.text,
            task_line=task.line,
            scratch_dir=scratch,
            model=options.model,
            task_timeout_s=timeout,
            inactivity_timeout_s=options.inactivity_timeout_s,
            run_as=options.agent_user,
        )

    def _refuse_unpriced(self, result: AgentResult) -> None:
        """A cost budget cannot be kept with a price we do not know: stop after the first such task."""
        model = result.usage.unpriced_model
        if self.options.budget.max_cost_usd is None or model is None:
            return
        self._summary.error = (
            f"cannot keep to --max-cost: the price of the model {model} is not in symphony-bot's price table "
            f"(symphony_bot/agents/pricing.py); this task's ${result.usage.cost_usd:.4f} is a guess. Name a priced "
            "model with --model, or run without --max-cost"
        )
        self._emit(events.ERROR, code=events.AGENT_PRICE_UNKNOWN, message=self._summary.error)
        raise _Stop(StopReason.AGENT_FAILED)

    def _check_budget(self) -> None:
        budget = self.options.budget
        if budget.max_tasks is not None and self._summary.tasks_completed >= budget.max_tasks:
            raise _Stop(StopReason.MAX_TASKS)
        if budget.max_cost_usd is not None and self._summary.usage.cost_usd >= budget.max_cost_usd:
            raise _Stop(StopReason.MAX_COST)
        if budget.max_minutes is not None and self.clock() - self._started >= budget.max_minutes * 60:
            raise _Stop(StopReason.MAX_MINUTES)

    def _emit_task_complete(
        self, name: str, task_index: int, line: int, result: AgentResult, newly_checked: int
    ) -> None:
        self._emit(events.TASK_COMPLETE, **events.task_complete_fields(name, task_index, line, result, newly_checked))

    def _final_reason(self) -> StopReason:
        remaining = self._remaining() if not self.options.reset_on_completion else 0
        self._summary.tasks_remaining = remaining
        if self.options.reset_on_completion and self._summary.stalled_documents:
            return StopReason.TASKS_LEFT
        if self._refused:
            return StopReason.DOCUMENT_UNREADABLE
        if remaining == 0 and not self._summary.stalled_documents:
            return StopReason.COMPLETED
        return StopReason.TIMEOUT if self._timeouts_stalled else StopReason.TASKS_LEFT

    def _quiet_count(self, path: Path) -> int:
        """Open tasks for the final figures, counting 0 for a document that cannot be read (no more events)."""
        try:
            return count(self._text(path)).unchecked
        except DocumentRefused:
            return 0

    def _finish(self, reason: StopReason, dry_run: bool = False, would_process: int = 0) -> RunSummary:
        summary = self._summary
        summary.stop_reason = reason
        summary.elapsed_s = self.clock() - self._started
        if reason not in (StopReason.COMPLETED, StopReason.NO_TASKS) and not summary.tasks_remaining:
            summary.tasks_remaining = sum(
                self._quiet_count(p) for p in self.options.documents if p not in self._refused
            )
        fields = events.complete_fields(summary)
        if self.exit_code_for is not None:
            fields["exitCode"] = self.exit_code_for(reason)
        if dry_run:
            fields.update(dryRun=True, wouldProcess=would_process, totalTasksCompleted=0)
        self._emit(events.COMPLETE, **fields)
        return summary
