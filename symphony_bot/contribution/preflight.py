"""Preflight: may this issue be run now, and with which documents?

Checked on GitHub before anything is cloned (open, labelled, not blocked, not claimed by someone else's open
PR, documents named safely), then again in the clone at its pinned commit (every repository document is a
regular file inside the work tree, not a link, not over the size cap). Each failure is a sentence that names
the cause and the fix; the runner puts it in the status comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from symphony_bot.contribution.claim import OpenClaim, branch_prefix, same_login
from symphony_bot.github.issue_view import IssueView
from symphony_bot.issues.body import DocumentReference
from symphony_bot.issues.status import IssueStatus

MAX_DOCUMENT_BYTES = 1024 * 1024


class PreflightError(Exception):
    """The issue cannot be run; the message says why and what to do."""

    def __init__(self, message: str, holder: OpenClaim | None = None) -> None:
        super().__init__(message)
        self.holder = holder


@dataclass(frozen=True)
class Checked:
    title: str
    documents: tuple[DocumentReference, ...]
    own_claim: int | None  # our open PR number when the issue is "in progress" through our own claim


def check_issue(view: IssueView, login: str) -> Checked:
    issue = view.issue
    where = f"{issue.repo}#{issue.number}"
    if view.archived:
        raise PreflightError(f"{issue.repo} is archived: no pull request can be opened; ask the maintainers")
    status = issue.status
    claim = issue.classification.claim
    own_claim = None
    if status is IssueStatus.COMPLETED:
        raise PreflightError(f"{where} is completed (closed, or a merged pull request closes it): nothing to run")
    if status is IssueStatus.IN_PROGRESS and claim is not None:
        ours = same_login(claim.author, login) and claim.head_branch.startswith(branch_prefix(issue.number))
        if not ours:
            holder = OpenClaim(claim.number, claim.url, claim.author)
            by = f" by @{claim.author}" if claim.author else ""
            raise PreflightError(
                f"{where} is already claimed by pull request #{claim.number}{by}: the first pull request wins. "
                "Pick another issue, or wait until that pull request is closed",
                holder,
            )
        own_claim = claim.number
    if status is IssueStatus.BLOCKED:
        raise PreflightError(f"{where} is labelled blocking: remove the label when the blocker is resolved")
    if status is IssueStatus.INVALID:
        reasons = "; ".join(f"line {r.line}: {r.message}" for r in issue.classification.reasons)
        raise PreflightError(f"{where} cannot be run: {reasons or 'it names no Auto Run document'}")
    if not issue.parsed.documents:
        raise PreflightError(f"{where} names no Auto Run document: list the documents' paths in the issue body")
    return Checked(title=issue.title, documents=issue.parsed.documents, own_claim=own_claim)


def check_document(work_tree: Path, reference: DocumentReference) -> Path:
    """The document's path in the clone, once it is known to be a regular file inside it."""
    assert reference.path is not None
    candidate = work_tree / reference.path
    line = f"(issue body line {reference.line})"
    if any(part.is_symlink() for part in _parents(work_tree, candidate)):
        raise PreflightError(f"{reference.path} {line} is a symbolic link in the repository; name the real file")
    if not candidate.exists():
        raise PreflightError(
            f"{reference.path} {line} does not exist on the default branch; commit it or fix the path in the issue"
        )
    resolved = candidate.resolve()
    if not resolved.is_relative_to(work_tree.resolve()) or not resolved.is_file():
        raise PreflightError(f"{reference.path} {line} is not a regular file inside the repository")
    size = resolved.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        raise PreflightError(f"{reference.path} {line} is {size:,} bytes, over the {MAX_DOCUMENT_BYTES:,} allowed")
    return Path(resolved)


def _parents(root: Path, path: Path) -> list[Path]:
    chain = []
    current = path
    while current not in (root, current.parent):
        chain.append(current)
        current = current.parent
    return chain
