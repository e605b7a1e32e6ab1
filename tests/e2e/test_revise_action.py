"""`/symphony revise` through the Action, with real @octokit/webhooks-examples payloads (pull_request_review
submitted, issue_comment created on a pull request) readdressed to the sandbox: the routing, the who-can-run rule,
and the seam's `revise` child command run in process against the sandbox."""

from __future__ import annotations

import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from symphony_bot.action.runner_seam import RunRequest, RunResult
from symphony_bot.cli import cli
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox
from tests.action_helpers import _user, example
from tests.action_helpers import readdress as readdress_to_helpers_repo
from tests.e2e.contribution_helpers import BOT_TOKEN, OWNER, REPO, SLUG, client_for, run_issue
from tests.e2e.test_revise import REVISING_AGENT, STRANGER, STRANGER_TOKEN, seed_review, thread_comments


def readdress(payload: dict[str, Any], *, sender: str, number: int | None = None) -> dict[str, Any]:
    """A real payload pointed at the demo's repository (the shape stays GitHub's)."""
    payload = readdress_to_helpers_repo(payload, number=number, sender=sender)
    repository = payload["repository"]
    repository["full_name"], repository["name"], repository["owner"]["login"] = SLUG, REPO, OWNER
    return payload


class RevisingRunner:
    """The seam's far side: `revise` runs the child's command line in process (the token in its environment)."""

    def __init__(self, sb: Sandbox, shared: str) -> None:
        self.sb = sb
        self.shared = shared  # where the agent's script lives: outside pytest's 0700 folders
        self.calls: list[list[str]] = []

    def revise(self, arguments: list[str], request: RunRequest) -> RunResult:
        self.calls.append(arguments)
        args = [*arguments, "--github-url", self.sb.api_url, "--allow-weak-containment"]
        env = {"SYMPHONY_GITHUB_TOKEN": BOT_TOKEN, "GITHUB_TOKEN": BOT_TOKEN}
        result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
        lines = result.output.splitlines()
        return RunResult("completed" if result.exit_code == 0 else "failed", result.exit_code, log_tail=lines)

    def run(self, request: RunRequest) -> RunResult:  # pragma: no cover - not reached by revise
        raise AssertionError("revise must not start a run")

    cancel = finalize = run


def action(sb: Sandbox, tmp_path: Path, runner: RevisingRunner, event: str, payload: dict[str, Any]) -> Any:
    import io
    import json

    from symphony_bot.action.main import run_action

    (tmp_path / "event.json").write_text(json.dumps(payload))
    (tmp_path / "workspace").mkdir(exist_ok=True)
    # A bot running as root runs each agent task as an unprivileged user of its own: the script must be readable.
    shared = Path(runner.shared)
    shared.chmod(0o755)
    agent = shared / "agent.py"
    agent.write_text("import os, re, sys, json, pathlib\n" + REVISING_AGENT)
    agent.chmod(0o644)
    environ = {
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_REPOSITORY": SLUG,
        "GITHUB_WORKSPACE": str(tmp_path / "workspace"),
        "GITHUB_API_URL": sb.api_url,
        "GITHUB_GRAPHQL_URL": sb.graphql_url,
        "INPUT_GITHUB-TOKEN": BOT_TOKEN,
        "INPUT_MODE": "auto",
        "INPUT_DRY-RUN": "false",
        "INPUT_AGENT": "command",
        "INPUT_AGENT-COMMAND": shlex.join([sys.executable, str(agent)]),
    }
    return run_action(environ, io.StringIO(), runner=runner, client_factory=lambda inputs: client_for(sb))


def review_payload(pull: int, body: str, by: str) -> dict[str, Any]:
    payload = readdress(example("pull_request_review", "submitted"), sender=by)
    payload["pull_request"]["number"] = pull
    payload["review"]["body"] = body
    payload["review"]["user"] = _user(payload["review"]["user"], by)
    return payload


@pytest.fixture
def shared():
    with tempfile.TemporaryDirectory(prefix="revise-agent-") as folder:
        yield folder


@pytest.fixture
def finished():
    with Sandbox() as sb:
        number, _trigger = scenario.seed(sb)
        sb.add_user(STRANGER, token=STRANGER_TOKEN)
        run_issue(sb, number)
        [pull] = sb.pulls(OWNER, REPO)
        yield sb, number, pull.number


def test_a_review_asking_for_a_revision_runs_one_through_the_action(finished, tmp_path, shared):
    sb, issue, pull = finished
    seed_review(sb, pull)
    runner = RevisingRunner(sb, shared)

    outcome = action(sb, tmp_path, runner, "pull_request_review", review_payload(pull, "/symphony revise", OWNER))

    assert not outcome.failed, outcome.message
    [arguments] = runner.calls
    assert arguments[:3] == ["revise", f"{SLUG}#{pull}", "--json"] and BOT_TOKEN not in " ".join(arguments)
    threads = thread_comments(sb, pull)
    assert [sum(user == scenario.BOT_LOGIN for user, _ in thread) for thread in threads] == [1, 1, 1, 0]
    status = next(c for c in sb.comments(OWNER, REPO, issue) if "### Revision 1" in c.body)
    assert "### Revision 1 (finished)" in status.body and "Tokens: " in status.body and STRANGER in status.body

    again = action(sb, tmp_path, runner, "pull_request_review", review_payload(pull, "/symphony revise", OWNER))
    assert again.status == "nothing-to-revise"
    assert any("Nothing to revise" in c.body for c in sb.comments(OWNER, REPO, pull))


def test_a_stranger_asking_is_refused_and_nothing_runs(finished, tmp_path, shared):
    sb, _issue, pull = finished
    runner = RevisingRunner(sb, shared)
    payload = review_payload(pull, "Looks odd.\n\n/symphony revise", STRANGER)
    outcome = action(sb, tmp_path, runner, "pull_request_review", payload)
    assert outcome.status == "refused" and runner.calls == []


def test_a_comment_on_the_pull_request_asks_the_same_way(finished, tmp_path, shared):
    sb, _issue, pull = finished
    runner = RevisingRunner(sb, shared)
    payload = readdress(example("issue_comment", "created"), number=pull, sender=OWNER)
    payload["comment"]["body"] = "/symphony revise\nAlso add a line saying thanks."
    payload["comment"]["user"] = _user(payload["comment"]["user"], OWNER)
    payload["issue"]["pull_request"] = {"url": f"https://api.github.com/repos/{SLUG}/pulls/{pull}"}
    comment = sb.comment(OWNER, REPO, pull, payload["comment"]["body"], author=OWNER)
    payload["comment"]["id"] = comment.id
    outcome = action(sb, tmp_path, runner, "issue_comment", payload)
    assert not outcome.failed, outcome.message
    [arguments] = runner.calls
    assert arguments[arguments.index("--request") + 1] == "Also add a line saying thanks."
    head = sb.pulls(OWNER, REPO)[0].pull.head_ref
    assert "Make the change requested" in sb.file(OWNER, REPO, "REVISED.md", ref=head)


def test_a_line_comment_is_a_thread_not_a_command(finished, tmp_path, shared):
    sb, _issue, pull = finished
    runner = RevisingRunner(sb, shared)
    payload = readdress(example("pull_request_review_comment", "created"), sender=OWNER)
    payload["pull_request"]["number"] = pull
    payload["comment"]["body"] = "/symphony revise"
    outcome = action(sb, tmp_path, runner, "pull_request_review_comment", payload)
    assert outcome.status == "ignored" and runner.calls == []
