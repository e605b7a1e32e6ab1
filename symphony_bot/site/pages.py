"""The pages of the site: Projects (the grid), one page per project, Active, History, Stats.

Pure functions from the view model to HTML text; every value goes through `html.text`/`html.attr`/`html.link`.
The page is complete without JavaScript (every tile listed, every section shown); the filter and search
controls are `hidden` until `site.js` runs and reveals them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from symphony_bot.report.words import plural
from symphony_bot.site.html import USER_TEXT, attr, link, page, progress_bar, text
from symphony_bot.site.model import ISSUE_GROUPS, Category, Project, categories_in
from symphony_bot.stats.history import HistoryRow

if TYPE_CHECKING:
    from symphony_bot.github.document_previews import DocumentPreview
    from symphony_bot.github.issue_queries import ScannedIssue

Previews = dict[tuple[str, str], "DocumentPreview"]

RUN_COMMENT = "/symphony run"
KEYBOARD_HINT = "Arrow keys move between projects, Enter opens one, / goes to the search, Esc clears it."
NO_MATCH = "No project matches the search and filter."
UNREADABLE = "Could not be read: see its page"
DUPLICATE = "Listed twice: same repository as"
NO_ISSUES = "No issue of this project is labelled runmaestro.ai yet."


def _category_badge(category: Category) -> str:
    return (
        f'<span class="category"><span aria-hidden="true">{text(category.emoji)}</span> {text(category.label)}</span>'
    )


def _tile_counts(project: Project) -> str:
    """The tile's last line: its issue counts, or why there are none (never "0 available issues" for a project
    that could not be read)."""
    if project.problems:
        return f'<span class="problem">{UNREADABLE}</span>'
    counts = [plural(project.count("available"), "available issue"), f"{project.count('in_progress'):,} in progress"]
    if project.duplicate_of:
        counts.append(f'<span class="problem">{DUPLICATE} {text(project.duplicate_of)}</span>')
    return " · ".join(counts)


def project_tile(project: Project) -> str:
    featured = '<span class="badge featured">Featured</span> ' if project.featured else ""
    tags = "".join(f"<li{USER_TEXT}>{text(tag)}</li>" for tag in project.tags)
    return (
        f'<li class="tile" data-category="{attr(project.category.id)}" data-search="{attr(project.search_text)}">'
        f'<h2 class="tile-name"><a class="tile-link" href="projects/{attr(project.page)}"{USER_TEXT}>'
        f"{text(project.name)}</a></h2>"
        f'<p class="tile-meta">{featured}{_category_badge(project.category)}</p>'
        f'<p class="description"{USER_TEXT}>{text(project.description)}</p>'
        + (f'<ul class="tags">{tags}</ul>' if tags else "")
        + f'<p class="counts">{_tile_counts(project)}</p></li>'
    )


def projects_page(projects: list[Project], generated_at: str) -> str:
    filters = [
        f'<button type="button" class="filter" data-category="" aria-pressed="true">All ({len(projects):,})</button>'
    ]
    for category, count in categories_in(projects):
        filters.append(
            f'<button type="button" class="filter" data-category="{attr(category.id)}" aria-pressed="false">'
            f'<span aria-hidden="true">{text(category.emoji)}</span> {text(category.label)} ({count:,})</button>'
        )
    body = (
        "<h1>Projects</h1>\n"
        f'<p id="project-count" role="status">{plural(len(projects), "project")}</p>\n'
        '<div class="controls" id="controls" hidden>\n'
        '<label for="search">Search projects</label>\n'
        '<input type="search" id="search" name="search" autocomplete="off" aria-keyshortcuts="/" '
        'aria-describedby="keyboard-hint" placeholder="Name, description or tag">\n'
        f'<div class="filters" role="group" aria-label="Filter by category">{"".join(filters)}</div>\n'
        f'<p class="hint" id="keyboard-hint">{KEYBOARD_HINT}</p>\n'
        "</div>\n"
        f'<ul class="grid" id="projects">\n{"".join(project_tile(project) for project in projects)}\n</ul>\n'
        f'<p id="no-results" hidden>{NO_MATCH}</p>'
    )
    return page(title="Projects", current="index.html", body=body, generated_at=generated_at)


def _issue_start(project: Project, number: int, url: str) -> str:
    command = f"symphony-bot run {project.slug}#{number}"
    return (
        '<div class="start"><p>Start it: comment '
        f"<code>{RUN_COMMENT}</code> on {link(url, f'issue #{number}')} (the project's policy decides who may), "
        "or donate a run from your own repository:</p>"
        f"<pre><code>{text(command)}</code></pre></div>"
    )


def _preview(preview: DocumentPreview | None) -> str:
    if preview is None:
        return ""
    if preview.note is not None:
        return f' <span class="note">({text(preview.note)})</span>'
    summary = f" — {plural(preview.tasks_total, 'task')}, {preview.tasks_open:,} open"
    tasks = "".join(f"<li{USER_TEXT}>{text(task)}</li>" for task in preview.open_tasks)
    more = preview.tasks_open - len(preview.open_tasks)
    if more > 0:
        tasks += f'<li class="note">… {more:,} more</li>'
    return text(summary) + (f'<ul class="tasks">{tasks}</ul>' if tasks else "")


def _issue(
    project: Project,
    issue: ScannedIssue,
    rows: dict[int, HistoryRow],
    previews: Previews,
    rendered: dict[DocumentPreview, str],
) -> str:
    status = str(issue.status)
    documents = issue.parsed.documents
    items = []
    for document in documents:
        shown = document.path or document.name
        target = document.url or (f"{project.url.rstrip('/')}/blob/HEAD/{document.path}" if project.url else "")
        preview = previews.get((issue.repo.casefold(), document.path)) if document.path else None
        label = link(target, shown) if target else text(shown)
        if preview is not None and preview not in rendered:
            rendered[preview] = _preview(preview)  # one document is listed by many issues: render it once
        items.append(f"<li>{label}{rendered[preview] if preview is not None else ''}</li>")
    parts = [
        f'<li class="issue status-{attr(status)}">',
        f"<h3>{link(issue.url, f'#{issue.number} {issue.title}', user_text=True)}</h3>",
        f'<p class="documents-count">{plural(len(documents), "Auto Run document")}</p>',
    ]
    if items:
        parts.append(
            f'<details><summary>Documents of #{issue.number}</summary><ol class="documents">{"".join(items)}</ol>'
            "</details>"
        )
    claim = issue.classification.claim
    if claim is not None:
        kind = "draft PR" if claim.is_draft else "PR"
        verb = "Completed by" if status == "completed" else "Claimed by"
        parts.append(f"<p>{verb} {link(claim.url, f'{kind} #{claim.number}')} by @{text(claim.author or 'ghost')}</p>")
    # progress only from the PR that holds the claim: an abandoned, closed PR's "18 of 18" is not this issue's
    row = rows.get(issue.number)
    if row is not None and claim is not None and row.pr_number == claim.number and row.tasks_total:
        parts.append(
            f'<p class="task-progress">{progress_bar(row.tasks_done, row.tasks_total, f"#{issue.number}")}</p>'
        )
    if status == "available":
        parts.append(_issue_start(project, issue.number, issue.url))
    if status == "invalid":
        reasons = "; ".join(reason.message for reason in issue.classification.reasons)
        parts.append(f'<p class="reason">Not ready: {text(reasons)}</p>')
    parts.append("</li>")
    return "".join(parts)


def project_page(project: Project, rows: list[HistoryRow], generated_at: str, previews: Previews | None = None) -> str:
    by_issue = {row.issue: row for row in reversed(rows)}  # the project's own rows (build.py), newest wins
    rendered: dict[DocumentPreview, str] = {}
    details = [
        f"<p>{_category_badge(project.category)}</p>",
        f'<p class="description"{USER_TEXT}>{text(project.description)}</p>',
    ]
    if project.tags:
        details.append('<ul class="tags">' + "".join(f"<li{USER_TEXT}>{text(t)}</li>" for t in project.tags))
        details[-1] += "</ul>"
    facts = [f"Repository: {link(project.url, project.slug)}"]
    if project.maintainer:
        facts.append(f"Maintainer: {link(project.maintainer_url, project.maintainer, user_text=True)}")
    if project.added_at:
        facts.append(f"Added: {text(project.added_at)}")
    details.append(f'<p class="facts">{" · ".join(facts)}</p>')
    sections = []
    for problem in project.problems:
        sections.append(f'<p class="problem" role="note">Not scanned: {text(problem)}</p>')
    if not project.issues and not project.problems:
        sections.append(f"<p>{NO_ISSUES}</p>")
    for status, heading in ISSUE_GROUPS:
        issues = [issue for issue in project.issues if str(issue.status) == status]
        if not issues:
            continue
        anchor = f"group-{status}"
        items = "".join(_issue(project, issue, by_issue, previews or {}, rendered) for issue in issues)
        sections.append(
            f'<section aria-labelledby="{anchor}"><h2 id="{anchor}">{heading} ({len(issues):,})</h2>'
            f'<ul class="issues">{items}</ul></section>'
        )
    body = (
        f'<nav aria-label="Breadcrumb" class="breadcrumb"><a href="../index.html">Projects</a> › '
        f"<span{USER_TEXT}>{text(project.name)}</span></nav>\n"
        f"<h1{USER_TEXT}>{text(project.name)}</h1>\n" + "\n".join(details) + "\n" + "\n".join(sections)
    )
    return page(title=project.name, current="", body=body, depth=1, generated_at=generated_at)
