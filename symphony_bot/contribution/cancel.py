"""Cancel: stop, then release the claim. The running job (the workflow run the status comment links) is cancelled
through the Actions API and waited for, so that it is not pushing while the claim is released; then this bot's
open PR is closed (its body saying so in the same edit) and its branch deleted (unless kept), and the status
comment says cancelled, with the task table and figures the run recorded. A run that outlives the wait finds
its PR closed before its next push or edit and stops without writing (`endings.still_ours`)."""

from __future__ import annotations

import time
from collections.abc import Callable

from symphony_bot.autorun import events
from symphony_bot.contribution.endings import find, publish
from symphony_bot.contribution.state import Phase, TaskStatus
from symphony_bot.contribution.status_comment import run_id_in
from symphony_bot.github import pulls, workflow_runs
from symphony_bot.github.client import GitHubClient

NOTE_JOB_RUNNING = (
    "The job {run} had not ended after {seconds:.0f} s; the pull request is closed anyway, and the run stops "
    "before its next push."
)
NOTE_JOB_REFUSED = "The job {run} could not be cancelled ({reason}); it stops before its next push."


def cancel_claim(
    client: GitHubClient,
    repository: str,
    issue: int,
    *,
    keep_branch: bool = False,
    requested_by: str | None = None,
    own_run_id: str | None = None,
    wait_s: float = workflow_runs.DEFAULT_WAIT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Stop the running job, release the claim; return one line saying what was done."""
    found = find(client, repository, issue)
    state = found.state
    done: list[str] = []
    run_id = run_id_in(found.comment.body) if found.comment is not None else None
    if run_id is not None and str(run_id) != (own_run_id or "") and state.phase is Phase.RUNNING:
        stopped = workflow_runs.cancel_and_wait(client, repository, run_id, wait_s=wait_s, sleep=sleep)
        if stopped.requested:
            done.append(f"cancelled workflow run {run_id}" + ("" if stopped.ended else " (still ending)"))
        if stopped.refused:
            state.notes.append(NOTE_JOB_REFUSED.format(run=run_id, reason=stopped.refused))
        elif not stopped.ended:
            state.notes.append(NOTE_JOB_RUNNING.format(run=run_id, seconds=wait_s))
        found = find(client, repository, issue)  # the job may have written its own end meanwhile
        found.state.notes = state.notes
        state = found.state
    if found.pull is None and found.comment is None and not done:
        return f"{repository}#{issue}: no open pull request or status comment of ours; nothing to cancel"
    if state.finished_at_ms is None or state.phase is Phase.RUNNING:
        state.finished_at_ms = events.now_ms()
    for row in state.tasks:
        if row.status in (TaskStatus.RUNNING, TaskStatus.PENDING):
            row.status = TaskStatus.SKIPPED
    state.phase, state.ended_by, state.current_task = Phase.CANCELLED, requested_by, None
    state.pull_closed = found.pull is not None
    publish(client, found, pull_state="closed" if found.pull is not None else None)
    if found.pull is not None:
        done.append(f"closed PR #{found.pull.number}")
        if not keep_branch and found.pull.head_repo:
            pulls.delete_branch(client, found.pull.head_repo, found.pull.head_ref)
            state.branch_deleted = True
            publish(client, found)  # the links line says the branch is gone
            done.append(f"deleted branch {found.pull.head_ref}")
    return f"{repository}#{issue}: " + (" and ".join(done) if done else "the status comment says cancelled")
