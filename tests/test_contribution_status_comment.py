"""The status comment and the PR body, rendered from state: golden snapshots of every state, size, redaction."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from symphony_bot.contribution.endings import ENDING_PULL_CLOSED, state_from_metadata
from symphony_bot.contribution.state import ContributionState, DocumentProgress, Phase, TaskRow, TaskStatus
from symphony_bot.contribution.status_comment import (
    MAX_BODY_CHARS,
    MAX_COMMENT_CHARS,
    NO_PULL_YET,
    REDACTED,
    STATUS_MARKER,
    format_duration,
    progress_bar,
    pull_title,
    redact,
    render_comment,
    render_pull_body,
    run_id_in,
)
from symphony_bot.stats.pr_metadata import ContributionMetadata, parse_block

GOLDEN = Path(__file__).parent / "data" / "status"
START_MS = 1_790_000_000_000
NOW_MS = START_MS + 754_000  # 12m 34s later
# Regenerate with SYMPHONY_UPDATE_GOLDEN=1 after a deliberate change, and review the diff.
UPDATE = os.environ.get("SYMPHONY_UPDATE_GOLDEN") == "1"
METADATA = ContributionMetadata("octo/project", 12, "donor", "claude", "budget_reached", "2026-09-21T14:13:20Z")


def _state(phase: Phase, **changes) -> ContributionState:
    state = ContributionState(
        repository="octo/project",
        issue=12,
        issue_title="Add the onboarding guide",
        started_at_ms=START_MS,
        phase=phase,
        agent="claude",
        model="sonnet",
        run_url="https://github.com/donor/runner/actions/runs/42",
        branch="symphony/12-a1b2c3",
        branch_url="https://github.com/octo/project/tree/symphony/12-a1b2c3",
        pull_number=57,
        pull_url="https://github.com/octo/project/pull/57",
        documents=[DocumentProgress("docs/guide.md", 3, 2), DocumentProgress("docs/faq.md", 2, 0)],
        tasks=[
            TaskRow("docs/guide.md", "Write the introduction", 3, TaskStatus.DONE, 61.0, 0.0412),
            TaskRow("docs/guide.md", "Add a section on set-up", 4, TaskStatus.DONE, 95.5, 0.0733),
            TaskRow("docs/guide.md", "Link the guide from the README", 5, TaskStatus.PENDING),
            TaskRow("docs/faq.md", "Answer the three most asked questions", 3, TaskStatus.PENDING),
            TaskRow("docs/faq.md", "Add a troubleshooting table", 4, TaskStatus.PENDING),
        ],
        current_document=0,
        tokens_in=48_210,
        tokens_out=9_876,
        cost_usd=0.1145,
    )
    for key, value in changes.items():
        setattr(state, key, value)
    if phase.terminal and "finished_at_ms" not in changes:
        state.finished_at_ms = NOW_MS
    return state


def _states() -> dict[str, ContributionState]:
    """Every ending a maintainer can see (issue 19 item 4), and a running one."""
    running = _state(Phase.RUNNING, finished_at_ms=None)
    running.tasks[2].status = TaskStatus.RUNNING
    running.current_task = running.tasks[2]
    running.activity = "running task: Link the guide from the README"
    completed = _state(Phase.COMPLETED, activity="finishing", pull_is_draft=False)
    completed.documents = [DocumentProgress("docs/guide.md", 3, 3), DocumentProgress("docs/faq.md", 2, 2)]
    for row in completed.tasks:
        row.status, row.duration_s, row.cost_usd = TaskStatus.DONE, 40.0, 0.0229  # five add up to cost_usd
    halted = _state(Phase.HALTED, halt_reason="the README is generated; edit docs/readme.tmpl instead")
    halted.tasks[2].status = TaskStatus.SKIPPED
    stalled = _state(Phase.STALLED, stop_reason="tasks_left", notes=["docs/guide.md stalled: 3 runs without a tick"])
    stalled.tasks[2].status, stalled.tasks[2].attempts = TaskStatus.FAILED, 3
    budget = _state(Phase.BUDGET_REACHED, stop_reason="max_cost", activity="finishing")
    cancelled = _state(Phase.CANCELLED, ended_by="maintainer", pull_closed=True, branch_deleted=True)
    cancelled_no_pull = _state(Phase.CANCELLED, ended_by="maintainer", pull_number=None, pull_url=None, branch=None)
    cancelled_no_pull.documents[0].done = 0  # two tasks ran, neither was ticked: nothing to commit, no PR
    for row in cancelled_no_pull.tasks:
        row.status = TaskStatus.FAILED if row.duration_s else TaskStatus.SKIPPED
    closed_under_run = _state(
        Phase.CANCELLED, pull_closed=True, ending=ENDING_PULL_CLOSED.format(number=57), activity="finishing"
    )
    failed = _state(
        Phase.FAILED,
        last_error="git push failed: remote rejected symphony/12-a1b2c3 (protected branch hook declined)",
    )
    lost = _state(Phase.CLAIM_LOST, claim_holder="#55 by @alice", pull_number=None, branch=None)
    stopped = _state(Phase.STOPPED, activity="checking the issue")
    finalized = _state(Phase.BUDGET_REACHED, stop_reason="max_cost", finalized=True, ended_by="maintainer")
    finalized.pull_is_draft = False
    finalized.documents = [DocumentProgress("docs/guide.md", 3, 1)]
    finalized.tasks = finalized.tasks[:3]
    finalized.tasks[1].status = TaskStatus.SKIPPED
    return {
        "running": running,
        "completed": completed,
        "halted": halted,
        "stalled": stalled,
        "budget_reached": budget,
        "cancelled": cancelled,
        "cancelled_without_pull": cancelled_no_pull,
        "cancelled_under_the_run": closed_under_run,
        "finalized": finalized,
        "failed": failed,
        "claim_lost": lost,
        "stopped": stopped,
    }


@pytest.mark.parametrize("name", list(_states()))
def test_golden_comment(name: str) -> None:
    text = render_comment(_states()[name], NOW_MS)
    golden = GOLDEN / f"comment-{name}.md"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    assert text.startswith(STATUS_MARKER)
    assert len(text) <= MAX_COMMENT_CHARS


@pytest.mark.parametrize("name", ["completed", "budget_reached", "cancelled", "finalized", "stopped"])
def test_golden_pull_body(name: str) -> None:
    text = render_pull_body(_states()[name], METADATA, NOW_MS)
    golden = GOLDEN / f"body-{name}.md"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_each_state_says_what_to_do_next() -> None:
    texts = {name: render_comment(state, NOW_MS) for name, state in _states().items()}
    nexts = {name: text.split("**Next:**")[1].split("\n")[0] for name, text in texts.items()}
    cancels = ("cancelled", "cancelled_without_pull", "cancelled_under_the_run")
    assert len({nexts[name] for name in nexts if name not in cancels[1:]}) == len(texts) - 2
    assert "edit docs/readme.tmpl instead" in texts["halted"]
    assert "\\#\u200b55 by @\u200balice" in texts["claim_lost"]
    assert "<details><summary>Last error</summary>" in texts["failed"]
    assert "[workflow run](https://github.com/donor/runner/actions/runs/42)" in texts["running"]
    assert "Running task 3 of 5: Link the guide from the README" in texts["running"]
    assert "| ✅ | docs/guide.md | Write the introduction | 1m 1s | $0.0412 |" in texts["running"]


def _headline(text: str) -> str:
    return text.split("\n")[3]


def _links(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("**Links** "))


@pytest.mark.parametrize("name", [name for name in _states() if name != "running"])
def test_every_ending_tells_the_truth(name: str) -> None:
    """Issue 19 item 4: the headline is the reason, never the run's last activity; the links line names a closed
    PR as closed and never promises a PR after the claim ended; the elapsed time is the run's."""
    state = _states()[name]
    text = render_comment(state, NOW_MS + 3_600_000)  # rendered an hour later: the run's time still shows
    assert _headline(text).startswith("**") and not any(
        word in _headline(text) for word in ("Finishing", "Checking the issue", "Starting the agent")
    ), _headline(text)
    assert NO_PULL_YET not in text
    assert "**Elapsed** 12m 34s" in text
    if state.pull_closed:
        assert "[PR #57](https://github.com/octo/project/pull/57) (closed)" in _links(text)
    if state.branch_deleted:
        assert "branch `symphony/12-a1b2c3` (deleted)" in _links(text)
    assert _links(text).endswith("[workflow run](https://github.com/donor/runner/actions/runs/42)")
    assert run_id_in(text) == 42


def test_a_finalized_hand_over_says_what_it_is_in_the_comment_and_the_body() -> None:
    state = _states()["finalized"]
    comment, body = render_comment(state, NOW_MS), render_pull_body(state, METADATA, NOW_MS)
    assert "✅ completed" not in comment and "✅ completed" not in body
    assert "📤 handed over for review" in comment and "📤 handed over for review" in body
    assert "1 of 3 tasks done; 2 left undone" in comment
    for text in (comment, body):
        assert "budget reached" not in text and "Run again" not in text


def test_a_cancelled_claim_without_a_pull_request_says_none_was_opened() -> None:
    text = render_comment(_states()["cancelled_without_pull"], NOW_MS)
    assert "no pull request had been opened" in _headline(text)
    assert _links(text).startswith("**Links** no pull request was opened · [workflow run]")


def test_the_table_survives_a_round_trip_through_the_metadata_block() -> None:
    """A cancel, a finalize or the post step rebuilds the state from the block the run wrote: same rows."""
    for name, state in _states().items():
        for text in (render_comment(state, NOW_MS), render_pull_body(state, METADATA, NOW_MS)):
            recorded = parse_block(text)
            assert recorded is not None
            rebuilt = state_from_metadata(recorded)
            assert _table(rebuilt) == _table(state), name
            assert (rebuilt.tasks_done, rebuilt.tasks_total) == (state.tasks_done, state.tasks_total)


def _table(state: ContributionState) -> list[str]:
    return [line for line in render_comment(state, NOW_MS).splitlines() if line.startswith("| ")]


def test_a_block_too_large_for_every_row_keeps_the_first_rows_and_the_totals() -> None:
    state = _state(Phase.BUDGET_REACHED)
    state.documents = [DocumentProgress("docs/big.md", 900, 10)]
    state.tasks = [TaskRow("docs/big.md", f"<task> {i} " + "w" * 200, i) for i in range(900)]
    for row in state.tasks[:10]:
        row.status = TaskStatus.DONE
    recorded = parse_block(render_comment(state, NOW_MS))
    assert recorded is not None and 0 < len(recorded.tasks) < 900
    rebuilt = state_from_metadata(recorded)
    assert (rebuilt.tasks_done, rebuilt.tasks_total) == (10, 900)
    assert "more tasks not shown" in render_comment(rebuilt, NOW_MS)


def test_a_huge_run_is_cut_with_a_pointer_and_stays_under_the_cap() -> None:
    state = _state(Phase.RUNNING)
    state.tasks = [TaskRow("docs/big.md", "x" * 500 + f" task {i}", i, TaskStatus.DONE, 1.0, 0.01) for i in range(3000)]
    state.last_error = "e" * 100_000
    text = render_comment(state, NOW_MS)
    assert len(text) <= MAX_COMMENT_CHARS
    assert "more tasks not shown; the pull request's task list has them all" in text
    assert text.rstrip().endswith(text.rstrip().splitlines()[-1])  # the end (next steps) survives the cut
    assert "**Next:**" in text


def test_token_looking_strings_never_reach_the_comment_or_the_body() -> None:
    secret = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    donor_token = "plain-donor-token-value"
    state = _state(Phase.FAILED)
    state.last_error = f"push failed: https://x-access-token:{donor_token}@github.com/o/r and {secret}"
    state.tasks[0].text = f"echo {secret}"
    state.activity = f"Authorization: Bearer {secret}"
    state.notes.append(f"github_pat_{'Z' * 40} leaked")
    comment = render_comment(state, NOW_MS, secrets=[donor_token])
    metadata = ContributionMetadata("octo/project", 12, "donor", "claude", "failed", "2026-09-21T10:00:00Z")
    body = render_pull_body(state, metadata, NOW_MS, secrets=[donor_token])
    for text in (comment, body):
        assert secret not in text and donor_token not in text and "github_pat_ZZZZ" not in text
    assert REDACTED in comment


def test_redact_patterns() -> None:
    assert redact("key sk-ant-api03-abcdefghijklmnopqrstuvwxyz") == f"key {REDACTED}"
    assert redact("Authorization: Basic eC1hY2Nlc3MtdG9rZW46c2VjcmV0") == f"Authorization: Basic {REDACTED}"
    assert redact("nothing secret here, ghp_short") == "nothing secret here, ghp_short"


def test_hostile_task_text_cannot_fake_our_marker_or_ping_people() -> None:
    state = _state(Phase.RUNNING)
    state.tasks[0].text = "<!-- symphony-bot:status v1 --> | @everyone `x` </details>"
    text = render_comment(state, NOW_MS)
    assert text.count("<!--") == 2 and text.count(STATUS_MARKER) == 1  # the marker and the metadata block
    assert "@everyone" not in text and "</details> |" not in text


def test_pull_body_carries_closes_the_task_list_and_the_metadata_block() -> None:
    state = _state(Phase.RUNNING)
    metadata = ContributionMetadata("octo/project", 12, "donor", "claude", "running", "2026-09-21T10:00:00Z")
    body = render_pull_body(state, metadata, NOW_MS)
    assert body.startswith("Closes #12\n")
    assert "- [x] Write the introduction" in body and "- [ ] Add a troubleshooting table" in body
    recorded = parse_block(body)
    assert recorded is not None and recorded.tasks
    assert replace(recorded, tasks=()) == replace(metadata, documents=recorded.documents)
    state.tasks = [TaskRow("docs/big.md", "y" * 150, i) for i in range(5000)]
    assert len(render_pull_body(state, metadata, NOW_MS)) <= MAX_BODY_CHARS
    assert parse_block(render_pull_body(state, metadata, NOW_MS)) is not None


def test_titles_and_small_formats() -> None:
    state = _state(Phase.RUNNING)
    assert pull_title(state, ready=False) == "[WIP] Symphony: Add the onboarding guide (#12)"
    assert pull_title(state, ready=True) == "Symphony: Add the onboarding guide (#12)"
    assert format_duration(3.25) == "3.2s" and format_duration(754) == "12m 34s" and format_duration(3725) == "1h 2m 5s"
    assert progress_bar(0, 0).endswith("0%") and progress_bar(5, 5).endswith("100%")


def test_ticked_tasks_are_read_back_from_the_body_per_document() -> None:
    from symphony_bot.contribution.status_comment import task_text_in_body, ticked_in_body

    state = _state(Phase.RUNNING)
    state.tasks[3].status = TaskStatus.DONE
    state.tasks[3].text = "Answer | the `three` questions"
    metadata = ContributionMetadata("octo/project", 12, "donor", "claude", "running", "2026-09-21T10:00:00Z")
    body = render_pull_body(state, metadata, NOW_MS)
    assert ticked_in_body(body, "docs/faq.md") == {task_text_in_body("Answer | the `three` questions")}
    assert ticked_in_body(body, "docs/guide.md") == {"Write the introduction", "Add a section on set-up"}
    older = body.replace("Answer \\| the \\`three\\` questions", "Answer \\| the 'three' questions")
    assert ticked_in_body(older, "docs/faq.md") == {"Answer | the 'three' questions"}  # an older release's body
    assert ticked_in_body(body, "docs/other.md") == set()
