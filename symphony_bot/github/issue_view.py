"""One issue in detail (`symphony-bot issue show`): status, claim, and each document's tasks on the default branch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symphony_bot.github.client import NOT_FOUND_ERROR_TYPE, GitHubClient, GitHubError
from symphony_bot.github.scan import (
    ScannedIssue,
    build_linked_query,
    issue_from_node,
    issue_query,
)
from symphony_bot.issue_body import DocumentReference

MAX_DOCUMENT_BYTES = 1024 * 1024  # the contents API serves files up to 1 MB inline
NOTE_ATTACHMENT = "attachment: downloaded when a run starts"


@dataclass(frozen=True)
class DocumentView:
    reference: DocumentReference
    checked: int | None = None
    unchecked: int | None = None
    note: str | None = None  # why there are no counts (missing file, attachment, ...)


@dataclass(frozen=True)
class IssueView:
    issue: ScannedIssue
    default_branch: str | None
    archived: bool
    documents: tuple[DocumentView, ...]


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
    _follow_linked_pages(client, owner, name, node)
    issue = issue_from_node(str(repository.get("nameWithOwner") or f"{owner}/{name}"), node)
    branch = (repository.get("defaultBranchRef") or {}).get("name")
    documents = tuple(_document_view(client, issue.repo, branch, reference) for reference in issue.parsed.documents)
    return IssueView(issue, branch, bool(repository.get("isArchived")), documents)


def _follow_linked_pages(client: GitHubClient, owner: str, name: str, node: dict[str, Any]) -> None:
    linked = node.get("closedByPullRequestsReferences") or {}
    page_info = linked.get("pageInfo") or {}
    while page_info.get("hasNextPage") and page_info.get("endCursor"):
        response = client.graphql(
            build_linked_query(1), {"o0": owner, "n0": name, "m0": node["number"], "c0": page_info["endCursor"]}
        )
        page = ((response.data.get("i0") or {}).get("issue") or {}).get("closedByPullRequestsReferences")
        if not isinstance(page, dict):
            raise GitHubError("reading the linked pull requests failed: " + str(response.errors or "no data"))
        linked["nodes"] = list(linked.get("nodes") or []) + list(page.get("nodes") or [])
        page_info = page.get("pageInfo") or {}
    node["closedByPullRequestsReferences"] = linked


def _document_view(client: GitHubClient, repo: str, branch: str | None, reference: DocumentReference) -> DocumentView:
    if reference.external or reference.path is None:
        return DocumentView(reference, note=NOTE_ATTACHMENT)
    if branch is None:
        return DocumentView(reference, note="the repository has no default branch (it is empty)")
    import base64
    from urllib.parse import quote

    from github import GithubException, UnknownObjectException

    from symphony_bot.autorun.document import count

    url = f"/repos/{repo}/contents/{quote(reference.path)}"
    try:
        _, content = client.github.requester.requestJsonAndCheck("GET", url, parameters={"ref": branch})
    except UnknownObjectException:
        return DocumentView(reference, note=f"not found on {branch}; commit it or fix the path")
    except GithubException as error:
        return DocumentView(reference, note=f"cannot be read (HTTP {error.status}); {_message(error)}")
    if isinstance(content, list):
        return DocumentView(reference, note="is a directory, not a document")
    if not isinstance(content, dict) or content.get("type") != "file":
        kind = content.get("type") if isinstance(content, dict) else "unknown"
        return DocumentView(reference, note=f"is a {kind}, not a regular file")
    size = int(content.get("size") or 0)
    if size > MAX_DOCUMENT_BYTES or content.get("encoding") != "base64":
        return DocumentView(reference, note=f"is {size:,} bytes; documents over 1 MB are not read")
    try:
        text = base64.b64decode(str(content.get("content") or "")).decode("utf-8-sig")
    except (UnicodeDecodeError, ValueError):
        return DocumentView(reference, note="is not UTF-8 text")
    counts = count(text)
    return DocumentView(reference, checked=counts.checked, unchecked=counts.unchecked)


def _message(error: Any) -> str:
    data = getattr(error, "data", None)
    return str(data.get("message")) if isinstance(data, dict) and data.get("message") else "see GitHub's answer"


def render_issue_view(view: IssueView) -> str:
    issue = view.issue
    lines = [f"{issue.repo}#{issue.number}: {issue.title}", f"  {issue.url}"]
    lines.append(f"  status: {issue.status}" + (f" ({issue.state_reason})" if issue.state_reason else ""))
    claim = issue.classification.claim
    if claim is not None:
        draft = "draft " if claim.is_draft else ""
        lines.append(
            f"  claim: {draft}PR #{claim.number} by @{claim.author or 'ghost'} "
            f"({claim.state.lower()}, branch {claim.head_branch}) {claim.url}"
        )
    others = [pull for pull in issue.linked_pull_requests if claim is None or pull.number != claim.number]
    for pull in others:
        lines.append(f"  also linked: PR #{pull.number} ({pull.state.lower()}) {pull.url}")
    if view.archived:
        lines.append("  the repository is archived: no PR can be opened")
    lines.append(f"  documents ({len(view.documents)}, default branch {view.default_branch or '-'}):")
    for index, document in enumerate(view.documents, start=1):
        where = document.reference.url or document.reference.path
        if document.note is not None:
            detail = document.note
        else:
            total = (document.checked or 0) + (document.unchecked or 0)
            detail = f"{document.unchecked} of {total} tasks open"
        lines.append(f"    {index}. {where} — {detail}")
    for reason in issue.classification.reasons:
        lines.append(f"  invalid: line {reason.line}: {reason.message} [{reason.code}]")
    for problem in issue.parsed.problems:
        if problem not in issue.classification.reasons:
            lines.append(f"  line {problem.line}: {problem.severity}: {problem.message} [{problem.code}]")
    return "\n".join(lines) + "\n"
