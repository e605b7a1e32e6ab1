"""An issue's status (available, in progress, blocked, invalid, completed), exactly as DESIGN.md "Issue
status" defines it: a pure function over plain data the caller fetched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from symphony_bot.issues.body import ParsedBody, Problem

SYMPHONY_LABEL = "runmaestro.ai"
BLOCKING_LABEL = "blocking"
CODE_NOT_LABELLED = "not-labelled"
# A listed document that the default branch does not hold, or holds in a form no run can read.
CODE_DOCUMENT_MISSING = "document-missing"
CODE_DOCUMENT_UNREADABLE = "document-unreadable"


class IssueStatus(StrEnum):
    COMPLETED = "completed"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    INVALID = "invalid"
    AVAILABLE = "available"


ALL_STATUSES = tuple(IssueStatus)


class PullRequestState(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    MERGED = "MERGED"


@dataclass(frozen=True)
class LinkedPullRequest:
    """A pull request GitHub links to the issue as closing it (`closedByPullRequestsReferences`)."""

    number: int
    url: str
    state: PullRequestState
    is_draft: bool
    author: str | None  # None for a deleted account ("ghost")
    head_branch: str
    repository: str  # owner/name where the PR lives
    head_repository: str | None  # owner/name of the head (a fork's PR differs); None when the fork is gone

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "url": self.url,
            "state": str(self.state),
            "draft": self.is_draft,
            "author": self.author,
            "headBranch": self.head_branch,
            "repository": self.repository,
            "headRepository": self.head_repository,
        }


@dataclass(frozen=True)
class Classification:
    status: IssueStatus
    claim: LinkedPullRequest | None  # the open PR that claims the issue (in_progress), or the merged one
    reasons: tuple[Problem, ...]  # why the issue is invalid (empty otherwise)


def classify(
    *,
    closed: bool,
    labels: list[str] | tuple[str, ...],
    linked_pull_requests: list[LinkedPullRequest] | tuple[LinkedPullRequest, ...],
    parsed: ParsedBody,
) -> Classification:
    """The issue's status, exactly as DESIGN.md "Issue status" defines it, in this order:

    completed: closed, or a linked PR is merged; in_progress: a linked PR is open (the lowest number claims
    it: "first to commit wins"); blocked: a `blocking` label in any case; invalid: not labelled, no document
    or an unsafe one; available: otherwise. Only GitHub's linkage counts, never a `#N` mentioned in a PR.
    """
    merged = sorted((pr for pr in linked_pull_requests if pr.state is PullRequestState.MERGED), key=_by_number)
    if closed or merged:
        return Classification(IssueStatus.COMPLETED, merged[0] if merged else None, ())
    open_prs = sorted((pr for pr in linked_pull_requests if pr.state is PullRequestState.OPEN), key=_by_number)
    if open_prs:
        return Classification(IssueStatus.IN_PROGRESS, open_prs[0], ())
    folded = {label.casefold() for label in labels}
    if BLOCKING_LABEL in folded:
        return Classification(IssueStatus.BLOCKED, None, ())
    reasons = list(parsed.errors)
    if SYMPHONY_LABEL not in folded:
        reasons.insert(0, Problem(1, CODE_NOT_LABELLED, f"the issue is not labelled {SYMPHONY_LABEL}"))
    if reasons or not parsed.documents:
        return Classification(IssueStatus.INVALID, None, tuple(reasons))
    return Classification(IssueStatus.AVAILABLE, None, ())


def with_document_problems(classification: Classification, problems: Sequence[Problem]) -> Classification:
    """The status once the documents were looked at on the default branch: an issue that could be worked on
    (or is already invalid) is invalid when a document is missing or unreadable, with those reasons added.
    Completed, in-progress and blocked issues keep their status: the documents do not decide theirs."""
    if not problems or classification.status not in (IssueStatus.AVAILABLE, IssueStatus.INVALID):
        return classification
    return Classification(IssueStatus.INVALID, None, (*classification.reasons, *problems))


def _by_number(pull_request: LinkedPullRequest) -> int:
    return pull_request.number
