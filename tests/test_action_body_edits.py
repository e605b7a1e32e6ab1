"""The issue body a run follows: edits after the Symphony label must come from someone who could have labelled
the issue. The query is validated against GitHub's schema (@octokit/graphql-schema) and the decision is tested
on data of the query's shape; tests/e2e/test_action_edited_body.py runs it through the action on the sandbox."""

from __future__ import annotations

from typing import Any

from symphony_bot.action.body_edits import (
    EDITS_QUERY,
    Edit,
    edits_and_label_time,
    history_cut_short,
    untrusted_editor,
)
from tests.conformance.github_graphql import assert_valid_github_query

LABEL = "runmaestro.ai"
TRIAGE = {"maintainer", "triager"}


def test_the_query_is_valid_against_githubs_schema() -> None:
    assert_valid_github_query(EDITS_QUERY)


def data(edits: list[tuple[str, str, str]], labelled: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "repository": {
            "issue": {
                "userContentEdits": {
                    "nodes": [
                        {"editedAt": at, "editor": {"login": login, "__typename": kind}} for login, kind, at in edits
                    ]
                },
                "timelineItems": {"nodes": [{"createdAt": at, "label": {"name": name}} for name, at in labelled]},
            }
        }
    }


def may_label(edit: Edit) -> tuple[bool, str]:
    return (edit.login in TRIAGE, f"{edit.login} has {'triage' if edit.login in TRIAGE else 'read'}")


def decide(edits: list[tuple[str, str, str]], labelled: list[tuple[str, str]]) -> str | None:
    found, at = edits_and_label_time(data(edits, labelled), LABEL)
    return untrusted_editor(found, at, may_label)


def test_an_edit_after_the_label_by_someone_without_triage_refuses_and_names_them() -> None:
    reason = decide(
        [("stranger", "User", "2026-12-02T10:00:00Z"), ("author", "User", "2026-11-30T09:00:00Z")],
        [(LABEL, "2026-12-01T08:00:00Z"), ("bug", "2026-12-03T08:00:00Z")],
    )
    assert reason is not None and reason.startswith("the issue body was edited by stranger at 2026-12-02T10:00:00Z")


def test_edits_before_the_label_or_by_triagers_are_fine() -> None:
    assert decide([("author", "User", "2026-11-30T09:00:00Z")], [(LABEL, "2026-12-01T08:00:00Z")]) is None
    assert decide([("triager", "User", "2026-12-02T10:00:00Z")], [(LABEL, "2026-12-01T08:00:00Z")]) is None


def test_a_newer_label_vouches_for_the_edit_again() -> None:
    edits = [("stranger", "User", "2026-12-02T10:00:00Z")]
    assert decide(edits, [(LABEL, "2026-12-01T08:00:00Z"), (LABEL, "2026-12-02T11:00:00Z")]) is None


def test_without_edits_nothing_is_refused() -> None:
    assert decide([], [(LABEL, "2026-12-01T08:00:00Z")]) is None


def test_the_creation_entry_is_no_edit_and_the_labels_own_second_is_checked() -> None:
    # After the first edit GitHub lists the creation as the oldest entry (schema: `includesCreatedEdit`), at the
    # issue's `createdAt`: nothing can be labelled before it exists, so it is left out.
    created = "2026-12-01T08:00:00Z"
    answer = data([("triager", "User", "2026-12-02T10:00:00Z"), ("stranger", "User", created)], [(LABEL, created)])
    answer["repository"]["issue"]["createdAt"] = created
    found, at = edits_and_label_time(answer, LABEL)
    assert [edit.login for edit in found] == ["triager"] and untrusted_editor(found, at, may_label) is None
    # GitHub's times are whole seconds: an edit in the label's second cannot be ordered, and is checked
    assert decide([("stranger", "User", "2026-12-01T08:00:00Z")], [(LABEL, "2026-12-01T08:00:00Z")]) is not None


def test_a_deleted_editor_is_ghost_and_refused() -> None:
    answer = data([], [(LABEL, "2026-12-01T08:00:00Z")])
    answer["repository"]["issue"]["userContentEdits"]["nodes"] = [{"editedAt": "2026-12-02T10:00:00Z", "editor": None}]
    found, at = edits_and_label_time(answer, LABEL)
    reason = untrusted_editor(found, at, may_label)
    assert reason is not None and "edited by ghost" in reason


def test_a_history_longer_than_one_read_refuses_unless_what_was_read_reaches_the_label() -> None:
    labelled = [(LABEL, "2026-12-01T08:00:00Z")]
    after = [("triager", "User", f"2026-12-02T10:00:{second:02d}Z") for second in range(50)]
    full = data(after, labelled)
    full["repository"]["issue"]["userContentEdits"]["pageInfo"] = {"hasNextPage": True}
    found, at = edits_and_label_time(full, LABEL)
    assert history_cut_short(full, found, at)  # 50 edits after the label, and more older ones unread
    reaching = data([*after[:49], ("author", "User", "2026-11-30T09:00:00Z")], labelled)
    reaching["repository"]["issue"]["userContentEdits"]["pageInfo"] = {"hasNextPage": True}
    found, at = edits_and_label_time(reaching, LABEL)
    assert not history_cut_short(reaching, found, at)  # the page reaches back before the label: the rest is older
    no_label = data([], [("bug", "2026-12-03T08:00:00Z")])
    no_label["repository"]["issue"]["timelineItems"]["pageInfo"] = {"hasPreviousPage": True}
    assert history_cut_short(no_label, [], None)  # the Symphony label's event may be among the older ones
    assert not history_cut_short(data([], []), [], None)
