"""`/symphony run` end to end: the action, routed by a real issue_comment payload, starts the real runner
(`symphony-bot run` in a child process) with the bundled demo agent, against the sandbox — and the issue ends with
one status comment and a pull request ready for review, the outputs saying so."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from symphony_bot.action.replies import STATUS_MARKER
from symphony_bot.action.runner_seam import CliRunner
from symphony_bot.github.pacer import Limits, Pacer
from tests.action_helpers import BOT, LABEL, OWNER, REPO, World, commented, make_world

AGENT_COMMAND = shlex.join([sys.executable, "-m", "symphony_bot.demo.agent"])


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    for world in make_world(tmp_path):
        world.runner = CliRunner()  # type: ignore[assignment]  # the real seam, not the recording one
        yield world


def test_symphony_run_ends_with_a_ready_pull_request(world: World) -> None:
    number = world.sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=[LABEL]).number
    posted = world.sb.comment(OWNER, REPO, number, "/symphony run", author="writer")
    payload = commented(number, posted.id, "/symphony run", by="writer", labels=[LABEL])
    step = world.act("issue_comment", payload, {"agent": "command", "agent-command": AGENT_COMMAND})
    assert step.outcome.status == "completed", step.log[-3000:]
    [pull] = world.sb.pulls(OWNER, REPO)
    assert pull.pull is not None and not pull.pull.draft and f"Closes #{number}" in pull.body
    assert step.outputs["pr-number"] == str(pull.number)
    assert step.outputs["tasks-done"] == step.outputs["tasks-total"] == "3"  # the runner counts the done one too
    assert step.outputs["branch"].startswith(f"symphony/{number}-")
    assert step.outputs["pr-url"].endswith(f"/pull/{pull.number}")
    assert int(step.outputs["tokens-in"]) > 0 and int(step.outputs["tokens-out"]) > 0
    assert float(step.outputs["cost-usd"]) >= 0
    status = [body for user, body in world.comments(number) if user == BOT and STATUS_MARKER in body]
    assert len(status) == 1
    assert (BOT, "eyes") in world.reactions(number)
    assert "- [x] one" in (world.sb.file(OWNER, REPO, "docs/tasks.md", ref=step.outputs["branch"]) or "")


def test_label_events_after_a_run_keep_the_runners_report(world: World) -> None:
    from symphony_bot.action.replies import NOTE_START, OFFER_MARKER
    from tests.action_helpers import labeled

    number = world.sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=[LABEL]).number
    world.act("issues", labeled(number, by=OWNER))  # the offer
    posted = world.sb.comment(OWNER, REPO, number, "/symphony run", author="writer")
    payload = commented(number, posted.id, "/symphony run", by="writer", labels=[LABEL])
    assert world.act("issue_comment", payload, {"agent": "command", "agent-command": AGENT_COMMAND}).outcome.status == (
        "completed"
    )
    [report] = [body for user, body in world.comments(number) if user == BOT and STATUS_MARKER in body]
    assert OFFER_MARKER not in report  # the runner took the offer's comment over
    world.act("issues", labeled(number, by=OWNER, action="unlabeled"))
    [after] = [body for user, body in world.comments(number) if user == BOT and STATUS_MARKER in body]
    assert after.startswith(STATUS_MARKER) and NOTE_START in after and "**No longer offered**" in after
    assert after.endswith(report.split(STATUS_MARKER, 1)[1].lstrip("\n"))  # the report itself is untouched
    world.act("issues", labeled(number, by=OWNER))  # labelled again: the note changes, still one note
    [again] = [body for user, body in world.comments(number) if user == BOT and STATUS_MARKER in body]
    assert again.count(NOTE_START) == 1 and "No longer offered" not in again


def test_a_run_with_the_workflow_token_says_so_in_the_status_comment(world: World) -> None:
    # The action sees github-token == the job's token (action.yml's SYMPHONY_WORKFLOW_TOKEN) and tells the runner,
    # which writes the caveat into the status comment. (The bot's token stands in for GITHUB_TOKEN here: the
    # runner cannot yet run on an installation token — it asks GET /user, which GitHub refuses to those.)
    import io

    from symphony_bot.action.main import run_action
    from symphony_bot.action.runner_seam import WORKFLOW_PR_CAVEAT
    from symphony_bot.contribution.config import NOTE_WORKFLOW_TOKEN
    from symphony_bot.github.client import GitHubClient
    from tests.action_helpers import TOKENS

    number = world.sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=[LABEL]).number
    posted = world.sb.comment(OWNER, REPO, number, "/symphony run", author="writer")
    payload = commented(number, posted.id, "/symphony run", by="writer", labels=[LABEL])
    environ = world.environ("issue_comment", payload, {"agent": "command", "agent-command": AGENT_COMMAND})
    environ["SYMPHONY_WORKFLOW_TOKEN"] = TOKENS[BOT]
    outcome = run_action(
        environ,
        io.StringIO(),
        runner=world.runner,
        client_factory=lambda inputs: GitHubClient(
            world.sb.api_url,
            world.sb.graphql_url,
            inputs.github_token,
            pacer=Pacer(Limits.unlimited()),
        ),
    )
    assert outcome.status == "completed", outcome.message
    [status] = [body for user, body in world.comments(number) if user == BOT and STATUS_MARKER in body]
    # The note is rendered inert (report.inert escapes its punctuation): its words are what shows.
    assert "GitHub starts no workflows for pull requests it opens" in NOTE_WORKFLOW_TOKEN
    assert "GitHub starts no workflows for pull requests it opens" in status
    assert WORKFLOW_PR_CAVEAT in Path(environ["GITHUB_STEP_SUMMARY"]).read_text()


def test_symphony_cancel_releases_the_claim(world: World) -> None:
    number = world.sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=[LABEL]).number
    (world.workspace / ".github").mkdir()
    (world.workspace / ".github" / "symphony.yml").write_text("budgets: {max-tasks: 1}\n")  # stop after one task
    posted = world.sb.comment(OWNER, REPO, number, "/symphony run", author="writer")
    payload = commented(number, posted.id, "/symphony run", by="writer", labels=[LABEL])
    step = world.act("issue_comment", payload, {"agent": "command", "agent-command": AGENT_COMMAND})
    assert step.outcome.status == "budget_reached", step.outcome.message
    [pull] = world.sb.pulls(OWNER, REPO)
    assert pull.state == "open" and pull.pull is not None and pull.pull.draft  # the claim, kept
    posted = world.sb.comment(OWNER, REPO, number, "/symphony cancel", author="writer")
    payload = commented(number, posted.id, "/symphony cancel", by="writer", labels=[LABEL])
    step = world.act("issue_comment", payload)
    assert step.outcome.status == "cancelled" and not step.outcome.failed, step.log[-2000:]
    [pull] = world.sb.pulls(OWNER, REPO)
    assert pull.state == "closed"
    assert step.outputs["status"] == "cancelled" and f"closed PR #{pull.number}" in step.log


def test_symphony_finalize_hands_a_stopped_run_to_review(world: World) -> None:
    number = world.sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=[LABEL]).number
    (world.workspace / ".github").mkdir()
    (world.workspace / ".github" / "symphony.yml").write_text("budgets: {max-tasks: 1}\n")  # stop after one task
    posted = world.sb.comment(OWNER, REPO, number, "/symphony run", author="writer")
    payload = commented(number, posted.id, "/symphony run", by="writer", labels=[LABEL])
    step = world.act("issue_comment", payload, {"agent": "command", "agent-command": AGENT_COMMAND})
    assert step.outcome.status == "budget_reached", step.outcome.message
    [pull] = world.sb.pulls(OWNER, REPO)
    body_before = pull.body
    assert pull.pull is not None and pull.pull.draft and pull.title.startswith("[WIP] ")
    posted = world.sb.comment(OWNER, REPO, number, "/symphony finalize", author="writer")
    payload = commented(number, posted.id, "/symphony finalize", by="writer", labels=[LABEL])
    step = world.act("issue_comment", payload)
    assert step.outcome.status == "finalized" and not step.outcome.failed, step.log[-2000:]
    [pull] = world.sb.pulls(OWNER, REPO)
    assert pull.state == "open" and pull.pull is not None and not pull.pull.draft
    assert not pull.title.startswith("[WIP]") and body_before.startswith(f"Closes #{number}")
    # the PR body says what it is now (contribution/finalize.py), and the budget's "run again" is gone
    assert "handed over for review" in pull.body and "budget reached" not in pull.body
    [status] = [body for user, body in world.comments(number) if user == BOT and STATUS_MARKER in body]
    assert "handed over for review" in status and "budget reached" not in status
    assert f"PR #{pull.number} is ready for review" in step.log
