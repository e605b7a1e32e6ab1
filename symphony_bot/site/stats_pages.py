"""The contribution pages of the site: Active, History, Stats (everyone's numbers), and one page per contributor.

Pure functions from the stats report to HTML text; every value goes through `html.text`/`html.attr`/`html.link`.
"""

from __future__ import annotations

from symphony_bot.report.words import plural
from symphony_bot.site.html import USER_TEXT, attr, link, page, progress_bar, text
from symphony_bot.stats.history import HistoryRow
from symphony_bot.stats.maths import StatsReport
from symphony_bot.stats.render import money, streak_text

STATS_NOTE = (
    "The numbers of all contributors together. Streaks count consecutive ISO weeks with a finished contribution; "
    "symphony-bot stats --user LOGIN shows one contributor's."
)
ACTIVE_CONTROLS = (
    "To follow or steer a run, comment on its issue: /symphony status, /symphony cancel or /symphony finalize "
    "(the project's policy decides who may). Progress is read from each PR's metadata when the site is built."
)
NO_HISTORY = "No contribution has finished yet."
NO_ACTIVE = "No contribution is running right now."
HISTORY_CAPTION = "Finished contributions, newest first"


def _issue_url(row: HistoryRow) -> str:
    """The claimed issue's URL, next to its PR's (same host and repository)."""
    base, found, _ = row.pr_url.rpartition("/pull/")
    return f"{base}/issues/{row.issue}" if found else ""


def words(value: str) -> str:
    """Free text for a table cell, one `.word` box per word: a line breaks between words, never inside one at a
    `/` or `-` (only a word wider than the whole cell is broken)."""
    return " ".join(f'<span class="word">{text(word)}</span>' for word in value.split())


def cell(label: str, content: str) -> str:
    """A table cell labelled by its column: on a phone each row is a card and the label shows before the value."""
    return f'<td data-label="{attr(label)}">{content}</td>'


def _row_cells(row: HistoryRow) -> str:
    pull = link(row.pr_url, f"PR #{row.pr_number}")
    return (
        cell("Issue", link(_issue_url(row), f"{row.repository}#{row.issue}"))
        + cell("Pull request", f'{pull} <span class="state state-{attr(row.pr_state)}">{text(row.pr_state)}</span>')
        + cell("Contributor", f"@{text(row.contributor)}")
    )


def active_page(report: StatsReport, generated_at: str) -> str:
    rows = report.active_rows
    if not rows:
        table = f"<p>{NO_ACTIVE}</p>"
    else:
        lines = []
        for row in rows:
            lines.append(
                f"<tr>{_row_cells(row)}{cell('Agent', f'<span{USER_TEXT}>{words(row.agent)}</span>')}"
                + cell("Progress", progress_bar(row.tasks_done, row.tasks_total, f"{row.repository}#{row.issue}"))
                + f"{cell('Tokens', f'{row.tokens:,}')}{cell('Cost', money(row.cost_usd))}"
                + f"{cell('Started', text(row.started_at[:10]))}</tr>"
            )
        table = (
            '<div class="table-wrap"><table><caption>Contributions in progress</caption><thead><tr>'
            '<th scope="col">Issue</th><th scope="col">Pull request</th><th scope="col">Contributor</th>'
            '<th scope="col">Agent</th><th scope="col">Progress</th><th scope="col">Tokens</th>'
            '<th scope="col">Cost</th><th scope="col">Started</th></tr></thead>'
            f"<tbody>{''.join(lines)}</tbody></table></div>"
        )
    body = (
        f"<h1>Active</h1>\n<p>{plural(len(rows), 'running contribution')}</p>\n{table}\n"
        f'<p class="note">{text(ACTIVE_CONTROLS)}</p>'
    )
    return page(title="Active", current="active.html", body=body, generated_at=generated_at)


def _summary(items: list[tuple[str, str]]) -> str:
    cells = "".join(f'<div class="metric"><dt>{text(label)}</dt><dd>{text(value)}</dd></div>' for label, value in items)
    return f'<dl class="metrics">{cells}</dl>'


def _history_table(rows: list[HistoryRow], caption: str) -> str:
    if not rows:
        return f"<p>{NO_HISTORY}</p>"
    lines = [
        f"<tr>{_row_cells(row)}{cell('Completed', text((row.completed_at or row.started_at)[:10]))}"
        f"{cell('Documents', f'{len(row.documents):,}')}{cell('Tasks', f'{row.tasks_done:,}/{row.tasks_total:,}')}"
        f"{cell('Cost', money(row.cost_usd))}</tr>"
        for row in rows
    ]
    return (
        f'<div class="table-wrap"><table><caption>{text(caption)}</caption><thead><tr>'
        '<th scope="col">Issue</th><th scope="col">Pull request</th><th scope="col">Contributor</th>'
        '<th scope="col">Completed</th><th scope="col">Documents</th><th scope="col">Tasks</th>'
        f'<th scope="col">Cost</th></tr></thead><tbody>{"".join(lines)}</tbody></table></div>'
    )


def history_page(report: StatsReport, generated_at: str) -> str:
    t = report.totals
    summary = _summary(
        [
            ("Pull requests", f"{t.contributions:,}"),
            ("Merged", f"{t.merged_prs:,}"),
            ("Tokens donated", f"{t.tokens:,}"),
            ("Estimated cost", money(t.cost_usd)),
        ]
    )
    table = _history_table(report.history_rows, HISTORY_CAPTION)
    body = f"<h1>History</h1>\n{summary}\n{table}"
    return page(title="History", current="history.html", body=body, generated_at=generated_at)


def _overview(report: StatsReport) -> str:
    t = report.totals
    return _summary(
        [
            ("Contributions", f"{t.contributions:,}"),
            ("Merged PRs", f"{t.merged_prs:,}"),
            ("Issues resolved", f"{t.issues_resolved:,}"),
            ("Tokens donated", f"{t.tokens:,}"),
            ("Estimated cost", money(t.cost_usd)),
            ("Repositories", f"{t.repositories:,}"),
            ("Maintainers helped", f"{t.maintainers_helped:,}"),
            ("Current streak", streak_text(report.streaks.current_weeks)),
            ("Longest streak", streak_text(report.streaks.longest_weeks)),
        ]
    )


def _achievements(report: StatsReport) -> str:
    badges = []
    for achievement in report.achievements:
        state = "Earned" if achievement.earned else "Not yet"
        badges.append(
            f'<li class="achievement{" earned" if achievement.earned else ""}">'
            f'<h3><span aria-hidden="true">{text(achievement.emoji)}</span> {text(achievement.title)}</h3>'
            f"<p>{text(achievement.description)}</p>"
            f'<p><progress max="100" value="{achievement.progress_percent}" '
            f'aria-label="{attr(achievement.title)} progress"></progress> '
            f"<span>{achievement.progress_percent}% · {state}</span></p></li>"
        )
    return (
        '<section aria-labelledby="achievements"><h2 id="achievements">Achievements</h2>'
        f'<ul class="achievements">{"".join(badges)}</ul></section>'
    )


def stats_page(report: StatsReport, generated_at: str, contributor_pages: dict[str, str] | None = None) -> str:
    """Everyone's numbers; `contributor_pages` maps a lower-cased login to its page (relative to the site root)."""
    pages = contributor_pages or {}
    leaders = []
    for entry in report.leaderboard:
        target = pages.get(entry.contributor.casefold())
        name = f'<a href="{attr(target)}">@{text(entry.contributor)}</a>' if target else f"@{text(entry.contributor)}"
        leaders.append(
            f"<tr>{cell('Rank', str(entry.rank))}{cell('Contributor', name)}{cell('Merged', f'{entry.merged_prs:,}')}"
            f"{cell('Contributions', f'{entry.contributions:,}')}{cell('Tokens', f'{entry.tokens:,}')}"
            f"{cell('Longest streak', streak_text(entry.longest_streak_weeks))}</tr>"
        )
    board = (
        '<div class="table-wrap"><table><caption>Leaderboard</caption><thead><tr><th scope="col">Rank</th>'
        '<th scope="col">Contributor</th><th scope="col">Merged</th><th scope="col">Contributions</th>'
        '<th scope="col">Tokens</th><th scope="col">Longest streak</th></tr></thead>'
        f"<tbody>{''.join(leaders)}</tbody></table></div>"
        if leaders
        else "<p>No contributor yet.</p>"
    )
    body = (
        "<h1>Stats</h1>\n"
        f'{_overview(report)}\n<p class="note">{text(STATS_NOTE)}</p>\n{_achievements(report)}\n'
        f'<section aria-labelledby="leaderboard"><h2 id="leaderboard">Leaderboard</h2>{board}</section>'
    )
    return page(title="Stats", current="stats.html", body=body, generated_at=generated_at)


def contributor_page(report: StatsReport, generated_at: str) -> str:
    """One contributor's Stats tab: totals, streaks, achievements, and their contributions (a page one folder
    below the site root)."""
    login = report.user or ""
    running = report.active_rows
    active = (
        f'<section aria-labelledby="running"><h2 id="running">Running ({len(running):,})</h2>'
        + "".join(
            f"<p>{link(row.pr_url, f'{row.repository}#{row.issue}')} "
            f"{progress_bar(row.tasks_done, row.tasks_total, f'{row.repository}#{row.issue}')}</p>"
            for row in running
        )
        + "</section>\n"
        if running
        else ""
    )
    body = (
        f'<nav aria-label="Breadcrumb" class="breadcrumb"><a href="../stats.html">Stats</a> › '
        f"<span>@{text(login)}</span></nav>\n"
        f"<h1>@{text(login)}</h1>\n{_overview(report)}\n{_achievements(report)}\n{active}"
        f'<section aria-labelledby="finished"><h2 id="finished">History</h2>'
        f"{_history_table(report.history_rows, HISTORY_CAPTION)}</section>"
    )
    return page(title=f"@{login}", current="", body=body, depth=1, generated_at=generated_at)
