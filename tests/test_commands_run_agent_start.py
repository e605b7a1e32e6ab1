"""`symphony-bot run` refuses an agent its user cannot start before it clones or claims anything (the real command
line on the sandbox; run as root, the agent runs as a fresh uid of its own)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from symphony_bot.agents.executable_check import PER_TASK_USER
from symphony_bot.cli import cli
from symphony_bot.commands import exit_codes
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox
from tests.autorun_helpers import reachable_tmp

ROOT = os.geteuid() == 0
CLOSED = 0o700 if ROOT else 0o000  # closed to the agent's user: the per-task uid (root), else the bot itself


@pytest.fixture(name="closed_agent")
def closed_agent_script() -> Iterator[Path]:
    """A fine script in a folder the agent's user may not enter."""
    with reachable_tmp() as path:
        private = path / "private"
        private.mkdir()
        agent = private / "agent.sh"
        agent.write_text("#!/bin/sh\necho never\n")
        agent.chmod(0o755)
        private.chmod(CLOSED)
        try:
            yield agent
        finally:
            private.chmod(0o755)


def invoke(sb: Sandbox, number: int, agent: Path, *extra: str):
    env = {"GITHUB_TOKEN": scenario.BOT_TOKEN, "SYMPHONY_GITHUB_TOKEN": "", "SYMPHONY_TRIGGERED_BY": ""}
    args = ["run", f"{scenario.SLUG}#{number}", "--agent", "command", "--agent-command", str(agent)]
    args += ["--github-url", sb.api_url, "--allow-weak-containment", *extra]
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def test_an_agent_its_user_cannot_start_is_refused_before_anything_is_cloned_or_claimed(closed_agent) -> None:
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        comments_before = len(sb.comments(scenario.OWNER, scenario.REPO, number))
        branches_before = sb.branches(scenario.OWNER, scenario.REPO)
        result = invoke(sb, number, closed_agent)
        with_json = invoke(sb, number, closed_agent, "--json")
        assert sb.pulls(scenario.OWNER, scenario.REPO) == []
        assert len(sb.comments(scenario.OWNER, scenario.REPO, number)) == comments_before  # no status comment
        assert sb.branches(scenario.OWNER, scenario.REPO) == branches_before
    assert result.exit_code == exit_codes.FINDINGS, result.output
    (sentence,) = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert str(closed_agent) in sentence and f"chmod o+x {closed_agent.parent}" in sentence
    assert (PER_TASK_USER if ROOT else "the bot's own user") in sentence
    assert with_json.exit_code == exit_codes.FINDINGS
    (event,) = [json.loads(line) for line in with_json.stdout.splitlines() if line.startswith("{")]
    assert event["type"] == "error" and event["code"] == "AGENT_NOT_FOUND"
    assert f"error: {event['message']}" == sentence


def test_revise_refuses_it_too_before_reading_a_review_or_writing_a_reply(closed_agent) -> None:
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        before = len(sb.requests)
        env = {"GITHUB_TOKEN": scenario.BOT_TOKEN, "SYMPHONY_GITHUB_TOKEN": "", "SYMPHONY_TRIGGERED_BY": ""}
        args = ["revise", f"{scenario.SLUG}#{number}", "--agent", "command", "--agent-command", str(closed_agent)]
        args += ["--github-url", sb.api_url, "--allow-weak-containment"]
        result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
        asked = [entry.operation or entry.graphql_operation for entry in sb.requests[before:]]
    assert result.exit_code == exit_codes.FINDINGS, result.output
    (sentence,) = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert str(closed_agent) in sentence
    assert not any("review" in str(name).lower() or "Thread" in str(name) for name in asked), asked
