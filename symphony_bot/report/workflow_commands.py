"""GitHub Actions workflow commands: annotations, the job summary, and `neutralize` for everything else.

The runner reads every line a step prints on stdout or stderr as a possible command: after trimming leading
white space (.NET's `TrimStart`: Unicode spaces and line separators too), a line starting with `::` is a command
(`::error …`, `::add-mask::…`, `::stop-commands::…`), and so is any line *containing* the older `##[` form
(`##[error]…`, `##[add-mask]…`). Its string comparisons are culture-sensitive, which skips "ignorable"
characters such as U+00AD or U+200B, so `:\u00ad:error` can still be `::error`. Every value from a file, an
issue or an agent is therefore printed through `neutralize`, and only the lines this module builds with
`annotation` are commands.

The runner shows at most 10 error and 10 warning annotations per step (and 50 per job), so callers print the
first ones as annotations and put the complete list in the job summary. A step's summary is capped at 1 MiB;
a longer one is dropped whole by the runner, so `append_summary` cuts it short with a note instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from symphony_bot.report.findings import Finding, Severity

SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
ANNOTATIONS_PER_LEVEL = 10
SUMMARY_MAX_BYTES = 1024 * 1024
SUMMARY_CUT_NOTE = (
    "\n\n**The summary was cut here: GitHub keeps at most 1 MiB per step.** Run the command locally for the "
    "complete report.\n"
)
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "notice"}

COMMAND_PREFIX = "::"
# The older command form, matched anywhere in a line; "##vso[" is its Azure Pipelines ancestor.
_LEGACY_COMMAND = re.compile(r"##(vso)?\[", re.IGNORECASE)
# What `neutralize` writes as a \uXXXX escape: every character that some reader may take as a line end or skip
# as invisible: C0/C1 controls but tab and line feed (so \r, \v, \f, U+001C-U+001E and U+0085), lone
# surrogates, the line and paragraph separators U+2028/U+2029, format characters (Cf: soft hyphen, zero-width
# and bidi controls, BOM, tags) and the other default-ignorable code points (variation selectors, Hangul fillers).
# `tests/test_report_workflow_commands.py` checks this list against the Unicode database Python ships.
_ESCAPED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164"
    "\ud800-\udfff\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
_ESCAPED_COLON = "\\u003a"


def _escape(match: re.Match[str]) -> str:
    """\\uXXXX, as JSON writes it (a surrogate pair beyond the BMP), so JSON output stays valid JSON."""
    code = ord(match.group())
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def _escape_legacy_command(match: re.Match[str]) -> str:
    return match.group()[:-1] + "\\u005b"


def neutralize(text: str) -> str:
    """`text` made safe to print in an Actions log: no line of the result is a workflow command.

    Only line feeds still end lines; every other line end, invisible or unprintable character becomes a
    \\uXXXX escape; `##[` becomes `##\\u005b`; a line that would start with `::` once the runner trims it
    starts with `\\u003a:` instead. The escapes are JSON's, so a JSON document stays valid and decodes to the
    same values, and nothing else changes: neutralizing twice changes nothing more.
    """
    escaped = _LEGACY_COMMAND.sub(_escape_legacy_command, _ESCAPED.sub(_escape, text))
    lines = escaped.split("\n")
    for index, line in enumerate(lines):
        trimmed = line.lstrip()
        if trimmed.startswith(COMMAND_PREFIX):
            lines[index] = line[: len(line) - len(trimmed)] + _ESCAPED_COLON + trimmed[1:]
    return "\n".join(lines)


def escape_data(text: str) -> str:
    """A command's message: the runner's own escapes for %, CR and LF, then `neutralize` for the rest."""
    return neutralize(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


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
