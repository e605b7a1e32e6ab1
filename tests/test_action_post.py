"""The post step after the main step was killed (SIGKILL: nothing of it could say anything) finalises the run
through `endings.publish_stopped`, the renderer of every ending: the status comment and the PR body say *stopped*
and keep the task table the run recorded.

The run's last record is the golden *running* comment of the status-comment tests (tests/data/status/), posted on
the sandbox as the bot would have left it; what the post step writes is compared with the golden *stopped*
comment and PR body. The real SIGKILL of a real step is in tests/test_action_signals.py."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from symphony_bot.action.post import STATE_DONE, STATE_NAME, run_post
from symphony_bot.contribution.endings import ENDING_POST_STEP
from symphony_bot.contribution.state import Phase
from symphony_bot.contribution.status_comment import PHASE_TITLES, STATUS_MARKER
from symphony_bot.sandbox import Sandbox
from symphony_bot.stats.pr_metadata import parse_block

GOLDEN = Path(__file__).parent / "data" / "status"
OWNER, REPO, ISSUE = "octo", "project", 12  # the golden snapshots' issue
BOT, BOT_TOKEN = "symphony-app[bot]", "bot-token"
BRANCH = "symphony/12-a1b2c3"


def golden(name: str) -> str:
    return (GOLDEN / f"{name}.md").read_text(encoding="utf-8")


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        sandbox.add_user(OWNER, token="octo-token")
        sandbox.add_user(BOT, token=BOT_TOKEN, type="Bot")
        sandbox.create_repo(OWNER, REPO, files={"docs/guide.md": "- [ ] a\n", "docs/faq.md": "- [ ] b\n"})
        sandbox.set_permission(OWNER, REPO, BOT, "write")
        for number in range(1, ISSUE + 1):
            sandbox.create_issue(OWNER, REPO, "Add the onboarding guide" if number == ISSUE else f"Other {number}")
        yield sandbox


def post_environ(sb: Sandbox, **state: str) -> dict[str, str]:
    """What the runner gives the post step of a main step that recorded its target and never its end."""
    return {
        "GITHUB_API_URL": sb.api_url,
        "GITHUB_GRAPHQL_URL": sb.graphql_url,
        "GITHUB_REPOSITORY": f"{OWNER}/{REPO}",
        "INPUT_GITHUB-TOKEN": BOT_TOKEN,
        f"STATE_{STATE_NAME}": f"{OWNER}/{REPO}#{ISSUE}",
        **{f"STATE_{name}": value for name, value in state.items()},
    }


def status_body(sb: Sandbox) -> str:
    [comment] = [c for c in sb.comments(OWNER, REPO, ISSUE) if c.user == BOT and STATUS_MARKER in c.body]
    return comment.body


def rows(text: str) -> list[list[str]]:
    """The task table's rows, cell by cell (the status cell first)."""
    return [line.strip("|").split(" | ") for line in text.splitlines() if line.startswith("| ") and "docs/" in line]


def test_after_a_killed_main_step_the_comment_and_the_pr_say_stopped_with_the_table(sb: Sandbox) -> None:
    sb.push_branch(OWNER, REPO, BRANCH, {"docs/guide.md": "- [x] a\n"})
    pull = sb.open_pull(OWNER, REPO, BRANCH, title="[WIP] Add the onboarding guide", body="Closes #12\n", author=BOT)
    sb.comment(OWNER, REPO, ISSUE, golden("comment-running"), author=BOT)  # the run's last word before the kill

    stdout = io.StringIO()
    outcome = run_post(post_environ(sb), stdout)

    assert outcome.status == "stopped" and not outcome.failed, outcome.message
    body = status_body(sb)
    stopped = golden("comment-stopped")
    assert f"### 🎼 Symphony — {PHASE_TITLES[Phase.STOPPED]}" in body and PHASE_TITLES[Phase.RUNNING] not in body
    assert f"**{ENDING_POST_STEP}**" in body  # the reason is the headline
    # the task table the run recorded: the same tasks, times and costs as the golden stopped comment; the work
    # done keeps its ✅, what never finished is marked as the engine marks it at an end
    assert [row[1:] for row in rows(body)] == [row[1:] for row in rows(stopped)]
    assert [row for row in rows(body) if row[0] == "✅"] == [row for row in rows(stopped) if row[0] == "✅"]
    assert "⏳" not in body
    assert stopped.split("**Next:** ", 1)[1].split("\n", 1)[0] in body  # the golden's next step
    record = parse_block(body)
    assert record is not None and record.state == "cancelled" and record.tasks_done == 2 and record.tasks_total == 5
    # the PR body is rendered by the same renderer: stopped, with the task list of the golden stopped body
    pull_body = sb.issue(OWNER, REPO, pull.number).body or ""
    assert f"**Status:** {PHASE_TITLES[Phase.STOPPED]}" in pull_body
    task_list = [line for line in golden("body-stopped").splitlines() if line.startswith("- [")]
    assert [line for line in pull_body.splitlines() if line.startswith("- [")] == task_list
    assert "::notice::" in stdout.getvalue()

    again = run_post(post_environ(sb), io.StringIO())  # a second post step: the record shows the end already
    assert again.status == "ignored" and "recorded its end" in again.message and status_body(sb) == body


def test_a_comment_without_a_record_is_patched_and_a_finished_main_step_is_left_alone(sb: Sandbox) -> None:
    running = f"{STATUS_MARKER}\n### 🎼 Symphony — {PHASE_TITLES[Phase.RUNNING]}\n\n**Task 2 of 3.**\n\n**Next:** wait"
    sb.comment(OWNER, REPO, ISSUE, running, author=BOT)  # an older release's comment: no metadata block
    assert run_post(post_environ(sb, **{STATE_DONE: "true"}), io.StringIO()).status == "ignored"
    assert status_body(sb) == running
    outcome = run_post(post_environ(sb), io.StringIO())
    assert outcome.status == "stopped"
    assert PHASE_TITLES[Phase.STOPPED] in status_body(sb) and ENDING_POST_STEP in status_body(sb)
