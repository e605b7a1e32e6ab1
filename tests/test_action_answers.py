"""Every command answers the person who sent it — a 👀 reaction and exactly one reply, with the outcome and the
next step — including the ones that find nothing to do; `dry-run` reports its own status. cancel and finalize go
through the real runner commands (`symphony-bot cancel|finalize` in a child process) against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from symphony_bot.action.replies import REPLY_MARKER
from symphony_bot.action.runner_seam import CliRunner
from symphony_bot.action.slash import HELP_TEXT
from tests.action_helpers import BOT, LABEL, OWNER, REPO, Step, World, commented, make_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def command(world: World, number: int, body: str, by: str = "writer", inputs: dict[str, str] | None = None) -> Step:
    posted = world.sb.comment(OWNER, REPO, number, body, author=by)
    return world.act("issue_comment", commented(number, posted.id, body, by=by, labels=[LABEL]), inputs)


def replies(world: World, number: int) -> list[str]:
    return [body for user, body in world.comments(number) if user == BOT and body.startswith(REPLY_MARKER)]


@pytest.mark.parametrize("what", ["cancel", "finalize"])
def test_cancel_and_finalize_without_a_claim_answer_and_do_not_fail(world: World, what: str) -> None:
    world.runner = CliRunner()  # type: ignore[assignment]  # the real commands
    number = world.sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=[LABEL]).number
    step = command(world, number, f"/symphony {what}")
    assert step.outcome.status == f"nothing-to-{what}" and not step.outcome.failed, step.log[-2000:]
    [reply] = replies(world, number)
    assert reply.startswith(f"{REPLY_MARKER}\n@writer: `/symphony {what}` — ")
    assert f"nothing to {what}" in reply and "**Next:**" in reply and "/symphony run" in reply
    assert (BOT, "eyes") in world.reactions(number)


@pytest.mark.parametrize("body", ["/symphony help", "/symphony status", "/symphony stop", "/symphony bogus"])
def test_every_other_command_gets_exactly_one_reply(world: World, body: str) -> None:
    number = world.sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=[LABEL]).number
    command(world, number, body)
    assert len(replies(world, number)) == 1
    assert world.reactions(number).count((BOT, "eyes")) == 1


@pytest.mark.parametrize("what", ["cancel", "finalize"])
def test_recorded_cancel_and_finalize_answer_once(world: World, what: str) -> None:
    number = world.sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=[LABEL]).number
    step = command(world, number, f"/symphony {what}")
    assert step.outcome.status == {"cancel": "cancelled", "finalize": "finalized"}[what]
    [reply] = replies(world, number)
    assert "**Next:**" in reply


def test_a_dry_run_reports_its_own_status(world: World) -> None:
    number = world.sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=[LABEL]).number
    step = command(world, number, "/symphony run", inputs={"dry-run": "true"})
    [(kind, request)] = world.runner.requests
    assert kind == "run" and request.dry_run
    assert step.outcome.status == "dry-run" and step.outputs["status"] == "dry-run"


def test_the_help_promises_only_what_happens() -> None:
    rows = {line.split("|")[1].strip(): line.split("|")[2] for line in HELP_TEXT.splitlines() if line.startswith("| `")}
    assert "refresh" not in rows["`/symphony status`"]  # it replies; the status comment is the runner's
    assert "nothing more is run or pushed" in rows["`/symphony finalize`"]
    assert "cancel the running job" in rows["`/symphony cancel`"]
