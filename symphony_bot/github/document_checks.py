"""Whether an issue's Auto Run documents are there to be run: each repository document it lists must exist on
the default branch as UTF-8 text of at most 1 MB, or the issue is `invalid` (DESIGN.md "Issue status": a run
would only fail on it). Attachments are downloaded when a run starts and are not checked here.

Only an issue that could otherwise be worked on (`available`) is checked: the documents decide no other
status, so the others cost nothing. The reads themselves are batched GraphQL `object(expression:)` aliases
(`github/files.py`); the scan carries them inside its own requests. A file GitHub answered with an error was
not checked, and never makes an issue invalid.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from symphony_bot.github.files import FileAnswer, FileRequest
from symphony_bot.issues.body import Problem
from symphony_bot.issues.safety import printable
from symphony_bot.issues.status import (
    CODE_DOCUMENT_MISSING,
    CODE_DOCUMENT_UNREADABLE,
    IssueStatus,
    with_document_problems,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from symphony_bot.github.issue_queries import ScannedIssue

MISSING_MESSAGE = "{path} is not on the default branch ({branch}); commit it there or fix the path in the issue"
EMPTY_MESSAGE = "{path} cannot be there: the repository is empty (it has no default branch); push it first"
UNREADABLE_MESSAGE = "{path} {note}; a run reads UTF-8 text files of at most 1 MB"


def document_requests(issue: ScannedIssue, branch: str | None) -> list[FileRequest]:
    """The repository documents whose existence decides this issue's status (none unless it is available)."""
    if branch is None or issue.status is not IssueStatus.AVAILABLE:
        return []
    return [
        FileRequest(issue.repo, branch, reference.path)
        for reference in issue.parsed.documents
        if not reference.external and reference.path is not None
    ]


def document_problems(
    issue: ScannedIssue, branch: str | None, answers: Mapping[FileRequest, FileAnswer]
) -> list[Problem]:
    """Why the issue's documents cannot be run, one problem per document, at the line that lists it."""
    problems = []
    for reference in issue.parsed.documents:
        if reference.external or reference.path is None:
            continue
        if branch is None:  # an empty repository holds no file at all
            message = EMPTY_MESSAGE.format(path=printable(reference.path))
            problems.append(Problem(reference.line, CODE_DOCUMENT_MISSING, message))
            continue
        answer = answers.get(FileRequest(issue.repo, branch, reference.path))
        if answer is None or not answer.checked or answer.text is not None or answer.note is None:
            continue
        path = printable(reference.path)
        if answer.missing:
            message = MISSING_MESSAGE.format(path=path, branch=printable(branch))
            problems.append(Problem(reference.line, CODE_DOCUMENT_MISSING, message))
        else:
            message = UNREADABLE_MESSAGE.format(path=path, note=answer.note)
            problems.append(Problem(reference.line, CODE_DOCUMENT_UNREADABLE, message))
    return problems


def checked_issue(issue: ScannedIssue, branch: str | None, answers: Mapping[FileRequest, FileAnswer]) -> ScannedIssue:
    """The issue with its status decided by its documents too (itself when they are all there)."""
    problems = document_problems(issue, branch, answers)
    if not problems:
        return issue
    return dataclasses.replace(issue, classification=with_document_problems(issue.classification, problems))


def answer_to_json(answer: FileAnswer) -> dict[str, Any]:
    """An existence answer as the scan caches it (only checked answers are cached)."""
    return {"size": answer.size, "note": answer.note, "missing": answer.missing}


def answer_from_json(data: Any) -> FileAnswer | None:
    if not isinstance(data, dict):
        return None
    size, note = data.get("size"), data.get("note")
    return FileAnswer(
        size=size if isinstance(size, int) else None,
        note=note if isinstance(note, str) else None,
        missing=data.get("missing") is True,
    )
