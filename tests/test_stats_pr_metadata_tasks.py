"""The metadata block's task table (`tasks`), read as hostile like the rest of the block: every row checked, a bad
one a MetadataError naming the field; an older reader keeps the field in `extra` (it is optional)."""

from __future__ import annotations

import json

import pytest

from symphony_bot.stats.pr_metadata import (
    BLOCK_OPENING,
    ContributionMetadata,
    MetadataError,
    TaskRecord,
    parse_block,
    render_block,
)

SAMPLE = ContributionMetadata(
    "octo/project",
    12,
    "donor",
    "claude",
    "budget_reached",
    "2026-09-21T14:13:20Z",
    documents=("a.md", "b.md"),
    tasks=(TaskRecord(0, "done", "one <b>&</b>", 61.0, 0.04), TaskRecord(1, "pending", "two")),
)


def _body(tasks: object) -> str:
    data = {**SAMPLE.to_json(), "tasks": tasks}
    return f"{BLOCK_OPENING}\n{json.dumps(data)}\n-->"


def test_rows_round_trip_and_an_empty_table_is_left_out() -> None:
    assert parse_block(render_block(SAMPLE)) == SAMPLE
    assert "<b>" not in render_block(SAMPLE)  # escaped inside the JSON like every other value
    bare = ContributionMetadata("octo/project", 12, "donor", "claude", "running", "2026-09-21T14:13:20Z")
    assert '"tasks"' not in render_block(bare) and parse_block(render_block(bare)) == bare


@pytest.mark.parametrize(
    "tasks",
    [
        "rows",
        [[0, "done", "x", None]],
        [[2, "done", "x", None, None]],  # no third document
        [[-1, "done", "x", None, None]],
        [[True, "done", "x", None, None]],
        [[0, "merged", "x", None, None]],
        [[0, "done", "", None, None]],
        [[0, "done", "x" * 513, None, None]],
        [[0, "done", "x", -1, None]],
        [[0, "done", "x", None, float("inf")]],
        [[0, "done", "x", "1", None]],
    ],
)
def test_a_bad_row_is_refused_by_name(tasks: object) -> None:
    with pytest.raises(MetadataError, match="'tasks'"):
        parse_block(_body(tasks).replace("Infinity", "1e999"))


def test_a_table_too_long_for_the_block_is_refused() -> None:
    with pytest.raises(MetadataError):  # the block's size cap answers before the row count does
        parse_block(_body([[0, "done", "x", None, None]] * 2_001))
