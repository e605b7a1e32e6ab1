"""`verify:`: the maintainers' own check after each task that changed files, before its commit.

The command runs as an agent does, through the same machinery (agents/command.py over agents/process.py): in
the work tree, under the task's own uid when the bot runs as root, with Landlock where the kernel has it, with
the agents' environment allow-list (so no token and no API key), and with a timeout. A failure gives the agent
the tail of the command's output and another attempt at the same task (`verify-retries`, default 1); a task
still failing is committed anyway (marked), skipped (its changes dropped, no commit) or stops the run, as
`verify-failure` says.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symphony_bot.agents.base import Agent, TaskRequest
from symphony_bot.agents.command import CommandAgent
from symphony_bot.contribution.review_record import COMMITTED, PASSED, RETRIED, SKIPPED, STOPPED
from symphony_bot.workspace.gitops import WorkTree

COMMIT, SKIP, STOP = COMMITTED, SKIPPED, STOPPED  # `verify-failure`'s words are the results' own
FAILURE_CHOICES = (COMMIT, SKIP, STOP)
DEFAULT_TIMEOUT_S = 600.0
TAIL_CHARS = 4_000
SHELL = "/bin/sh"
RETRY_PROMPT = """\
The repository's check `{command}` failed after your change for this task:

    {task}

Its output ends with:

{tail}

Fix the problem so the check passes, without undoing the task. The task is still line {line} of {document}."""
MARKS = {PASSED: "verify passed", COMMIT: "verify failed, committed", SKIP: "verify failed, skipped",
         STOP: "verify failed, run stopped"}  # fmt: skip


@dataclass(frozen=True)
class VerifySettings:
    command: str
    retries: int = 1
    failure: str = COMMIT
    timeout_s: float = DEFAULT_TIMEOUT_S

    def __post_init__(self) -> None:
        if self.failure not in FAILURE_CHOICES:
            raise ValueError(f"verify-failure must be one of {', '.join(FAILURE_CHOICES)}, not {self.failure!r}")


@dataclass(frozen=True)
class VerifyOutcome:
    decision: str  # PASSED, or the failure choice that applies
    attempts: int  # how many times the command ran
    tail: str  # the last run's output tail

    @property
    def mark(self) -> str:
        return MARKS[self.decision]

    @property
    def result(self) -> str:
        """What the task table shows (review_record.VERIFY_CELLS): a pass on a later attempt is told apart."""
        return RETRIED if self.decision == PASSED and self.attempts > 1 else self.decision


def run_check(
    settings: VerifySettings,
    repo_dir: Path,
    scratch_dir: Path,
    run_as: str | None,
    stop: threading.Event | None = None,
) -> tuple[bool, str]:
    """One run of the command, contained as an agent's task is; (passed, output tail). `stop` ends it early."""
    agent = CommandAgent([SHELL, "-c", f"exec 2>&1; {settings.command}"])
    request = TaskRequest(
        prompt=settings.command,
        repo_dir=repo_dir,
        document_path=repo_dir,
        task_text=settings.command,
        task_line=0,
        scratch_dir=scratch_dir,
        task_timeout_s=settings.timeout_s,
        run_as=run_as,
    )
    scratch_dir.mkdir(parents=True, exist_ok=True)
    seen: list[str] = []
    result = agent.run(request, stop or threading.Event(), lambda line: seen.append(str(line)))
    output = "\n".join(part for part in ("\n".join(seen) or result.text, result.error or "") if part)
    return result.success, output[-TAIL_CHARS:]


def verify_task(
    settings: VerifySettings, check: Callable[[], tuple[bool, str]], retry: Callable[[str], None]
) -> VerifyOutcome:
    """Run the check; after each failure but the last, `retry(tail)` gives the agent another attempt."""
    tail = ""
    for attempt in range(1, settings.retries + 2):
        passed, tail = check()
        if passed:
            return VerifyOutcome(PASSED, attempt, tail)
        if attempt <= settings.retries:
            retry(tail)
    return VerifyOutcome(settings.failure, settings.retries + 1, tail)


def retry_prompt(settings: VerifySettings, task: str, line: int, document: str, tail: str) -> str:
    quoted = "\n".join(f"    {row}" for row in tail.splitlines()[-60:])
    return RETRY_PROMPT.format(command=settings.command, task=task, tail=quoted, line=line, document=document)


@dataclass(frozen=True)
class TaskAtHand:
    """The task just done, as the agent's retry needs it."""

    agent: Agent
    document: Path
    text: str
    line: int
    model: str | None = None
    task_timeout_s: float | None = None
    inactivity_timeout_s: float | None = None


def verify_changes(
    settings: VerifySettings,
    tree: WorkTree,
    task: TaskAtHand,
    *,
    scratch_dir: Path,
    run_as: str | None,
    stop: threading.Event,
) -> VerifyOutcome | None:
    """Verify a task's changes before its commit (None: it changed nothing, so nothing is checked). A task that
    is skipped or stops the run has its changes dropped from the work tree (the excluded attachments stay)."""
    if not tree.run("status", "--porcelain"):
        return None
    repo_dir = tree.path.resolve()

    def retry(tail: str) -> None:
        prompt = retry_prompt(settings, task.text, task.line, task.document.name, tail)
        request = TaskRequest(
            prompt=prompt,
            repo_dir=repo_dir,
            document_path=task.document,
            task_text=task.text,
            task_line=task.line,
            scratch_dir=scratch_dir / "retry",
            model=task.model,
            task_timeout_s=task.task_timeout_s,
            inactivity_timeout_s=task.inactivity_timeout_s,
            run_as=run_as,
        )
        (scratch_dir / "retry").mkdir(parents=True, exist_ok=True)
        task.agent.run(request, stop)

    outcome = verify_task(settings, lambda: run_check(settings, repo_dir, scratch_dir / "check", run_as, stop), retry)
    if outcome.decision in (SKIP, STOP):
        tree.run("checkout", "--quiet", "--", ".")
        tree.run("clean", "-fdq")  # untracked files the task made; ignored and excluded ones stay
    return outcome


NOTE_VERIFY = "Verify `{command}` on “{task}”: {mark}."


def refused_by_verify(runner: Any, event: dict[str, Any], task: str) -> bool:
    """The contribution runner's hook before a task's commit: True when the task's changes must not be committed
    (skipped, or the run stops). Each failure is noted in the status comment and the PR body."""
    config, tree, engine = runner.config, runner.tree, runner.engine
    settings: VerifySettings | None = config.verify
    if settings is None or tree is None or engine is None:
        return False
    document = tree.path.resolve() / str(event.get("document") or "")
    at_hand = TaskAtHand(
        config.agent, document, task, int(event.get("taskLine") or 0), config.model,
        config.task_timeout_s, config.inactivity_timeout_s,
    )  # fmt: skip
    scratch = Path(engine.options.scratch_dir) / "verify"
    checked = verify_changes(
        settings, tree, at_hand, scratch_dir=scratch, run_as=config.agent_user, stop=runner.stop_event
    )
    if checked is None:
        return False
    row = next((r for r in runner.state.tasks if r.line == at_hand.line and r.document == event.get("document")), None)
    if row is not None:
        row.verify = checked.result  # the task table's Verify column (status_comment)
    if checked.decision == PASSED:
        return False
    runner.state.notes.append(NOTE_VERIFY.format(command=settings.command, task=task, mark=checked.mark))
    if checked.decision == STOP:
        engine.request_stop(abort=False)
    return checked.decision in (SKIP, STOP)
