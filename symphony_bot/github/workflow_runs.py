"""A workflow run, seen from outside: cancel it and wait until it has ended (what `/symphony cancel` does before it
releases the claim), and whether a branch is still there (what a run checks before it pushes again).

`POST /repos/{o}/{r}/actions/runs/{id}/cancel` answers 202 at once; the run keeps `status: in_progress` while the
runner stops its jobs (SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that, then the post steps, which may run
up to `cancel-timeout-minutes`), and only then reads `status: completed` (docs: REST "Get a workflow run",
`status` one of queued / in_progress / completed ...; "Cancel a workflow run": 202, 409 when it has completed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from symphony_bot.github import write_retry
from symphony_bot.github.client import GitHubClient, GitHubError

COMPLETED = "completed"
DEFAULT_WAIT_SECONDS = 150.0  # the runner's 10 s of signals plus post steps that finalise the comment
POLL_SECONDS = 5.0


@dataclass(frozen=True)
class Cancellation:
    run_id: int
    requested: bool  # False: the run had already completed (409), or the token may not cancel it
    ended: bool  # the run reads `completed` (it was, or it stopped within the wait)
    refused: str | None = None  # why the token could not cancel it (403/404), in GitHub's words


def status(client: GitHubClient, repo: str, run_id: int) -> str:
    """The run's `status` (queued, in_progress, completed, ...)."""
    data = write_retry.request(client, "GET", f"/repos/{repo}/actions/runs/{run_id}")
    return str(data.get("status") or "")


def cancel_and_wait(
    client: GitHubClient,
    repo: str,
    run_id: int,
    *,
    wait_s: float = DEFAULT_WAIT_SECONDS,
    poll_s: float = POLL_SECONDS,
    sleep: Callable[[float], None] | None = None,
) -> Cancellation:
    """Cancel the run and poll it until it reads `completed`, at most about `wait_s` seconds (counted in polls,
    so a slow machine waits no shorter)."""
    import time

    pause = sleep or time.sleep
    try:
        write_retry.request(client, "POST", f"/repos/{repo}/actions/runs/{run_id}/cancel")
    except GitHubError as error:
        if error.status == 409:
            return Cancellation(run_id, requested=False, ended=True)
        if error.status in (403, 404):
            return Cancellation(run_id, requested=False, ended=False, refused=str(error))
        raise
    for _ in range(max(1, int(wait_s / poll_s))):
        if status(client, repo, run_id) == COMPLETED:
            return Cancellation(run_id, requested=True, ended=True)
        pause(poll_s)
    return Cancellation(run_id, requested=True, ended=status(client, repo, run_id) == COMPLETED)


def branch_exists(client: GitHubClient, repo: str, branch: str) -> bool:
    """Whether `refs/heads/<branch>` exists in `repo` (`GET /git/ref/heads/...`: 404 when it does not)."""
    try:
        write_retry.request(client, "GET", f"/repos/{repo}/git/ref/heads/{quote(branch, safe='/')}")
    except GitHubError as error:
        if error.status == 404:
            return False
        raise
    return True
