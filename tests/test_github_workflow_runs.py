"""github/workflow_runs.py against the sandbox: cancel a run and wait (in polls, not seconds) until it reads
completed; a run already completed (409), a token that may not cancel (403), a branch that is gone.

GitHub: "Cancel a workflow run" answers 202 and the run keeps `status: in_progress` until its jobs stopped; 409
once it completed (docs.github.com/rest/actions/workflow-runs#cancel-a-workflow-run). The sandbox completes a
cancelled run at once; these tests give it GitHub's behaviour (202, still in progress) and move the run on
themselves, the way the job's runner would, from the wait's sleep.
"""

from __future__ import annotations

import pytest
import requests

from symphony_bot.github import workflow_runs
from symphony_bot.github.client import GitHubClient
from symphony_bot.github.pacer import Limits, Pacer
from symphony_bot.sandbox.state import SandboxError
from symphony_bot.sandbox.state.actions import MESSAGE_CANNOT_CANCEL
from tests.sandbox_helpers import OWNER, REPO, TOKENS

SLUG = f"{OWNER}/{REPO}"
WORKFLOW = "on:\n  workflow_dispatch:\njobs: {}\n"


def _client(sb, login: str = "maintainer") -> GitHubClient:
    return GitHubClient(sb.api_url, sb.graphql_url, TOKENS[login], pacer=Pacer(Limits.unlimited()))


@pytest.fixture
def github_like_cancel(sb, monkeypatch):
    """Cancel as GitHub does it: checked and accepted, the run untouched until its jobs have stopped."""
    store = sb.state

    def cancel_run(repo, run, actor) -> None:
        with store.lock:
            store.require(repo, actor, "write")
            if run.status == "completed":
                raise SandboxError(409, MESSAGE_CANNOT_CANCEL)

    monkeypatch.setattr(store, "cancel_run", cancel_run)


def _run(sb, status: str = "in_progress") -> int:
    sb.push_branch(OWNER, REPO, "main", {".github/workflows/w.yml": WORKFLOW})
    url = f"{sb.api_url}/repos/{SLUG}/actions/workflows/w.yml/dispatches"
    reply = requests.post(url, json={"ref": "main"}, headers={"Authorization": f"token {TOKENS['maintainer']}"})
    assert reply.status_code == 204
    run = sb.workflow_runs(OWNER, REPO)[-1]
    sb.set_run_status(OWNER, REPO, run.id, status)
    return run.id


def test_cancel_waits_until_the_run_reads_completed(sb, github_like_cancel) -> None:
    run_id = _run(sb)
    polls: list[float] = []

    def runner_still_stopping(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 3:  # the job's runner has stopped it
            sb.set_run_status(OWNER, REPO, run_id, "completed", "cancelled")

    with _client(sb) as client:
        done = workflow_runs.cancel_and_wait(client, SLUG, run_id, wait_s=60, poll_s=5, sleep=runner_still_stopping)
    assert done == workflow_runs.Cancellation(run_id, requested=True, ended=True)
    assert polls == [5, 5, 5]


def test_the_wait_is_bounded_and_says_the_run_had_not_ended(sb, github_like_cancel) -> None:
    run_id = _run(sb)
    polls: list[float] = []

    with _client(sb) as client:
        done = workflow_runs.cancel_and_wait(client, SLUG, run_id, wait_s=20, poll_s=5, sleep=polls.append)
    assert done == workflow_runs.Cancellation(run_id, requested=True, ended=False) and len(polls) == 4


def test_a_completed_run_and_a_token_that_may_not_cancel(sb) -> None:
    finished = _run(sb, "completed")
    with _client(sb) as client:
        assert workflow_runs.cancel_and_wait(client, SLUG, finished, sleep=lambda _s: None) == (
            workflow_runs.Cancellation(finished, requested=False, ended=True)
        )
    running = _run(sb)
    with _client(sb, "stranger") as client:
        refused = workflow_runs.cancel_and_wait(client, SLUG, running, sleep=lambda _s: None)
    assert not refused.requested and not refused.ended and refused.refused


def test_branch_exists(sb) -> None:
    sb.push_branch(OWNER, REPO, "symphony/1-abc", {"a.txt": "a"})
    with _client(sb) as client:
        assert workflow_runs.branch_exists(client, SLUG, "symphony/1-abc")
        assert not workflow_runs.branch_exists(client, SLUG, "symphony/1-gone")
