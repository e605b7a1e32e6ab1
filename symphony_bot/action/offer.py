"""The label check and the offer it writes into the status comment (used by the label handler and by
`/symphony status`)."""

from __future__ import annotations

from symphony_bot.action.context import ActionContext
from symphony_bot.action.replies import (
    BLOCKED,
    CLAIMED,
    CLOSED,
    INVALID,
    OFFER_MARKER,
    READY,
    STATUS_MARKER,
    OfferFacts,
    offer_note,
    with_note,
)
from symphony_bot.github import triggers


def announce(context: ActionContext, repo: str, number: int, body: str, *, create: bool = True) -> None:
    """Write the offer into the one status comment (marker + our login); never while dry-running. A comment
    the runner wrote (a run's report) is not replaced: the offer's headline goes at its top as a note."""
    if context.dry_run:
        context.log("dry run: the status comment would read:\n" + body)
        return
    login = context.bot().login
    existing = triggers.find_comment(context.client, repo, number, STATUS_MARKER, login)
    if existing is None:
        if create:
            triggers.upsert_comment(context.client, repo, number, marker=STATUS_MARKER, author=login, body=body)
        return
    current = str(existing.get("body") or "")
    updated = body if OFFER_MARKER in current else with_note(current, offer_note(body))
    if updated != current:
        triggers.edit_comment(context.client, repo, int(str(existing["id"])), updated)


def check_issue(context: ActionContext, repo: str, number: int, *, labelled_by: str | None) -> OfferFacts:
    """The label check: documents found and safe (and inside the allowed folders), tasks counted, status."""
    from symphony_bot.github.issue_view import fetch_issue_view

    owner, name = repo.split("/", 1)
    view = fetch_issue_view(context.client, (owner, name), number)
    issue = view.issue
    problems = [f"line {problem.line}: {problem.message}" for problem in issue.parsed.errors]
    problems += _folder_problems(context, view)
    for document in view.documents:
        if document.note and document.checked is None and not document.reference.external:
            problems.append(f"`{document.reference.path}` {document.note}")
    tasks = sum((d.checked or 0) + (d.unchecked or 0) for d in view.documents)
    open_tasks = sum(d.unchecked or 0 for d in view.documents)
    status = str(issue.status)
    base = {"documents": len(view.documents), "tasks": tasks, "open_tasks": open_tasks, "labelled_by": labelled_by}
    if status == "completed":
        return OfferFacts(CLOSED, **base)  # type: ignore[arg-type]
    if status == "in_progress" and issue.classification.claim is not None:
        claim = issue.classification.claim
        text = f"#{claim.number}" + (" (draft)" if claim.is_draft else "")
        return OfferFacts(CLAIMED, claim=text, **base)  # type: ignore[arg-type]
    if status == "blocked":
        return OfferFacts(BLOCKED, **base)  # type: ignore[arg-type]
    if problems or not view.documents:
        if not view.documents and not problems:
            problems = ["no Auto Run document is listed in the issue body (one `path/to/doc.md` per line)"]
        return OfferFacts(INVALID, problems=tuple(problems), **base)  # type: ignore[arg-type]
    return OfferFacts(READY, auto_start=context.config.auto_start, **base)  # type: ignore[arg-type]


def _folder_problems(context: ActionContext, view: object) -> list[str]:
    from symphony_bot.github.issue_view import IssueView

    assert isinstance(view, IssueView)
    problems = []
    folders = context.config.document_folders
    hosts = context.config.attachment_hosts
    for document in view.documents:
        reference = document.reference
        inside = reference.path is None or any(
            reference.path == folder or reference.path.startswith(folder + "/") for folder in folders
        )
        if folders and not inside:
            allowed = ", ".join(f"`{folder}/`" for folder in folders)
            problems.append(f"`{reference.path}` is outside the document folders this repository allows ({allowed})")
        if reference.url is not None and hosts:
            from urllib.parse import urlsplit

            host = (urlsplit(reference.url).hostname or "").lower()
            if host not in hosts:
                problems.append(f"attachment host {host} is not in this repository's `attachment-hosts`")
    return problems


def offer_message(facts: OfferFacts) -> str:
    if facts.state == READY:
        return f"ready: {facts.documents} documents, {facts.tasks} tasks ({facts.open_tasks} open)"
    if facts.state == INVALID:
        return f"not runnable: {len(facts.problems)} problem(s) with the issue's documents"
    return {CLAIMED: f"already claimed by {facts.claim}", BLOCKED: "blocked", CLOSED: "closed or done"}.get(
        facts.state, facts.state
    )
