"""GitHub Actions workflow commands: annotations and the job summary.

The runner shows at most 10 error and 10 warning annotations per step, so callers print the first ones as
annotations and put the complete list in the job summary.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from symphony_bot.findings import Finding, Severity

SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
ANNOTATIONS_PER_LEVEL = 10
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(
    level: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    column: int | None = None,
    title: str | None = None,
) -> str:
    """One `::error file=…,line=…,col=…,title=…::message` line (level: error, warning or notice)."""
    properties = []
    if file is not None:
        properties.append(f"file={escape_property(file)}")
    if line is not None:
        properties.append(f"line={line}")
    if column is not None:
        properties.append(f"col={column}")
    if title is not None:
        properties.append(f"title={escape_property(title)}")
    joined = (" " + ",".join(properties)) if properties else ""
    return f"::{level}{joined}::{escape_data(message)}"


def finding_annotations(path: str, findings: Iterable[Finding]) -> list[str]:
    """Annotations for the first findings of each level (the runner drops the rest)."""
    shown: dict[Severity, int] = {}
    lines = []
    for finding in findings:
        count = shown.get(finding.severity, 0)
        if count >= ANNOTATIONS_PER_LEVEL:
            continue
        shown[finding.severity] = count + 1
        message = finding.message + (f" — hint: {finding.hint}" if finding.hint else "")
        lines.append(
            annotation(
                _LEVEL[finding.severity],
                message,
                file=path,
                line=finding.line,
                column=finding.column,
                title=finding.code,
            )
        )
    return lines


def append_summary(markdown: str, environ: dict[str, str] | None = None) -> bool:
    """Append to the job summary when running in Actions; False when there is no summary file."""
    target = (environ if environ is not None else os.environ).get(SUMMARY_ENV)
    if not target:
        return False
    with Path(target).open("a", encoding="utf-8") as summary:
        summary.write(markdown.rstrip("\n") + "\n\n")
    return True


def print_lines(lines: Iterable[str], stream: TextIO) -> None:
    for line in lines:
        stream.write(line + "\n")
