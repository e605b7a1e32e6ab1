"""Registry reports as text, JSON and Markdown (pure functions; the CLI only prints them)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote as quote_url

from symphony_bot.registry.diff import RegistryDiff
from symphony_bot.registry.validate import RegistryReport
from symphony_bot.registry.values import MAX_QUOTED_CHARS, quote
from symphony_bot.report.findings import Finding, Severity
from symphony_bot.report.words import plural
from symphony_bot.report.workflow_commands import neutralize

_ICON = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.NOTICE: "ℹ️"}
# A summary is for reading: past this many rows a table says how many more there are.
MAX_TABLE_ROWS = 200
# ASCII punctuation that means something in GitHub Markdown (links, images, emphasis, code, headings, tables,
# strikethrough, math, escapes), and what makes a bare URL a link (the ":" of "https://", the "." of "www.");
# <, > and & become entities instead.
_MARKDOWN_PUNCTUATION = re.compile(r"[\\`*_\[\]()!#~|$:]|(?<=[wW]{3})\.")
# What stays as it is in a link destination; everything else is percent-encoded.
_URL_SAFE = "/:?#@!$&'*+,;=%-._~"


def _count(findings: Iterable[Finding], severity: Severity) -> int:
    return sum(1 for finding in findings if finding.severity is severity)


def finding_lines(path: str, findings: Iterable[Finding]) -> list[str]:
    lines = []
    for finding in findings:
        lines.append(f"{path}:{finding.line}:{finding.column}: {finding.severity}[{finding.code}]: {finding.message}")
        if finding.hint:
            lines.append(f"    hint: {finding.hint}")
    return lines


def validation_text(reports: list[RegistryReport]) -> str:
    lines: list[str] = []
    for report in reports:
        lines += finding_lines(report.path, report.findings)
        errors, warnings = _count(report.findings, Severity.ERROR), _count(report.findings, Severity.WARNING)
        projects = _project_count(report.data)
        verdict = "valid" if report.valid else "INVALID"
        counts = f"{plural(projects, 'project')}, {plural(errors, 'error')}, {plural(warnings, 'warning')}"
        lines.append(f"{report.path}: {verdict} — {counts}")
    return "\n".join(lines) + "\n"


def _project_count(data: Any) -> int:
    """How many projects a report is about; 0 when "repositories" is not an array (a schema finding says so)."""
    repositories = data.get("repositories") if isinstance(data, dict) else None
    return len(repositories) if isinstance(repositories, list) else 0


def validation_json(reports: list[RegistryReport]) -> str:
    return json.dumps({"files": [report.to_json() for report in reports]}, indent=2, ensure_ascii=False) + "\n"


def _inert(text: str) -> str:
    """One line of visible text: what `neutralize` escapes (controls, line separators, invisible characters) and
    line feeds, written as JSON escapes (a key from the file may hold an ANSI sequence or a newline)."""
    return neutralize(text).replace("\n", "\\n")


def _table_cell(text: Any) -> str:
    """Text from the file, shown as it is in a Markdown table cell: no cell or line break, no HTML, no link,
    image, emphasis or math (every Markdown punctuation character is backslash-escaped, <>& are entities)."""
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\g<0>", _inert(str(text)))
    return escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: Any) -> str:
    """An inline code span in a table cell: nothing inside is Markdown or HTML, so only what ends the span or the
    cell is changed (a backtick becomes ', a pipe is escaped as GFM tables require)."""
    content = _inert(str(text)).replace("`", "'").replace("|", "\\|")
    return f"`{content}`"


def _link(label: str, url: Any) -> str:
    """`label` linked to an https `url`, every character that could end the destination percent-encoded; the
    label alone for anything else."""
    if not isinstance(url, str) or not url.startswith("https://"):
        return label
    return f"[{label}](<{quote_url(url, safe=_URL_SAFE, errors='replace')}>)"


def _more_rows(count: int, columns: int) -> list[str]:
    return [f"| … {count} more |" + " |" * (columns - 1)] if count > 0 else []


def findings_table(path: str, findings: list[Finding]) -> str:
    rows = ["| | Where | Code | Problem | Fix |", "|---|---|---|---|---|"]
    for finding in findings[:MAX_TABLE_ROWS]:
        rows.append(
            f"| {_ICON[finding.severity]} | {_code(f'{path}:{finding.line}:{finding.column}')} "
            f"{_code(finding.json_path)} | {_code(finding.code)} | {_table_cell(finding.message)} "
            f"| {_table_cell(finding.hint or '')} |"
        )
    rows += _more_rows(len(findings) - MAX_TABLE_ROWS, 5)
    return "\n".join(rows)


def validation_markdown(reports: list[RegistryReport], not_annotated: str = "") -> str:
    parts = ["## Registry check"] + ([not_annotated] if not_annotated else [])
    for report in reports:
        errors, warnings = _count(report.findings, Severity.ERROR), _count(report.findings, Severity.WARNING)
        status = "✅ valid" if report.valid else "❌ invalid"
        parts.append(f"**{_code(report.path)}**: {status} ({plural(errors, 'error')}, {plural(warnings, 'warning')})")
        if report.findings:
            parts.append(findings_table(report.path, report.findings))
    return "\n\n".join(parts) + "\n"


def diff_text(path: str, diff: RegistryDiff) -> str:
    lines = []
    for entry in diff.added:
        lines.append(f"+ added {quote(entry.get('slug'))}: {quote(entry.get('name', ''))}")
    for entry in diff.removed:
        lines.append(f"- removed {quote(entry.get('slug'))}")
    for slug, changes in diff.changed:
        lines.append(f"~ changed {quote(slug)}")
        for change in changes:
            lines.append(f"    {_inert(change.field)}: {_short_json(change.before)} -> {_short_json(change.after)}")
    if diff.is_empty:
        lines.append("no project changed")
    lines += finding_lines(path, diff.findings)
    return "\n".join(lines) + "\n"


def _value(value: Any) -> str:
    return _table_cell(quote(value)) if not isinstance(value, list | dict) else _table_cell(_short_json(value))


def _short_json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 4 * MAX_QUOTED_CHARS else text[: 4 * MAX_QUOTED_CHARS] + "…"


def diff_markdown(path: str, diff: RegistryDiff, not_annotated: str = "") -> str:
    parts = [
        "## Registry changes",
        f"{len(diff.added)} added · {len(diff.changed)} changed · {len(diff.removed)} removed",
    ] + ([not_annotated] if not_annotated else [])
    if diff.added:
        rows = ["| Project | Category | Description |", "|---|---|---|"]
        for entry in diff.added[:MAX_TABLE_ROWS]:
            linked = _link(_code(entry.get("slug")), entry.get("url"))
            rows.append(
                f"| {linked} | {_table_cell(entry.get('category', ''))} | {_table_cell(entry.get('description', ''))} |"
            )
        rows += _more_rows(len(diff.added) - MAX_TABLE_ROWS, 3)
        parts += ["### Added", "\n".join(rows)]
    if diff.changed:
        rows = ["| Project | Field | Before | After |", "|---|---|---|---|"]
        changes = [(slug, change) for slug, entry_changes in diff.changed for change in entry_changes]
        for slug, change in changes[:MAX_TABLE_ROWS]:
            rows.append(f"| {_code(slug)} | {_code(change.field)} | {_value(change.before)} | {_value(change.after)} |")
        rows += _more_rows(len(changes) - MAX_TABLE_ROWS, 4)
        parts += ["### Changed", "\n".join(rows)]
    if diff.removed:
        lines = [f"- {_code(entry.get('slug'))}" for entry in diff.removed[:MAX_TABLE_ROWS]]
        if len(diff.removed) > MAX_TABLE_ROWS:
            lines.append(f"- … {len(diff.removed) - MAX_TABLE_ROWS} more")
        parts += ["### Removed", "\n".join(lines)]
    if diff.findings:
        parts += ["### Review notes", findings_table(path, diff.findings)]
    return "\n\n".join(parts) + "\n"
