"""Runs with every kind of token a donor gives the bot, on the sandbox, deciding from what GitHub answers.

GitHub's behaviour these runs meet (docs/tokens.md):
- installation tokens (a GitHub App's, the workflow's GITHUB_TOKEN) are refused `GET /user` and are not told
  their push access by `GET /repos` (`permissions.push: false` or no `permissions`; semantic-release/github#182);
- GITHUB_TOKEN may not open pull requests while "Allow GitHub Actions to create and approve pull requests" is off,
  GitHub's default (403 "GitHub Actions is not permitted to create or approve pull requests.";
  peter-evans/create-pull-request#1175 and #3979, changelog 2022-05-03);
- a push that adds or changes .github/workflows/ is refused to a token without the workflow scope or Workflows
  write (docs "Controlling permissions for GITHUB_TOKEN"; "refusing to allow a GitHub App to create or update
  workflow ... without `workflows` permission").
"""

from __future__ import annotations

import pytest

from symphony_bot.contribution import push_access
from symphony_bot.contribution.config import FINALIZED, NOTE_WORKFLOWS_HELD_BACK
from symphony_bot.contribution.state import Phase
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox
from tests.e2e.contribution_helpers import OWNER, REPO, SLUG, run_issue, script_agent, status_comments

JOB_PERMISSIONS = {"contents": "write", "issues": "write", "pull-requests": "write"}
APP = "symphony-helper"
TICK = """
doc = pathlib.Path(os.environ["SYMPHONY_DOC"])
lines = doc.read_text().split("\\n")
n = int(os.environ["SYMPHONY_TASK_LINE"]) - 1
lines[n] = lines[n].replace("[ ]", "[x]", 1)
doc.write_text("\\n".join(lines))
"""


@pytest.fixture
def world():
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        yield sb, number


def _no_fork_attempted(sb) -> bool:
    return sb.requests.calls("repos/create-fork") == 0 and not any(
        entry.path.endswith("/forks") and entry.method == "POST" for entry in sb.requests
    )


def _pushes(sb) -> list[int]:
    """Statuses of the pushes that sent something (a dry run only asks `info/refs`)."""
    return [entry.status for entry in sb.requests if entry.operation == "git/receive-pack" and entry.method == "POST"]


def test_a_run_with_an_app_installation_token_completes_upstream_with_no_fork_attempt(world) -> None:
    sb, number = world
    grant = sb.add_installation_token(APP, account=OWNER, permissions=JOB_PERMISSIONS, repositories=[SLUG])
    state = run_issue(sb, number, token=grant.token)
    assert state.phase is Phase.COMPLETED, state.last_error
    assert _no_fork_attempted(sb)
    [pull] = sb.pulls(OWNER, REPO)
    assert pull.user == f"{APP}[bot]" and pull.pull is not None and not pull.pull.draft
    assert pull.pull.head_ref.startswith(f"symphony/{number}-")  # a branch of the repository itself
    [comment] = status_comments(sb, number)
    assert comment.user == f"{APP}[bot]" and "dry-run push of the claim branch was accepted" in comment.body


def test_a_run_with_the_workflows_own_token_ends_with_a_ready_pull_request(world) -> None:
    sb, number = world
    sb.set_actions_can_create_pulls(OWNER, REPO)
    token = sb.add_actions_token(OWNER, REPO, permissions=JOB_PERMISSIONS)
    state = run_issue(sb, number, token=token)
    assert state.phase is Phase.COMPLETED, state.last_error
    assert _no_fork_attempted(sb)
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


def test_the_workflows_own_token_with_the_setting_off_pushes_nothing_and_explains(world) -> None:
    sb, number = world
    token = sb.add_actions_token(OWNER, REPO, permissions=JOB_PERMISSIONS)  # the setting stays off: the default
    received: list[dict] = []
    state = run_issue(sb, number, token=token, events=received)
    assert state.phase is Phase.FAILED
    assert _pushes(sb) == [] and list(sb.branches(OWNER, REPO)) == ["main"] and sb.pulls(OWNER, REPO) == []
    assert not any(event["type"] == "task_start" for event in received)  # not a minute of agent time spent
    [comment] = status_comments(sb, number)
    for words in (push_access.ACTIONS_SETTING, "Settings → Actions → General → Workflow permissions", "GitHub App"):
        assert words in comment.body
    [finalized] = [event for event in received if event["type"] == FINALIZED]
    assert push_access.ACTIONS_SETTING in finalized["error"]  # the Action's ::error line and summary show it


def test_an_app_token_without_workflows_write_never_attempts_a_workflow_push(world, tmp_path) -> None:
    sb, number = world
    sb.push_branch(OWNER, REPO, "main", {".github/workflows/ci.yml": "on: pull_request\n"})
    grant = sb.add_installation_token(APP, account=OWNER, permissions=JOB_PERMISSIONS, repositories=[SLUG])
    agent = script_agent(tmp_path, _EDITS_A_WORKFLOW + TICK)
    state = run_issue(sb, number, token=grant.token, agent=agent)
    assert state.phase is Phase.COMPLETED, state.last_error
    assert _pushes(sb) and set(_pushes(sb)) == {200}  # every push GitHub was sent, it accepted
    [pull] = sb.pulls(OWNER, REPO)
    assert sb.file(OWNER, REPO, ".github/workflows/ci.yml", ref=pull.pull.head_ref) == "on: pull_request\n"
    [comment] = status_comments(sb, number)
    assert NOTE_WORKFLOWS_HELD_BACK.split(":")[0] in comment.body


_EDITS_A_WORKFLOW = (
    "repo = pathlib.Path(os.environ['SYMPHONY_REPO'])\n"
    "(repo / '.github' / 'workflows' / 'ci.yml').write_text('on: push\\n')\n"
    "(repo / 'work.txt').write_text(os.environ['SYMPHONY_TASK'])\n"
)


def _one_task():
    from symphony_bot.autorun.engine import Budget

    return Budget(max_tasks=1)


def test_a_fine_grained_token_without_workflows_write_never_attempts_a_workflow_push(world, tmp_path) -> None:
    # GitHub refuses a fine-grained token's push that touches .github/workflows/ without Workflows: write
    # ("refusing to allow a Personal Access Token to create or update workflow ... without `workflow` scope").
    sb, number = world
    sb.push_branch(OWNER, REPO, "main", {".github/workflows/ci.yml": "on: pull_request\n"})
    token = "github_pat_donor_without_workflows"  # a sandbox token, valid nowhere else
    fine_grained = {"contents": "write", "issues": "write", "pull_requests": "write"}
    sb.add_personal_token(scenario.BOT_LOGIN, token, permissions=fine_grained, repositories=[SLUG])
    state = run_issue(sb, number, token=token, agent=script_agent(tmp_path, _EDITS_A_WORKFLOW + TICK))
    assert state.phase is Phase.COMPLETED, state.last_error
    assert _pushes(sb) and set(_pushes(sb)) == {200}  # nothing GitHub refuses was ever sent
    [pull] = sb.pulls(OWNER, REPO)
    assert sb.file(OWNER, REPO, ".github/workflows/ci.yml", ref=pull.pull.head_ref) == "on: pull_request\n"
    assert _no_fork_attempted(sb)


class _SettingTurnedOffAtFirstPush(list):
    """Events, and the Actions setting switched off once the first push is done: a GitHub that checks the
    setting only when the pull request is really opened (the early check then saw nothing wrong)."""

    def __init__(self, sb) -> None:
        super().__init__()
        self.sb = sb

    def append(self, event) -> None:
        super().append(event)
        if event["type"] == "pushed":
            self.sb.set_actions_can_create_pulls(OWNER, REPO, False)


def test_a_late_refusal_of_the_pull_request_keeps_the_branch_and_names_the_setting(world) -> None:
    sb, number = world
    sb.set_actions_can_create_pulls(OWNER, REPO)
    token = sb.add_actions_token(OWNER, REPO, permissions=JOB_PERMISSIONS)
    received = _SettingTurnedOffAtFirstPush(sb)
    state = run_issue(sb, number, token=token, events=received)
    assert state.phase is Phase.FAILED and sb.pulls(OWNER, REPO) == []
    assert state.last_error is not None and push_access.ACTIONS_SETTING in state.last_error
    [pushed] = [event["branch"] for event in received if event["type"] == "pushed"]
    assert pushed in sb.branches(OWNER, REPO) and f"the branch {pushed} keeps the work" in state.last_error
    sb.set_actions_can_create_pulls(OWNER, REPO)  # the maintainer turns it on: a re-run resumes and opens the PR
    state = run_issue(sb, number, token=token)
    assert state.phase is Phase.COMPLETED and state.resumed, state.last_error
    [pull] = sb.pulls(OWNER, REPO)
    assert pull.pull is not None and pull.pull.head_ref == pushed


def test_a_rerun_of_its_own_claim_needs_no_new_pull_request_so_the_setting_no_longer_matters(world) -> None:
    # The setting governs creating (and approving) pull requests only: pushing to the claim and editing its own
    # pull request go on with it off.
    sb, number = world
    sb.set_actions_can_create_pulls(OWNER, REPO)
    token = sb.add_actions_token(OWNER, REPO, permissions=JOB_PERMISSIONS)
    assert run_issue(sb, number, token=token, budget=_one_task()).phase is Phase.BUDGET_REACHED
    sb.set_actions_can_create_pulls(OWNER, REPO, False)
    state = run_issue(sb, number, token=token)
    assert state.phase is Phase.COMPLETED and state.resumed, state.last_error
    [pull] = sb.pulls(OWNER, REPO)
    assert pull.pull is not None and not pull.pull.draft
