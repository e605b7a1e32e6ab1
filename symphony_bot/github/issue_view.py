"""One issue in detail (`symphony-bot issue show`): status, claim, and each document's tasks on the default branch.

This module fetches; the command (`commands/issue.py`) renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symphony_bot.github.client import MAX_FILE_BYTES, NOT_FOUND_ERROR_TYPE, GitHubClient, GitHubError
from symphony_bot.github.document_checks import checked_issue
from symphony_bot.github.files import FileAnswer, FileRequest, read_files
from symphony_bot.github.issue_queries import (
    LinkedFollowUp,
    ScannedIssue,
    follow_linked_pages,
    issue_from_node,
    issue_query,
)
from symphony_bot.issues.body import DocumentReference

MAX_DOCUMENT_BYTES = MAX_FILE_BYTES
NOTE_ATTACHMENT = "attachment: downloaded when a run starts"


@dataclass(frozen=True)
class DocumentView:
    reference: DocumentReference
    checked: int | None = None
    unchecked: int | None = None
    note: str | None = None  # why there are no counts (missing file, attachment, ...)

    def to_json(self) -> dict[str, Any]:
        return {
            "document": self.reference.to_json(),
            "checked": self.checked,
            "unchecked": self.unchecked,
            "note": self.note,
        }


@dataclass(frozen=True)
class IssueView:
    issue: ScannedIssue
    default_branch: str | None
    archived: bool
    documents: tuple[DocumentView, ...]

    def to_json(self) -> dict[str, Any]:
        """The issue as the scan lists it, with the default branch and each document's task counts."""
        return self.issue.to_json() | {
            "defaultBranch": self.default_branch,
            "archived": self.archived,
            "documentViews": [document.to_json() for document in self.documents],
        }


def fetch_issue_view(client: GitHubClient, slug: tuple[str, str], number: int) -> IssueView:
    owner, name = slug
    response = client.graphql(issue_query(), {"owner": owner, "name": name, "number": number})
    repository = response.data.get("repository")
    if not isinstance(repository, dict):
        raise GitHubError(
            f"{owner}/{name} was not found, or is private and the token cannot see it; check the slug", 404
        )
    node = repository.get("issue")
    if not isinstance(node, dict):
        not_found = any(error.get("type") == NOT_FOUND_ERROR_TYPE for error in response.errors) or not response.errors
        if not_found:
            raise GitHubError(f"{owner}/{name} has no issue #{number} (a pull request is not an issue)", 404)
        raise GitHubError("; ".join(str(error.get("message")) for error in response.errors))
    failure = follow_linked_pages(client, [LinkedFollowUp(owner, name, node)]).get(0)
    if failure is not None:
        raise GitHubError(failure)
    issue = issue_from_node(str(repository.get("nameWithOwner") or f"{owner}/{name}"), node)
    branch = (repository.get("defaultBranchRef") or {}).get("name")
    files = [
        FileRequest(issue.repo, branch, reference.path)
        for reference in issue.parsed.documents
        if branch is not None and not reference.external and reference.path is not None
    ]
    answers = read_files(client, files)  # every document of the issue in one query
    issue = checked_issue(issue, branch, answers)  # a missing or unreadable document makes it invalid
    documents = tuple(_document_view(answers, issue.repo, branch, reference) for reference in issue.parsed.documents)
    return IssueView(issue, branch, bool(repository.get("isArchived")), documents)


def _document_view(
    answers: dict[FileRequest, FileAnswer], repo: str, branch: str | None, reference: DocumentReference
) -> DocumentView:
    if reference.external or reference.path is None:
        return DocumentView(reference, note=NOTE_ATTACHMENT)
    if branch is None:
        return DocumentView(reference, note="the repository has no default branch (it is empty)")
    from symphony_bot.autorun.document import count

    answer = answers[FileRequest(repo, branch, reference.path)]
    if answer.text is None:
        note = answer.note or "cannot be read"
        return DocumentView(reference, note=f"{note}; commit it or fix the path" if not answer.exists else note)
    counts = count(answer.text)
    return DocumentView(reference, checked=counts.checked, unchecked=counts.unchecked)
