"""GitHub Actions workflow commands: annotations and the job summary.

The runner shows at most 10 error and 10 warning annotations per step (and 50 per job), so callers print the
first ones as annotations and put the complete list in the job summary. A step's summary is capped at 1 MiB;
a longer one is dropped whole by the runner, so `append_summary` cuts it short with a note instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from symphony_bot.findings import Finding, Severity

SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
ANNOTATIONS_PER_LEVEL = 10
SUMMARY_MAX_BYTES = 1024 * 1024
SUMMARY_CUT_NOTE = (
    "\n\n**The summary was cut here: GitHub keeps at most 1 MiB per step.** Run the command locally for the "
    "complete report.\n"
)
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


def split_for_annotation(findings: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
    """(the first ANNOTATIONS_PER_LEVEL findings of each level, the rest the runner would drop)."""
    shown: dict[Severity, int] = {}
    annotated: list[Finding] = []
    rest: list[Finding] = []
    for finding in findings:
        count = shown.get(finding.severity, 0)
        if count >= ANNOTATIONS_PER_LEVEL:
            rest.append(finding)
            continue
        shown[finding.severity] = count + 1
        annotated.append(finding)
    return annotated, rest


def not_annotated_note(count: int) -> str:
    """The line a summary carries when some findings could not be annotations."""
    if not count:
        return ""
    return (
        f"{count} more finding{'s' if count != 1 else ''} could not be shown as annotations (GitHub shows "
        f"{ANNOTATIONS_PER_LEVEL} per level and step); every finding is in the table below."
    )


def finding_annotations(path: str, findings: Iterable[Finding]) -> list[str]:
    """Annotations for the first findings of each level (the runner drops the rest)."""
    annotated, _ = split_for_annotation(findings)
    lines = []
    for finding in annotated:
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
    """Append to the job summary when running in Actions; False when there is no summary file. What would take
    the step's summary past SUMMARY_MAX_BYTES is cut at a line boundary, with a note."""
    target = (environ if environ is not None else os.environ).get(SUMMARY_ENV)
    if not target:
        return False
    summary_path = Path(target)
    used = summary_path.stat().st_size if summary_path.exists() else 0
    encoded = (markdown.rstrip("\n") + "\n\n").encode("utf-8")
    room = SUMMARY_MAX_BYTES - used
    if len(encoded) > room:
        note = SUMMARY_CUT_NOTE.encode("utf-8")
        cut = encoded.rfind(b"\n", 0, max(room - len(note), 0))
        encoded = (encoded[:cut] if cut > 0 else b"") + note if room >= len(note) else b""
    with summary_path.open("ab") as summary:
        summary.write(encoded)
    return True


def print_lines(lines: Iterable[str], stream: TextIO) -> None:
    for line in lines:
        stream.write(line + "\n")
