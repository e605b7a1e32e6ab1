"""`/symphony run` through the Action with the workflow's own GITHUB_TOKEN while the repository's "Allow GitHub
Actions to create and approve pull requests" is off (GitHub's default for new repositories and organisations,
changelog 2022-05-03): GitHub would refuse the pull request with 403 "GitHub Actions is not permitted to create
or approve pull requests." (peter-evans/create-pull-request#1175, #3979). The run finds that out before anything
is pushed, pushes nothing, and says the setting's name, where it is and the better fix in the `::error` line, the
job summary and the status comment."""

from __future__ import annotations

import io
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from symphony_bot.action.main import run_action
from symphony_bot.action.replies import STATUS_MARKER
from symphony_bot.action.runner_seam import CliRunner
from symphony_bot.contribution.push_access import ACTIONS_SETTING, ACTIONS_SETTING_PLACE
from symphony_bot.github.client import GitHubClient
from tests.action_helpers import LABEL, OWNER, REPO, World, commented, make_world

AGENT_COMMAND = shlex.join([sys.executable, "-m", "symphony_bot.demo.agent"])
JOB_PERMISSIONS = {"contents": "write", "issues": "write", "pull-requests": "write"}
BETTER_FIX = "GitHub App token or a fine-grained token"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    for world in make_world(tmp_path):
        world.runner = CliRunner()  # type: ignore[assignment]  # the real runner, in a child process
        yield world


def _act_with_the_job_token(world: World, number: int, token: str) -> tuple[str, dict[str, str]]:
    posted = world.sb.comment(OWNER, REPO, number, "/symphony run", author="writer")
    payload = commented(number, posted.id, "/symphony run", by="writer", labels=[LABEL])
    environ = world.environ("issue_comment", payload, {"agent": "command", "agent-command": AGENT_COMMAND})
    environ["INPUT_GITHUB-TOKEN"] = environ["SYMPHONY_WORKFLOW_TOKEN"] = token  # github-token: the job's own
    stdout = io.StringIO()
    run_action(
        environ,
        stdout,
        runner=world.runner,
        client_factory=lambda inputs: GitHubClient(world.sb.api_url, world.sb.graphql_url, inputs.github_token),
    )
    return stdout.getvalue(), environ


def test_the_setting_off_pushes_nothing_and_says_what_to_change_everywhere(world: World) -> None:
    sb = world.sb
    token = sb.add_actions_token(OWNER, REPO, permissions=JOB_PERMISSIONS)
    number = sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=[LABEL]).number
    log, environ = _act_with_the_job_token(world, number, token)
    assert list(sb.branches(OWNER, REPO)) == ["main"] and sb.pulls(OWNER, REPO) == []
    assert not any(entry.operation == "git/receive-pack" and entry.method == "POST" for entry in sb.requests)
    [error_line] = [line for line in log.splitlines() if line.startswith("::error")]
    summary = Path(environ["GITHUB_STEP_SUMMARY"]).read_text()
    [status] = [c.body for c in sb.comments(OWNER, REPO, number) if STATUS_MARKER in c.body]
    for where in (error_line, summary, status):
        assert ACTIONS_SETTING in where and ACTIONS_SETTING_PLACE in where and BETTER_FIX in where, where


def test_the_setting_on_runs_to_a_pull_request(world: World) -> None:
    sb = world.sb
    sb.set_actions_can_create_pulls(OWNER, REPO)
    token = sb.add_actions_token(OWNER, REPO, permissions=JOB_PERMISSIONS)
    number = sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=[LABEL]).number
    log, _ = _act_with_the_job_token(world, number, token)
    [pull] = sb.pulls(OWNER, REPO)
    assert pull.user == "github-actions[bot]" and pull.pull is not None and not pull.pull.draft, log[-3000:]
    assert not any(line.startswith("::error") for line in log.splitlines())
