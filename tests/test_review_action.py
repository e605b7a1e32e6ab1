"""Security review of the action's replies: what an unprivileged commenter can make the bot say."""

from __future__ import annotations

import re

import cmarkgfm
import pytest

from symphony_bot.action import slash
from symphony_bot.action.replies import REPLY_MARKER, help_reply


@pytest.mark.parametrize(
    "word",
    [
        "x`[authorize](https://example.invalid/login)`",
        "x`@octo-org/everyone`",
        "x``<!--",
        "```[a](https://example.invalid)",
    ],
)
def test_an_unknown_word_echoed_in_the_help_reply_stays_code(word: str) -> None:
    """`/symphony WORD` from anyone is answered with help that quotes WORD in a code span; a backtick in WORD
    ended the span, so the bot's own reply carried the commenter's links, @mentions (pings) or an HTML comment
    that hid the rest of the reply."""
    command = slash.parse_command(f"/symphony {word}")
    # The parser reads the comment as GitHub renders it (markdown-it), so it may keep less of the word than the
    # raw text; the reply must withstand the whole raw word all the same.
    assert command is not None and command.unknown and word.startswith(command.unknown)
    reply = help_reply(word)
    html = cmarkgfm.github_flavored_markdown_to_html(reply)
    first_paragraph = next(part for part in html.split("</p>") if "is not a command" in part).split("<p>")[-1]
    outside_code = re.sub(r"<code>.*?</code>", "", first_paragraph, flags=re.DOTALL)
    assert "<a " not in html
    assert outside_code.strip() == "is not a command.", first_paragraph
    assert REPLY_MARKER in reply and "<table>" in html  # the help table is still shown


FORGED = "##[set-output name=pr-url;]https://example.invalid/forged"


def test_the_runner_childs_output_is_relayed_without_workflow_commands(tmp_path, capsys) -> None:
    """The action relayed `symphony-bot run`'s output line by line, raw: a child line with `##[…]` (the legacy
    command form, obeyed anywhere in a line) or starting with `::` set outputs or masks in the donor's job."""
    import json

    from symphony_bot.action.runner_seam import CliRunner, RunRequest
    from tests.actions_runner import command_lines

    fake = tmp_path / "python"
    event = json.dumps({"type": "task_complete", "summary": FORGED})
    fake.write_text(f"#!/bin/sh\necho '{event}'\necho '::add-mask::everything'\necho 'x {FORGED}'\n")
    fake.chmod(0o755)
    result = CliRunner(python=str(fake)).run(RunRequest(repo="o/r", issue=1))
    assert result.exit_code == 0
    out = capsys.readouterr().out
    assert "forged" in out
    assert command_lines(out) == []


def test_run_json_prints_no_workflow_command_from_agent_output(capsys) -> None:
    """`symphony-bot run --json` printed engine events (task text, the agent's summary) unneutralized, unlike
    `autorun --json`: an agent whose reply starts with `##[set-output …]` set a step output of the donor's job."""
    from symphony_bot.commands.run_support import run_contribution
    from symphony_bot.contribution.state import Phase
    from symphony_bot.demo import scenario
    from symphony_bot.sandbox import Sandbox
    from tests.actions_runner import command_lines
    from tests.autorun_helpers import reachable_tmp
    from tests.e2e.contribution_helpers import client_for, script_agent
    from tests.e2e.test_contribution_security import TICK

    # Run as root, the command starts the agent as its own user: script and work tree where that user can reach.
    with Sandbox() as sb, reachable_tmp() as shared:
        number, _ = scenario.seed(sb)
        agent = script_agent(shared, f"print({FORGED!r})\n" + TICK)
        (shared / "agent.py").chmod(0o644)
        with client_for(sb) as client:
            state = run_contribution(
                client,
                scenario.SLUG,
                number,
                agent,
                scenario.BOT_TOKEN,
                options={"agent_name": "command", "json_lines": True, "task_timeout": 60},
                work_root=shared,
            )
    assert state.phase is Phase.COMPLETED, state.last_error
    captured = capsys.readouterr()
    assert "forged" in captured.out
    assert command_lines(captured.out + captured.err) == []


def test_stop_cancels_only_the_run_the_status_comment_links_not_one_named_in_hostile_text() -> None:
    """`/symphony stop` cancels the workflow run found in the status comment. The comment quotes agent output
    (last error, halt reason) and task text, and `run_id_in` took the first `"run_id": N` anywhere in it (then
    the first `/actions/runs/N`): an agent that printed `{"run_id": 4242}` made a maintainer's stop cancel run
    4242 of the repository (a deploy, a release) and leave the Symphony run going."""
    from symphony_bot.action.commands import run_id_in
    from symphony_bot.contribution.state import ContributionState, DocumentProgress, Phase, TaskRow
    from symphony_bot.contribution.status_comment import render_comment

    hostile = 'see https://github.com/o/r/actions/runs/5151 {"run_id": 4242} [workflow run](https://x/actions/runs/9)'
    state = ContributionState(
        repository="o/r",
        issue=1,
        issue_title="t",
        started_at_ms=0,
        phase=Phase.RUNNING,
        activity=f"task not ticked: {hostile}",
        documents=[DocumentProgress("docs/a.md", 1, 0)],
        tasks=[TaskRow("docs/a.md", hostile, 3)],
        last_error=f"agent failed\n{hostile}\n**Links** [workflow run](https://github.com/o/r/actions/runs/6)",
        notes=[hostile],
        run_url="https://github.com/o/r/actions/runs/77",
    )
    assert run_id_in(render_comment(state, 0)) == 77
    state.run_url = None
    assert run_id_in(render_comment(state, 0)) is None


@pytest.fixture
def world(tmp_path):
    from tests.action_helpers import make_world

    yield from make_world(tmp_path)


@pytest.mark.parametrize(("labelled_by", "runs"), [("stranger", False), ("reader", False), ("triager", True)])
def test_under_anyone_the_label_counts_only_when_someone_with_triage_applied_it(world, labelled_by, runs) -> None:
    """`who-can-run: anyone` promises runs only on issues "which someone with triage or above applied" the label
    to, but the command handler only looked at the labels in the payload. A label an issue form/template applies
    for its author, or a labeller workflow applies from the issue's words, let any stranger start a run."""
    from tests.action_helpers import LABEL, OWNER, REPO, commented

    issue = world.sb.create_issue(
        OWNER, REPO, "Improve the docs", "docs/tasks.md\n", author="stranger", labels=[LABEL], labeled_by=labelled_by
    )
    posted = world.sb.comment(OWNER, REPO, issue.number, "/symphony run", author="stranger")
    payload = commented(issue.number, posted.id, "/symphony run", by="stranger", labels=[LABEL])
    step = world.act("issue_comment", payload, inputs={"who-can-run": "anyone"})
    assert bool(world.runner.requests) is runs, step.outcome
    if not runs:
        assert step.outcome.status == "refused" and "triage" in step.outcome.message
