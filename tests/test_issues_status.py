"""Issue status as DESIGN.md "Issue status" defines it: a pure function over plain data."""

from __future__ import annotations

import pytest

from symphony_bot.issues.body import Problem, parse_body
from symphony_bot.issues.safety import CODE_PARENT_SEGMENT
from symphony_bot.issues.status import (
    CODE_DOCUMENT_MISSING,
    CODE_NOT_LABELLED,
    IssueStatus,
    LinkedPullRequest,
    PullRequestState,
    classify,
    with_document_problems,
)

GOOD_BODY = parse_body("- docs/task.md")
LABELS = ["runmaestro.ai"]


def pr(number: int, state: PullRequestState, draft: bool = False) -> LinkedPullRequest:
    return LinkedPullRequest(
        number=number,
        url=f"https://github.com/o/r/pull/{number}",
        state=state,
        is_draft=draft,
        author=f"user{number}",
        head_branch=f"symphony/issue-{number}",
        repository="o/r",
        head_repository="o/r",
    )


def test_available() -> None:
    result = classify(closed=False, labels=LABELS, linked_pull_requests=[], parsed=GOOD_BODY)
    assert (result.status, result.claim, result.reasons) == (IssueStatus.AVAILABLE, None, ())


def test_closed_issue_is_completed_whatever_else() -> None:
    for labels in (LABELS, [*LABELS, "blocking"], []):
        result = classify(closed=True, labels=labels, linked_pull_requests=[], parsed=parse_body(""))
        assert result.status is IssueStatus.COMPLETED


def test_merged_pr_completes_even_if_the_issue_is_open_and_another_pr_is_open() -> None:
    merged = pr(7, PullRequestState.MERGED)
    result = classify(
        closed=False, labels=LABELS, linked_pull_requests=[pr(3, PullRequestState.OPEN), merged], parsed=GOOD_BODY
    )
    assert (result.status, result.claim) == (IssueStatus.COMPLETED, merged)


def test_open_draft_pr_claims_and_the_lowest_number_wins() -> None:
    first, second = pr(4, PullRequestState.OPEN, draft=True), pr(9, PullRequestState.OPEN)
    result = classify(closed=False, labels=LABELS, linked_pull_requests=[second, first], parsed=GOOD_BODY)
    assert result.status is IssueStatus.IN_PROGRESS
    assert result.claim == first
    assert result.claim is not None and result.claim.is_draft
    assert result.claim.to_json()["headBranch"] == "symphony/issue-4"


def test_closed_unmerged_pr_does_not_claim() -> None:
    result = classify(
        closed=False, labels=LABELS, linked_pull_requests=[pr(5, PullRequestState.CLOSED)], parsed=GOOD_BODY
    )
    assert (result.status, result.claim) == (IssueStatus.AVAILABLE, None)


@pytest.mark.parametrize("label", ["blocking", "Blocking", "BLOCKING"])
def test_blocking_in_any_case(label: str) -> None:
    result = classify(closed=False, labels=[*LABELS, label], linked_pull_requests=[], parsed=GOOD_BODY)
    assert result.status is IssueStatus.BLOCKED


def test_in_progress_beats_blocking() -> None:
    result = classify(
        closed=False,
        labels=[*LABELS, "blocking"],
        linked_pull_requests=[pr(2, PullRequestState.OPEN)],
        parsed=GOOD_BODY,
    )
    assert result.status is IssueStatus.IN_PROGRESS


def test_blocking_beats_invalid() -> None:
    result = classify(closed=False, labels=[*LABELS, "blocking"], linked_pull_requests=[], parsed=parse_body(""))
    assert result.status is IssueStatus.BLOCKED


def test_invalid_without_documents_or_with_an_unsafe_one() -> None:
    empty = classify(closed=False, labels=LABELS, linked_pull_requests=[], parsed=parse_body("prose"))
    assert empty.status is IssueStatus.INVALID and empty.reasons
    unsafe = classify(closed=False, labels=LABELS, linked_pull_requests=[], parsed=parse_body("- docs/a.md\n- ../b.md"))
    assert unsafe.status is IssueStatus.INVALID
    assert [reason.code for reason in unsafe.reasons] == [CODE_PARENT_SEGMENT]


def test_unlabelled_issue_is_invalid_with_the_reason() -> None:
    result = classify(closed=False, labels=["RunMaestro.AI-not"], linked_pull_requests=[], parsed=GOOD_BODY)
    assert result.status is IssueStatus.INVALID
    assert [reason.code for reason in result.reasons] == [CODE_NOT_LABELLED]
    # the label itself is matched regardless of case, as GitHub does
    assert classify(closed=False, labels=["RunMaestro.AI"], linked_pull_requests=[], parsed=GOOD_BODY).status is (
        IssueStatus.AVAILABLE
    )


MISSING = Problem(1, CODE_DOCUMENT_MISSING, "docs/task.md is not on the default branch (main)")


def test_a_missing_document_makes_an_available_issue_invalid_with_the_reason() -> None:
    available = classify(closed=False, labels=LABELS, linked_pull_requests=[], parsed=GOOD_BODY)
    result = with_document_problems(available, [MISSING])
    assert (result.status, result.claim, result.reasons) == (IssueStatus.INVALID, None, (MISSING,))
    assert with_document_problems(available, []) is available  # every document there: unchanged


def test_a_missing_document_adds_to_the_reasons_of_an_invalid_issue() -> None:
    invalid = classify(closed=False, labels=[], linked_pull_requests=[], parsed=GOOD_BODY)
    result = with_document_problems(invalid, [MISSING])
    assert result.status is IssueStatus.INVALID
    assert [reason.code for reason in result.reasons] == [CODE_NOT_LABELLED, CODE_DOCUMENT_MISSING]


@pytest.mark.parametrize(
    ("closed", "labels", "pulls", "status"),
    [
        (True, LABELS, [], IssueStatus.COMPLETED),
        (False, LABELS, [pr(3, PullRequestState.OPEN)], IssueStatus.IN_PROGRESS),
        (False, [*LABELS, "blocking"], [], IssueStatus.BLOCKED),
    ],
)
def test_documents_decide_no_other_status(
    closed: bool, labels: list[str], pulls: list[LinkedPullRequest], status: IssueStatus
) -> None:
    classification = classify(closed=closed, labels=labels, linked_pull_requests=pulls, parsed=GOOD_BODY)
    assert with_document_problems(classification, [MISSING]).status is status
