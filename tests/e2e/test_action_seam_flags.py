"""What the action tells `symphony-bot` beyond the issue, end to end on the sandbox through the real seam (the
runner's commands in child processes, the bundled demo agent): `/symphony cancel` and `/symphony finalize` name
who asked in the status comment (`--requested-by`, as `run` credits its requester), and `.github/symphony.yml`'s
`verify` reaches an action-started run (`symphony-bot run` reads no repository configuration of its own)."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from symphony_bot.action.replies import STATUS_MARKER
from symphony_bot.action.runner_seam import CliRunner
from symphony_bot.report.inert import ZERO_WIDTH_SPACE
from tests.action_helpers import BOT, LABEL, OWNER, REPO, World, commented, make_world

AGENT_COMMAND = shlex.join([sys.executable, "-m", "symphony_bot.demo.agent"])
INPUTS = {"agent": "command", "agent-command": AGENT_COMMAND}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    for world in make_world(tmp_path):
        world.runner = CliRunner()  # type: ignore[assignment]  # the real seam
        yield world


def configure(world: World, text: str) -> None:
    (world.workspace / ".github").mkdir()
    (world.workspace / ".github" / "symphony.yml").write_text(text)


def command(world: World, number: int, text: str, by: str) -> dict[str, object]:
    posted = world.sb.comment(OWNER, REPO, number, text, author=by)
    return commented(number, posted.id, text, by=by, labels=[LABEL])


def status_comment(world: World, number: int) -> str:
    [body] = [body for user, body in world.comments(number) if user == BOT and STATUS_MARKER in body]
    return body


@pytest.mark.parametrize(("word", "status"), [("cancel", "cancelled"), ("finalize", "finalized")])
def test_cancel_and_finalize_name_who_asked_in_the_status_comment(world: World, word: str, status: str) -> None:
    number = world.sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=[LABEL]).number
    configure(world, "budgets: {max-tasks: 1}\n")  # the run stops after one task and keeps its claim
    step = world.act("issue_comment", command(world, number, "/symphony run", "writer"), INPUTS)
    assert step.outcome.status == "budget_reached", step.log[-3000:]
    assert f"\\@{ZERO_WIDTH_SPACE}{OWNER}" not in status_comment(world, number)  # nobody named yet
    step = world.act("issue_comment", command(world, number, f"/symphony {word}", OWNER))  # the maintainer asks
    assert step.outcome.status == status and not step.outcome.failed, step.log[-3000:]
    # named, never pinged: the comment writes a mention inert (an escaped @ and a zero-width space)
    assert f"by \\@{ZERO_WIDTH_SPACE}{OWNER}" in status_comment(world, number)


def test_an_action_started_run_applies_the_repositorys_verify(world: World) -> None:
    number = world.sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=[LABEL]).number
    configure(world, "verify: \"echo 'check says: never'; exit 1\"\nverify-failure: stop\nverify-retries: 0\n")
    step = world.act("issue_comment", command(world, number, "/symphony run", "writer"), INPUTS)
    assert step.outcome.status != "completed", step.log[-3000:]
    assert world.sb.pulls(OWNER, REPO) == []  # the check refused the first task's change: nothing committed
    assert "verify failed, run stopped" in status_comment(world, number)
