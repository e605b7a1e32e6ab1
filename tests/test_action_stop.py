"""`/symphony stop`: the running job is cancelled through the Actions API (its run id read from the status
comment's run link), against the sandbox's workflow runs; a finished run is left alone and said so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from github import Auth, Github

from symphony_bot.action.replies import STATUS_MARKER
from tests.action_helpers import BOT, LABEL, OWNER, REPO, SLUG, TOKENS, World, commented, make_world

WORKFLOW = ".github/workflows/symphony.yml"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def running_job(world: World) -> int:
    """A workflow run of the repository, as the job that runs /symphony run would be (queued by a dispatch)."""
    world.sb.push_branch(OWNER, REPO, "main", {WORKFLOW: "on:\n  workflow_dispatch:\n"})
    github = Github(
        base_url=world.sb.api_url,
        auth=Auth.Token(TOKENS[OWNER]),
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
    github.requester.requestJsonAndCheck(
        "POST", f"/repos/{SLUG}/actions/workflows/symphony.yml/dispatches", input={"ref": "main"}
    )
    [run] = world.sb.workflow_runs(OWNER, REPO)
    world.sb.set_run_status(OWNER, REPO, run.id, "in_progress")
    return run.id


def status_comment(world: World, number: int, run_id: int) -> None:
    """The runner's own status comment of a running job, rendered by status.render_comment."""
    from symphony_bot.contribution.state import ContributionState, Phase
    from symphony_bot.contribution.status_comment import render_comment

    state = ContributionState(repository=SLUG, issue=number, issue_title="Docs", started_at_ms=0, phase=Phase.RUNNING)
    state.run_url = f"https://github.com/{SLUG}/actions/runs/{run_id}"
    body = render_comment(state, now_ms=1000)
    assert STATUS_MARKER in body
    world.sb.comment(OWNER, REPO, number, body, author=BOT)


def stop(world: World, number: int) -> str:
    posted = world.sb.comment(OWNER, REPO, number, "/symphony stop", author="writer")
    return world.act(
        "issue_comment", commented(number, posted.id, "/symphony stop", by="writer", labels=[LABEL])
    ).outcome.status


def test_stop_cancels_the_job_named_in_the_status_comment(world: World) -> None:
    number = world.sb.create_issue(OWNER, REPO, "Docs", "docs/tasks.md\n", labels=[LABEL]).number
    run_id = running_job(world)
    status_comment(world, number, run_id)
    assert stop(world, number) == "stop-requested"
    [run] = world.sb.workflow_runs(OWNER, REPO)
    assert (run.status, run.conclusion) == ("completed", "cancelled")
    assert f"Stopping workflow run [{run_id}]" in world.comments(number)[-1][1]
    # Asked again, the run has finished: nothing to stop, and the reply says so.
    assert stop(world, number) == "nothing-to-stop"
    assert "has already finished" in world.comments(number)[-1][1]


def test_stop_never_cancels_its_own_job(world: World) -> None:
    number = world.sb.create_issue(OWNER, REPO, "Docs", "docs/tasks.md\n", labels=[LABEL]).number
    status_comment(world, number, 999)  # 999 is GITHUB_RUN_ID in the test environment: this very job
    assert stop(world, number) == "nothing-to-stop"
