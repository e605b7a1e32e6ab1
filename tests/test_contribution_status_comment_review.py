"""The review loop in the status comment and the PR body: each task's verify result in the task table, and the
"Revision N" sections, kept by whoever renders next (they live in the metadata block)."""

from __future__ import annotations

import json

from symphony_bot.contribution.endings import state_from_metadata
from symphony_bot.contribution.review_record import (
    EXTRA_REVISIONS,
    MAX_REVISIONS_CHARS,
    RevisionRecord,
    RevisionTaskRecord,
    recorded_revisions,
    revisions_json,
    revisions_of,
)
from symphony_bot.contribution.state import Phase, TaskStatus
from symphony_bot.contribution.status_comment import (
    render_comment,
    render_pull_body,
    task_text_in_body,
    ticked_in_body,
)
from symphony_bot.stats.pr_metadata import BLOCK_OPENING, parse_block
from tests.test_contribution_status_comment import METADATA, NOW_MS, _state


def _revision(number: int, *, finished: bool = True) -> RevisionRecord:
    return RevisionRecord(
        number,
        finished,
        [
            RevisionTaskRecord(f"c{number}1", f"hello.txt line 1: warmer greeting, round {number}", True, "abc1234"),
            RevisionTaskRecord(f"c{number}2", "ping @someone, fixes #3", False, None, "skip"),
        ],
        tokens_in=1_000 * number,
        tokens_out=100 * number,
        cost_usd=0.01 * number,
        ignored=[("passer-by", "hello.txt", "line 1")],
        document=f"# Revision {number}\n\n- [ ] task",
    )


def test_each_task_s_verify_result_is_a_column_and_a_marker_in_the_body() -> None:
    state = _state(Phase.STALLED)
    state.tasks[0].verify, state.tasks[1].verify, state.tasks[2].verify = "passed", "retried", "commit"
    state.tasks[3].verify = "skip"
    comment = render_comment(state, NOW_MS)
    table = [line for line in comment.splitlines() if line.startswith("|")]
    assert table[0] == "| | Document | Task | Time | Cost | Verify |" and table[1] == "|---|---|---|---|---|---|"
    assert table[2].endswith("| ✔️ passed |") and table[3].endswith("| ✔️ passed on retry |")
    assert table[4].endswith("| ⚠️ failed, committed |") and table[5].endswith("| ⏭️ failed, skipped |")
    assert table[6].endswith("|  |  |  |")  # not checked: an empty Verify cell
    body = render_pull_body(state, METADATA, NOW_MS)
    assert "- [x] Add a section on set-up — *✔️ passed on retry*" in body
    # a resumed run still reads the ticks of its attachments back from the body, marker or not
    assert ticked_in_body(body, "docs/guide.md") == {"Write the introduction", "Add a section on set-up"}
    assert task_text_in_body("Add a section on set-up") == "Add a section on set-up"


def test_a_run_without_verify_keeps_its_five_columns() -> None:
    comment = render_comment(_state(Phase.COMPLETED), NOW_MS)
    assert "| | Document | Task | Time | Cost |\n|---|---|---|---|---|\n" in comment and "Verify" not in comment


def test_verify_results_and_revisions_survive_every_later_writer() -> None:
    """A cancel, a finalize, the post step or a `run` again render from the block: the same Verify cells, and every
    Revision section with its tasks, tokens and cost."""
    state = _state(Phase.COMPLETED)
    state.tasks[1].verify = "retried"
    state.revisions = [_revision(1), _revision(2, finished=False)]
    for text in (render_comment(state, NOW_MS), render_pull_body(state, METADATA, NOW_MS)):
        assert text.index("### Revision 1 (finished)") < text.index("### Revision 2 (running)")
        recorded = parse_block(text)
        assert recorded is not None
        rebuilt = state_from_metadata(recorded)
        rebuilt.finalized = True  # as `finalize` writes it
        assert [row.verify for row in rebuilt.tasks] == [row.verify for row in state.tasks]
        assert rebuilt.revisions == [
            RevisionRecord(**{**vars(record), "document": record.document if record.number == 2 else ""})
            for record in state.revisions
        ]  # only the latest revision keeps its generated document
        again = render_comment(rebuilt, NOW_MS)
        for needle in ("### Revision 1 (finished)", "### Revision 2 (running)", "Tokens: 2,000 in / 200 out"):
            assert needle in again
        assert "cost $0.0100" in again and "— abc1234" in again and "· ⏭️ failed, skipped" in again
        assert "| ✔️ passed on retry |" in again
        assert "@someone" not in again and "fixes #3" not in again  # reviewers' words stay inert


def test_a_record_that_does_not_read_cleanly_is_dropped_whole() -> None:
    good = revisions_json([_revision(1)])
    assert revisions_of({EXTRA_REVISIONS: good}) == [
        RevisionRecord(**{**vars(_revision(1)), "document": _revision(1).document})
    ]
    for broken in (
        [{**good[0], "tokens_in": -1}],
        [{**good[0], "tasks": [["c1", "x", "yes", None, None]]}],
        [{**good[0], "tasks": [["c1", "x", True, "not-a-sha", None]]}],
        [{**good[0], "tasks": [["c1", "x", True, None, "maybe"]]}],
        [{**good[0], "cost_usd": float("inf")}],
        "not a list",
    ):
        assert revisions_of({EXTRA_REVISIONS: broken}) == []
    assert recorded_revisions(f"{BLOCK_OPENING}\n{{not json\n-->") == []
    assert recorded_revisions(None) == []


def test_many_revisions_fit_the_block_by_dropping_the_oldest() -> None:
    many = [_revision(number) for number in range(1, 51)]
    rows = revisions_json(many)
    assert len(json.dumps(rows, ensure_ascii=False)) <= MAX_REVISIONS_CHARS
    assert rows[-1]["n"] == 50 and rows[0]["n"] > 1 and "document" in rows[-1]
    state = _state(Phase.COMPLETED)
    state.revisions = many
    recorded = parse_block(render_pull_body(state, METADATA, NOW_MS))  # the block stays readable
    assert recorded is not None and len(recorded.tasks) == len(state.tasks)
    assert all(row.status is TaskStatus.DONE for row in state_from_metadata(recorded).tasks[:2])
