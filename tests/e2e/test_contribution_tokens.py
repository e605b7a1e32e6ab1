"""A run with the token Actions gives a workflow (GITHUB_TOKEN): an installation token, refused `GET /user`."""

from __future__ import annotations

import pytest

from symphony_bot.contribution.state import Phase
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox
from tests.e2e.contribution_helpers import OWNER, REPO, run_issue, status_comments

JOB_PERMISSIONS = {"contents": "write", "issues": "write", "pull-requests": "write"}


@pytest.fixture
def world():
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        yield sb, number


def test_a_run_with_the_workflows_own_token_ends_with_a_ready_pull_request(world) -> None:
    sb, number = world
    sb.set_actions_can_create_pulls(OWNER, REPO)
    token = sb.add_actions_token(OWNER, REPO, permissions=JOB_PERMISSIONS)
    state = run_issue(sb, number, token=token)
    assert state.phase is Phase.COMPLETED, state.last_error
    [pull] = sb.pulls(OWNER, REPO)
    assert pull.user == "github-actions[bot]" and pull.pull is not None and not pull.pull.draft
    [comment] = status_comments(sb, number)
    assert comment.user == "github-actions[bot]"


def test_a_rerun_with_the_workflows_own_token_finds_its_own_comment_and_claim(world) -> None:
    sb, number = world
    sb.set_actions_can_create_pulls(OWNER, REPO)
    token = sb.add_actions_token(OWNER, REPO, permissions=JOB_PERMISSIONS)
    assert run_issue(sb, number, token=token, budget=_one_task()).phase is Phase.BUDGET_REACHED
    state = run_issue(sb, number, token=token)
    assert state.phase is Phase.COMPLETED and state.resumed, state.last_error
    assert len(sb.pulls(OWNER, REPO)) == 1 and len(status_comments(sb, number)) == 1


def _one_task():
    from symphony_bot.autorun.engine import Budget

    return Budget(max_tasks=1)
