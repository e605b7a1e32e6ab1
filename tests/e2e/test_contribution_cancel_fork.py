"""`cancel` releases the claim; fork mode pushes to the caller's fork (found through the API) when it must."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from symphony_bot.autorun.engine import Budget
from symphony_bot.cli import cli
from symphony_bot.contribution.state import Phase
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox
from tests.e2e.contribution_helpers import (
    BOT_TOKEN,
    OWNER,
    REPO,
    SLUG,
    run_issue,
    status_comments,
    symphony_commits,
)
from tests.e2e.test_contribution_resume import ALL_TASKS


@pytest.fixture
def world():
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        yield sb, number


def _cancel(sb, number, *extra: str):
    env = {"GITHUB_TOKEN": BOT_TOKEN, "SYMPHONY_GITHUB_TOKEN": ""}
    return CliRunner().invoke(cli, ["cancel", f"{SLUG}#{number}", "--github-url", sb.api_url, *extra], env=env)


def test_a_budget_stop_keeps_the_draft_then_cancel_releases_the_claim(world) -> None:
    sb, number = world
    state = run_issue(sb, number, budget=Budget(max_tasks=2))
    assert state.phase is Phase.BUDGET_REACHED
    [pull] = sb.pulls(OWNER, REPO)
    assert pull.state == "open" and pull.pull.draft and pull.title.startswith("[WIP] ")
    assert "budget reached" in status_comments(sb, number)[0].body
    result = _cancel(sb, number)
    assert result.exit_code == 0, result.output
    assert f"closed PR #{pull.number} and deleted branch {pull.pull.head_ref}" in result.output
    [closed] = sb.pulls(OWNER, REPO)
    assert closed.state == "closed" and pull.pull.head_ref not in sb.branches(OWNER, REPO)
    [comment] = status_comments(sb, number)
    assert "✋ cancelled" in comment.body and "the claim is released" in comment.body
    assert f"[PR #{pull.number}]" in comment.body and "(closed)" in comment.body and "(deleted)" in comment.body
    assert "2 of 5 tasks done" in comment.body  # figures kept from the PR's metadata block
    # The issue is free again: a new run claims it afresh and finishes.
    assert run_issue(sb, number).phase is Phase.COMPLETED
    assert len(status_comments(sb, number)) == 1


def test_cancel_keep_branch_and_nothing_to_cancel(world) -> None:
    sb, number = world
    result = _cancel(sb, number)
    assert result.exit_code == 0 and "nothing to cancel" in result.output
    run_issue(sb, number, budget=Budget(max_tasks=1))
    [pull] = sb.pulls(OWNER, REPO)
    result = _cancel(sb, number, "--keep-branch")
    assert result.exit_code == 0 and pull.pull.head_ref in sb.branches(OWNER, REPO)
    assert _cancel(sb, 99999999999999999999).exit_code == 2


def test_a_re_run_resumes_at_the_first_unchecked_task(world) -> None:
    sb, number = world
    run_issue(sb, number, budget=Budget(max_tasks=2))
    state = run_issue(sb, number)
    assert state.phase is Phase.COMPLETED and state.resumed
    [pull] = sb.pulls(OWNER, REPO)
    assert symphony_commits(sb, pull.pull.head_sha) == ALL_TASKS


@pytest.mark.parametrize("existing_fork", [False, True])
def test_fork_mode_when_the_token_cannot_push(existing_fork: bool) -> None:
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        sb.add_user("outsider", token="outsider-token")
        if existing_fork:
            sb.fork(OWNER, REPO, "outsider", name="renamed-fork")  # found through the API, not by name
        state = run_issue(sb, number, token="outsider-token")
        assert state.phase is Phase.COMPLETED, state.last_error
        fork_name = "renamed-fork" if existing_fork else REPO
        [pull] = sb.pulls(OWNER, REPO)
        assert pull.user == "outsider" and not pull.pull.draft
        assert pull.pull.head_ref in sb.branches("outsider", fork_name)
        assert pull.pull.head_ref not in sb.branches(OWNER, REPO)
        assert len(symphony_commits_in(sb, "outsider", fork_name, pull.pull.head_ref)) == 5
        assert any("fork" in note for note in state.notes)


def test_fork_never_refuses_without_push_access() -> None:
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        sb.add_user("outsider", token="outsider-token")
        state = run_issue(sb, number, token="outsider-token", fork="never")
        assert state.phase is Phase.FAILED and "--fork never" in state.last_error
        assert sb.pulls(OWNER, REPO) == []


def symphony_commits_in(sb, owner: str, name: str, branch: str) -> list[str]:
    repo = sb.repo(owner, name)
    sha = sb.branches(owner, name)[branch]
    subjects = []
    while sha:
        info = sb.repositories.commit_info(repo, sha)
        if info is None or not info["message"].startswith("symphony:"):
            break
        subjects.append(info["message"])
        sha = info["parents"][0] if info["parents"] else None
    return subjects


def test_cancel_in_fork_mode_deletes_the_branch_in_the_renamed_fork() -> None:
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        sb.add_user("outsider", token="outsider-token")
        sb.fork(OWNER, REPO, "outsider", name="renamed-fork")
        assert run_issue(sb, number, token="outsider-token", budget=Budget(max_tasks=1)).phase is Phase.BUDGET_REACHED
        [pull] = sb.pulls(OWNER, REPO)
        assert pull.pull.head_ref in sb.branches("outsider", "renamed-fork")
        env = {"GITHUB_TOKEN": "outsider-token", "SYMPHONY_GITHUB_TOKEN": ""}
        result = CliRunner().invoke(cli, ["cancel", f"{SLUG}#{number}", "--github-url", sb.api_url], env=env)
        assert result.exit_code == 0, result.output
        assert pull.pull.head_ref not in sb.branches("outsider", "renamed-fork")
        assert sb.pulls(OWNER, REPO)[0].state == "closed"
