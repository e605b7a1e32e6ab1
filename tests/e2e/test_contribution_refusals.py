"""What GitHub refuses a run, and what the run does instead and says, on the sandbox.

- A locked issue: GitHub refuses comments there to GitHub Apps and GITHUB_TOKEN, and to anyone without write
  access (403 "Unable to create comment because issue is locked."; probot/stale#25, renovatebot/renovate#6215).
  The run goes on; the pull request body says why there is no status comment.
- A token without Issues: write: 403 "Resource not accessible by integration" to its comments (docs: "Create an
  issue comment", fine-grained permissions). Same outcome.
- A private repository of a Free plan refuses draft pull requests (422 "Draft pull requests are not supported in
  this repository."; docs "About pull requests": drafts are available in private repositories with Team and
  Enterprise Cloud only). The run opens a normal pull request titled [WIP] and says so.
"""

from __future__ import annotations

import pytest

from symphony_bot.contribution.comment_refusal import NOTE_LOCKED, NOTE_NO_PERMISSION
from symphony_bot.contribution.config import NOTE_NO_DRAFTS
from symphony_bot.contribution.state import Phase
from symphony_bot.contribution.status_comment import TITLE_PREFIX_WIP
from symphony_bot.demo import scenario
from symphony_bot.github import write_retry
from symphony_bot.sandbox import Sandbox
from tests.e2e.contribution_helpers import OWNER, REPO, SLUG, client_for, run_issue, status_comments

APP = "symphony-helper"
JOB_PERMISSIONS = {"contents": "write", "issues": "write", "pull-requests": "write"}


@pytest.fixture
def world():
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        yield sb, number


def _lock(sb, number: int) -> None:
    """The maintainer locks the conversation, as GitHub's UI does (`PUT /repos/{o}/{r}/issues/{n}/lock`)."""
    with client_for(sb, scenario.MAINTAINER_TOKEN) as client:
        write_retry.request(client, "PUT", f"/repos/{SLUG}/issues/{number}/lock", body={"lock_reason": "resolved"})
    assert sb.issue(OWNER, REPO, number).locked


def _refusals(received: list[dict]) -> list[str]:
    return [event["reason"] for event in received if event["type"] == "comment_refused"]


def test_a_locked_issue_with_an_app_token_runs_and_the_pull_request_says_why_there_is_no_comment(world) -> None:
    sb, number = world
    _lock(sb, number)
    grant = sb.add_installation_token(APP, account=OWNER, permissions=JOB_PERMISSIONS, repositories=[SLUG])
    received: list[dict] = []
    state = run_issue(sb, number, token=grant.token, events=received)
    assert state.phase is Phase.COMPLETED, state.last_error
    assert status_comments(sb, number) == [] and "locked" in _refusals(received)
    [pull] = sb.pulls(OWNER, REPO)
    assert pull.body.startswith(f"Closes #{number}\n") and NOTE_LOCKED in pull.body
    assert pull.pull is not None and not pull.pull.draft


def test_a_locked_issue_refuses_a_donor_without_write_access_who_works_from_a_fork(world) -> None:
    sb, number = world
    _lock(sb, number)
    sb.add_user("donor", token="donor-token")  # no role on the repository: forks, and may not comment when locked
    received: list[dict] = []
    state = run_issue(sb, number, token="donor-token", events=received)
    assert state.phase is Phase.COMPLETED, state.last_error
    assert status_comments(sb, number) == [] and _refusals(received) == ["locked"]
    [pull] = sb.pulls(OWNER, REPO)
    assert pull.user == "donor" and NOTE_LOCKED in pull.body


def test_a_token_without_issues_write_runs_and_the_pull_request_says_what_to_grant(world) -> None:
    sb, number = world
    grant = sb.add_installation_token(
        APP, account=OWNER, permissions={"contents": "write", "pull-requests": "write"}, repositories=[SLUG]
    )
    received: list[dict] = []
    state = run_issue(sb, number, token=grant.token, events=received)
    assert state.phase is Phase.COMPLETED, state.last_error
    assert status_comments(sb, number) == [] and _refusals(received) == ["no_permission"]
    [pull] = sb.pulls(OWNER, REPO)
    assert NOTE_NO_PERMISSION in pull.body


def test_a_private_free_plan_repository_gets_a_wip_pull_request_and_is_told(world) -> None:
    sb, _ = world
    owner, name = "free-owner", "private-project"
    sb.add_user(owner, token="free-owner-token")
    sb.create_repo(owner, name, files=dict(scenario.DOCUMENTS), private=True)  # a Free account: GitHub's default
    sb.add_label(owner, name, "runmaestro.ai")
    sb.set_permission(owner, name, scenario.BOT_LOGIN, "write")
    number = sb.create_issue(owner, name, scenario.ISSUE_TITLE, scenario.ISSUE_BODY, labels=["runmaestro.ai"]).number
    received: list[dict] = []
    state = _run_in(sb, f"{owner}/{name}", number, events=received, budget=_one_task())
    assert state.phase is Phase.BUDGET_REACHED, state.last_error
    [pull] = sb.pulls(owner, name)
    assert pull.pull is not None and not pull.pull.draft and pull.title.startswith(TITLE_PREFIX_WIP)
    [comment] = [c for c in sb.comments(owner, name, number) if "symphony-bot:status" in c.body]
    assert NOTE_NO_DRAFTS.split(" titled")[0] in comment.body  # the rest is escaped as Markdown ("\\[WIP\\]")
    state = _run_in(sb, f"{owner}/{name}", number)  # resumed to the end: the [WIP] goes
    assert state.phase is Phase.COMPLETED, state.last_error
    [pull] = sb.pulls(owner, name)
    assert not pull.title.startswith(TITLE_PREFIX_WIP)


def _run_in(sb, repository: str, number: int, events=None, **config):
    """run_issue for a repository other than the demo's."""
    from symphony_bot.contribution.config import RunConfig
    from symphony_bot.contribution.runner import ContributionRunner
    from tests.e2e.contribution_helpers import BOT_TOKEN, demo_agent

    with client_for(sb, BOT_TOKEN) as client:
        run_config = RunConfig(
            repository=repository,
            issue=number,
            agent=demo_agent(),
            agent_name="command",
            token=BOT_TOKEN,
            task_timeout_s=60,
            inactivity_timeout_s=60,
            **config,
        )
        return ContributionRunner(client, run_config, [events.append] if events is not None else []).run()


def _one_task():
    from symphony_bot.autorun.engine import Budget

    return Budget(max_tasks=1)
