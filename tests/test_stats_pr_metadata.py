"""The PR metadata block: round trip, and hostile bodies refused field by field."""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symphony_bot.stats.pr_metadata import (
    BLOCK_OPENING,
    MAX_BLOCK_CHARACTERS,
    ContributionMetadata,
    MetadataError,
    parse_block,
    render_block,
    replace_block,
)

SAMPLE = ContributionMetadata(
    repository="owner/proj",
    issue=12,
    contributor="donor",
    agent="claude",
    state="completed",
    started_at="2026-11-29T10:00:00Z",
    model="claude-sonnet-4-5",
    documents=("docs/a.md", "b.md"),
    tasks_done=3,
    tasks_total=4,
    tokens_in=1200,
    tokens_out=340,
    cost_usd=0.0123,
    completed_at="2026-11-29T10:05:00Z",
    run_url="https://github.com/owner/proj/actions/runs/1",
)


def body_with(data: object) -> str:
    return f"Closes #12\n\n{BLOCK_OPENING}\n{json.dumps(data)}\n-->\n"


def test_round_trip_through_a_pr_body() -> None:
    body = replace_block("Closes #12\n\nSummary.", SAMPLE)
    assert body.startswith("Closes #12\n\nSummary.\n\n<!-- symphony-bot:contribution\n")
    assert parse_block(body) == SAMPLE
    later = replace_block(body, ContributionMetadata(**{**SAMPLE.__dict__, "tasks_done": 4}))
    assert later.count(BLOCK_OPENING) == 1
    assert parse_block(later).tasks_done == 4  # type: ignore[union-attr]


def test_no_block_is_none() -> None:
    assert parse_block(None) is None
    assert parse_block("") is None
    assert parse_block("Closes #1") is None


def test_values_cannot_close_the_comment_or_open_markup() -> None:
    hostile = ContributionMetadata(**{**SAMPLE.__dict__, "agent": "--><script>alert(1)</script>&", "model": "-->"})
    block = render_block(hostile)
    assert block.count("-->") == 1 and block.endswith("-->")
    assert "<script" not in block and "&" not in block.split("\n")[1]
    assert parse_block(block) == hostile


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**SAMPLE.to_json(), "v": 2}, "'v'"),
        ({**SAMPLE.to_json(), "issue": 0}, "'issue'"),
        ({**SAMPLE.to_json(), "issue": True}, "'issue'"),
        ({**SAMPLE.to_json(), "issue": "12"}, "'issue'"),
        ({**SAMPLE.to_json(), "tokens_in": -1}, "'tokens_in'"),
        ({**SAMPLE.to_json(), "tokens_in": 2**60}, "'tokens_in'"),
        ({**SAMPLE.to_json(), "cost_usd": -0.5}, "'cost_usd'"),
        ({**SAMPLE.to_json(), "repository": "../../etc"}, "'repository'"),
        ({**SAMPLE.to_json(), "contributor": "a b"}, "'contributor'"),
        ({**SAMPLE.to_json(), "state": "merged"}, "'state'"),
        ({**SAMPLE.to_json(), "started_at": "yesterday"}, "'started_at'"),
        ({**SAMPLE.to_json(), "run_url": "javascript:alert(1)"}, "'run_url'"),
        ({**SAMPLE.to_json(), "documents": "a.md"}, "'documents'"),
        ({**SAMPLE.to_json(), "documents": [1]}, "'documents'"),
        ({**SAMPLE.to_json(), "agent": "x" * 513}, "'agent'"),
        ([1, 2], "not a JSON object"),
    ],
)
def test_hostile_fields_are_refused_by_name(data: object, field: str) -> None:
    with pytest.raises(MetadataError, match=field):
        parse_block(body_with(data))


def test_malformed_duplicated_oversized_and_unclosed_blocks() -> None:
    with pytest.raises(MetadataError, match="not JSON"):
        parse_block(f"{BLOCK_OPENING}\n{{nope\n-->")
    with pytest.raises(MetadataError, match="not JSON"):
        parse_block(f"{BLOCK_OPENING}\n{json.dumps(SAMPLE.to_json()).replace('0.0123', 'NaN')}\n-->")
    with pytest.raises(MetadataError, match="2 metadata blocks"):
        parse_block(render_block(SAMPLE) + "\n" + render_block(SAMPLE))
    with pytest.raises(MetadataError, match="more than"):
        parse_block(body_with({**SAMPLE.to_json(), "pad": "x" * MAX_BLOCK_CHARACTERS}))
    with pytest.raises(MetadataError, match="not closed"):
        parse_block(f"{BLOCK_OPENING}\n{{}}")
    with pytest.raises(MetadataError, match="not JSON"):
        parse_block(f"{BLOCK_OPENING}\n{'[' * 10_000}\n-->")  # nesting deeper than json can go


def test_fields_of_a_newer_minor_form_are_kept_aside() -> None:
    parsed = parse_block(body_with({**SAMPLE.to_json(), "pr_kind": "fork"}))
    assert parsed == SAMPLE and parsed is not None and parsed.extra == {"pr_kind": "fork"}
    # ... and written back, so a writer that does not know them never drops them (the review loop's revisions)
    rewritten = parse_block(render_block(parsed))
    assert rewritten is not None and rewritten.extra == {"pr_kind": "fork"}
    assert parse_block(render_block(replace(parsed, extra={"v": 9, "issue": 99}))) == SAMPLE  # never over a field


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_any_body_parses_or_is_refused_never_crashes(body: str) -> None:
    for candidate in (body, BLOCK_OPENING + "\n" + body + "\n-->"):
        with contextlib.suppress(MetadataError):
            parse_block(candidate)
