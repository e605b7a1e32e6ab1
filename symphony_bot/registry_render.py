"""Registry reports as text, JSON and Markdown (pure functions; the CLI only prints them)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from symphony_bot.findings import Finding, Severity
from symphony_bot.registry import RegistryDiff, RegistryReport

_ICON = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.NOTICE: "ℹ️"}


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
        projects = len(report.data.get("repositories", [])) if isinstance(report.data, dict) else 0
        verdict = "valid" if report.valid else "INVALID"
        lines.append(f"{report.path}: {verdict} — {projects} projects, {errors} errors, {warnings} warnings")
    return "\n".join(lines) + "\n"


def validation_json(reports: list[RegistryReport]) -> str:
    return json.dumps({"files": [report.to_json() for report in reports]}, indent=2, ensure_ascii=False) + "\n"


def _table_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def findings_table(path: str, findings: list[Finding]) -> str:
    rows = ["| | Where | Code | Problem | Fix |", "|---|---|---|---|---|"]
    for finding in findings:
        rows.append(
            f"| {_ICON[finding.severity]} | `{path}:{finding.line}:{finding.column}` `{finding.json_path}` "
            f"| `{finding.code}` | {_table_cell(finding.message)} | {_table_cell(finding.hint or '')} |"
        )
    return "\n".join(rows)


def validation_markdown(reports: list[RegistryReport]) -> str:
    parts = ["## Registry check"]
    for report in reports:
        errors, warnings = _count(report.findings, Severity.ERROR), _count(report.findings, Severity.WARNING)
        status = "✅ valid" if report.valid else "❌ invalid"
        parts.append(f"**`{report.path}`**: {status} ({errors} errors, {warnings} warnings)")
        if report.findings:
            parts.append(findings_table(report.path, report.findings))
    return "\n\n".join(parts) + "\n"


def diff_text(path: str, diff: RegistryDiff) -> str:
    lines = []
    for entry in diff.added:
        lines.append(f"+ added {entry.get('slug')}: {entry.get('name', '')}")
    for entry in diff.removed:
        lines.append(f"- removed {entry.get('slug')}")
    for slug, changes in diff.changed:
        lines.append(f"~ changed {slug}")
        for change in changes:
            lines.append(f"    {change.field}: {json.dumps(change.before)} -> {json.dumps(change.after)}")
    if diff.is_empty:
        lines.append("no project changed")
    lines += finding_lines(path, diff.findings)
    return "\n".join(lines) + "\n"


def diff_markdown(path: str, diff: RegistryDiff) -> str:
    parts = [
        "## Registry changes",
        f"{len(diff.added)} added · {len(diff.changed)} changed · {len(diff.removed)} removed",
    ]
    if diff.added:
        rows = ["| Project | Category | Description |", "|---|---|---|"]
        rows += [
            f"| [`{e.get('slug')}`]({e.get('url', '')}) | {_table_cell(e.get('category', ''))} "
            f"| {_table_cell(e.get('description', ''))} |"
            for e in diff.added
        ]
        parts += ["### Added", "\n".join(rows)]
    if diff.changed:
        rows = ["| Project | Field | Before | After |", "|---|---|---|---|"]
        for slug, changes in diff.changed:
            for change in changes:
                rows.append(
                    f"| `{slug}` | `{change.field}` | {_table_cell(json.dumps(change.before, ensure_ascii=False))} "
                    f"| {_table_cell(json.dumps(change.after, ensure_ascii=False))} |"
                )
        parts += ["### Changed", "\n".join(rows)]
    if diff.removed:
        parts += ["### Removed", "\n".join(f"- `{e.get('slug')}`" for e in diff.removed)]
    if diff.findings:
        parts += ["### Review notes", findings_table(path, diff.findings)]
    return "\n\n".join(parts) + "\n"
