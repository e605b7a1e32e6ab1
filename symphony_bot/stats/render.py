"""The stats report as a terminal table, JSON (stable shape, `schemaVersion`) or Markdown (a job summary).

Every value that came from a PR body or the registry is made inert for the format it is written in: control
characters escaped in the table, HTML and table syntax escaped in Markdown.
"""

from __future__ import annotations

import json
from typing import Any

from symphony_bot.stats.history import HistoryRow
from symphony_bot.stats.maths import StatsReport

JSON_SCHEMA_VERSION = 1
EVERYONE = "everyone"
MAX_HISTORY_ROWS = 200  # in the table and Markdown; JSON carries every row
LEADERBOARD_ROWS = 10
EARNED_MARK = "[x]"
NOT_EARNED_MARK = "[ ]"


def _inert(text: Any) -> str:
    """Control characters (an ANSI sequence, a newline) escaped the JSON way."""
    value = str(text)
    return value if value.isprintable() else json.dumps(value, ensure_ascii=False)[1:-1]


def _cell(text: Any) -> str:
    """Text made inert in a Markdown table cell: no cell breaks, no HTML."""
    return (
        _inert(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("`", "&#96;")
        .replace("[", "\\[")
    )


def money(value: float) -> str:
    return f"${value:,.2f}"


def who(report: StatsReport) -> str:
    return report.user if report.user is not None else EVERYONE


def streak_text(weeks: int) -> str:
    return f"{weeks} week{'s' if weeks != 1 else ''}"


def report_json(report: StatsReport) -> dict[str, Any]:
    return {
        "schemaVersion": JSON_SCHEMA_VERSION,
        "user": report.user,
        "generatedOn": report.generated_on.isoformat(),
        "totals": report.totals.to_json(),
        "streaks": report.streaks.to_json(),
        "achievements": [achievement.to_json() for achievement in report.achievements],
        "active": [row.to_json() for row in report.active_rows],
        "history": [row.to_json() for row in report.history_rows],
        "leaderboard": [entry.to_json() for entry in report.leaderboard],
    }


def _row_cells(row: HistoryRow) -> list[str]:
    day = (row.completed_at or row.started_at)[:10]
    return [
        day,
        f"{row.repository}#{row.issue}",
        f"PR #{row.pr_number} {row.pr_state}",
        str(len(row.documents)),
        f"{row.tasks_done}/{row.tasks_total}",
        f"{row.tokens:,}",
        money(row.cost_usd),
    ]


HISTORY_HEADERS = ["date", "issue", "pull request", "docs", "tasks", "tokens", "cost"]
LEADERBOARD_HEADERS = ["#", "contributor", "merged", "contributions", "tokens"]


def _overview(report: StatsReport) -> list[tuple[str, str]]:
    t = report.totals
    return [
        ("contributions", f"{t.contributions:,}"),
        ("active", f"{t.active:,}"),
        ("merged PRs", f"{t.merged_prs:,}"),
        ("issues resolved", f"{t.issues_resolved:,}"),
        ("documents processed", f"{t.documents_processed:,}"),
        ("tasks completed", f"{t.tasks_completed:,}"),
        ("tokens donated", f"{t.tokens:,}"),
        ("estimated cost", money(t.cost_usd)),
        ("repositories", f"{t.repositories:,}"),
        ("maintainers helped", f"{t.maintainers_helped:,}"),
        ("current streak", streak_text(report.streaks.current_weeks)),
        ("longest streak", streak_text(report.streaks.longest_weeks)),
    ]


def report_table(report: StatsReport) -> str:
    lines = [f"Symphony contributions of {_inert(who(report))} (as of {report.generated_on.isoformat()})", ""]
    width = max(len(label) for label, _ in _overview(report))
    lines += [f"  {label:<{width}}  {value}" for label, value in _overview(report)]
    lines += ["", "Achievements"]
    for achievement in report.achievements:
        mark = EARNED_MARK if achievement.earned else NOT_EARNED_MARK
        lines.append(f"  {mark} {achievement.title:<18} {achievement.progress_percent:>3}%  {achievement.description}")
    for title, rows in (("Active", report.active_rows), ("History", report.history_rows)):
        if not rows:
            continue
        lines += ["", f"{title} ({len(rows)})"]
        table = [HISTORY_HEADERS] + [[_inert(cell) for cell in _row_cells(row)] for row in rows[:MAX_HISTORY_ROWS]]
        widths = [max(len(line[column]) for line in table) for column in range(len(HISTORY_HEADERS))]
        lines += ["  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() for line in table]
        if len(rows) > MAX_HISTORY_ROWS:
            lines.append(f"  … {len(rows) - MAX_HISTORY_ROWS} more (use --format json for all)")
    if report.leaderboard:
        lines += ["", "Leaderboard"]
        board = [LEADERBOARD_HEADERS] + [
            [str(e.rank), _inert(e.contributor), f"{e.merged_prs:,}", f"{e.contributions:,}", f"{e.tokens:,}"]
            for e in report.leaderboard[:LEADERBOARD_ROWS]
        ]
        widths = [max(len(line[column]) for line in board) for column in range(len(LEADERBOARD_HEADERS))]
        lines += ["  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() for line in board]
    if not report.rows:
        lines += ["", "No contributions found."]
    return "\n".join(lines) + "\n"


def report_markdown(report: StatsReport) -> str:
    lines = [f"## Symphony contributions of {_cell(who(report))}", ""]
    lines += ["| | |", "|---|---|"] + [f"| {label} | {value} |" for label, value in _overview(report)]
    lines += ["", "### Achievements", "", "| | Achievement | Progress | How |", "|---|---|---|---|"]
    for achievement in report.achievements:
        mark = "✅" if achievement.earned else "⬜"
        lines.append(
            f"| {mark} | {achievement.emoji} {achievement.title} | {achievement.progress_percent}% "
            f"| {_cell(achievement.description)} |"
        )
    for title, rows in (("Active", report.active_rows), ("History", report.history_rows)):
        if not rows:
            continue
        lines += ["", f"### {title} ({len(rows)})", "", "| " + " | ".join(HISTORY_HEADERS) + " |"]
        lines.append("|" + "---|" * len(HISTORY_HEADERS))
        for row in rows[:MAX_HISTORY_ROWS]:
            cells = [_cell(cell) for cell in _row_cells(row)]
            cells[2] = f"[{cells[2]}](<{_cell(row.pr_url)}>)" if row.pr_url.startswith("https://") else cells[2]
            lines.append("| " + " | ".join(cells) + " |")
    if report.leaderboard:
        lines += ["", "### Leaderboard", "", "| # | Contributor | Merged | Contributions | Tokens |"]
        lines.append("|---|---|---|---|---|")
        for entry in report.leaderboard[:LEADERBOARD_ROWS]:
            lines.append(
                f"| {entry.rank} | {_cell(entry.contributor)} | {entry.merged_prs} | {entry.contributions} "
                f"| {entry.tokens:,} |"
            )
    return "\n".join(lines) + "\n"
