"""What the review loop adds to a contribution's record: each task's `verify` result and each revision (its tasks,
commits, tokens, cost, ignored threads). Pure: no I/O.

Both live in the metadata block (`stats/pr_metadata.py`, under the keys EXTRA_VERIFY and EXTRA_REVISIONS, which
the block keeps as read and writes back), so whoever renders the status comment or the PR body next — a `run`,
`stop`, `cancel`, `finalize`, the post step or another `revise` — rebuilds them and the one renderer
(`status_comment`) shows them again. A PR body is written by whoever can edit the PR, so the reader treats the
block as hostile: a record that does not read cleanly is dropped whole, never half read.

Text from reviewers is data: stored with its references broken (`inert_references`; the block is hidden, but
GitHub still scans it), and rendered with `inert_inline`, so nothing in it links, mentions or closes.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from symphony_bot.report.inert import ZERO_WIDTH_SPACE, inert_inline, inert_references
from symphony_bot.stats.pr_metadata import MetadataError, parse_block

EXTRA_REVISIONS = "revisions"
EXTRA_VERIFY = "verify"

# A task's verify result (verification.py decides it), as the table shows it: short enough for a phone.
PASSED, RETRIED, COMMITTED, SKIPPED, STOPPED = "passed", "retried", "commit", "skip", "stop"
VERIFY_CELLS = {
    PASSED: "✔️ passed",
    RETRIED: "✔️ passed on retry",
    COMMITTED: "⚠️ failed, committed",
    SKIPPED: "⏭️ failed, skipped",
    STOPPED: "🛑 failed, stopped",
}
VERIFY_HEADER = "Verify"

MAX_REVISIONS = 50
MAX_REVISION_TASKS = 100
MAX_IGNORED = 20
MAX_TEXT = 200
MAX_DOCUMENT_CHARS = 3_000  # the latest revision's generated document, kept for the status comment
MAX_REVISIONS_CHARS = 8_000  # all revisions in the block (16 KiB in all, the run's task table included)
_SHA = re.compile(r"^[0-9a-f]{7,64}$")
_KEY = re.compile(r"^[A-Za-z0-9:_-]{1,80}$")

SECTION_HEADING = "### Revision {number} ({state})"
SECTION_TOKENS = "Tokens: {tokens_in:,} in / {tokens_out:,} out · cost ${cost:.4f}"
SECTION_NOTHING = "No new review comments to address."
SECTION_IGNORED = "Ignored (from people who may not run Symphony here; not shown to the agent):"
SECTION_DOCUMENT = "<details><summary>The generated document</summary>"


@dataclass
class RevisionTaskRecord:
    key: str  # the comment it answers (revision.py's trailer and reply marker)
    text: str  # what people see of the task (raw: rendered inert)
    done: bool = False
    sha: str | None = None
    verify: str | None = None  # a key of VERIFY_CELLS


@dataclass
class RevisionRecord:
    number: int
    finished: bool = False
    tasks: list[RevisionTaskRecord] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    ignored: list[tuple[str, str, str]] = field(default_factory=list)  # author, path, lines
    document: str = ""  # the generated Auto Run document (the latest revision's only)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "n": self.number,
            "finished": self.finished,
            "tasks": [[_stored(t.key), _stored(t.text), t.done, t.sha, t.verify] for t in self.tasks],
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost_usd": round(self.cost_usd, 6),
            "ignored": [[_stored(part) for part in row] for row in self.ignored],
        }
        if self.document:
            data["document"] = _stored(self.document, MAX_DOCUMENT_CHARS)
        return data


def _stored(text: str, limit: int = MAX_TEXT) -> str:
    return inert_references(text[:limit])


def _read(text: Any, limit: int = MAX_TEXT) -> str:
    if not isinstance(text, str) or len(text) > limit * 2:
        raise ValueError("a text")
    return text.replace(ZERO_WIDTH_SPACE, "")


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**53:
        raise ValueError("a whole number")
    return value


def _revision(data: Any) -> RevisionRecord:
    if not isinstance(data, dict) or not isinstance(data.get("finished"), bool):
        raise ValueError("a revision")
    cost = data.get("cost_usd")
    if isinstance(cost, bool) or not isinstance(cost, (int, float)) or not math.isfinite(cost) or cost < 0:
        raise ValueError("a cost")
    tasks, ignored = data.get("tasks"), data.get("ignored")
    if not isinstance(tasks, list) or len(tasks) > MAX_REVISION_TASKS or not isinstance(ignored, list):
        raise ValueError("tasks")
    records = []
    for row in tasks:
        if not isinstance(row, list) or len(row) != 5 or not isinstance(row[2], bool):
            raise ValueError("a task")
        key, text, done, sha, verify = row
        if not _KEY.match(_read(key)) or (sha is not None and not _SHA.match(_read(sha))):
            raise ValueError("a task's key or commit")
        if verify is not None and verify not in VERIFY_CELLS:
            raise ValueError("a verify result")
        records.append(RevisionTaskRecord(key, _read(text), done, sha, verify))
    if len(ignored) > MAX_IGNORED or not all(isinstance(row, list) and len(row) == 3 for row in ignored):
        raise ValueError("ignored")
    return RevisionRecord(
        number=max(1, _whole(data.get("n"))),
        finished=data["finished"],
        tasks=records,
        tokens_in=_whole(data.get("tokens_in")),
        tokens_out=_whole(data.get("tokens_out")),
        cost_usd=float(cost),
        ignored=[(_read(a), _read(b), _read(c)) for a, b, c in ignored],
        document=_read(data.get("document", ""), MAX_DOCUMENT_CHARS),
    )


def revisions_of(extra: dict[str, Any] | None) -> list[RevisionRecord]:
    """The revisions a block records (its `extra`); none when absent or when they do not read cleanly."""
    value = (extra or {}).get(EXTRA_REVISIONS)
    if not isinstance(value, list) or len(value) > MAX_REVISIONS:
        return []
    try:
        return sorted((_revision(item) for item in value), key=lambda record: record.number)
    except ValueError:
        return []


def recorded_revisions(body: str | None) -> list[RevisionRecord]:
    """The revisions the metadata block of a PR body (or status comment) records."""
    try:
        metadata = parse_block(body)
    except MetadataError:
        return []
    return revisions_of(metadata.extra) if metadata is not None else []


def revisions_json(revisions: list[RevisionRecord]) -> list[dict[str, Any]]:
    """The revisions for the block, at most MAX_REVISIONS_CHARS: only the latest keeps its document, and the
    oldest go first when they still do not fit."""
    latest = max((record.number for record in revisions), default=0)
    rows = [record.to_json() for record in sorted(revisions, key=lambda record: record.number)]
    for row in rows:
        if row["n"] != latest:
            row.pop("document", None)
    while rows and len(json.dumps(rows, ensure_ascii=False)) > MAX_REVISIONS_CHARS:
        rows.pop(0)
    return rows


def verify_of(extra: dict[str, Any] | None, rows: int) -> dict[int, str]:
    """Task index (into the block's task table) -> verify result; {} when absent or not clean."""
    value = (extra or {}).get(EXTRA_VERIFY)
    if not isinstance(value, list):
        return {}
    found: dict[int, str] = {}
    for pair in value:
        if not (isinstance(pair, list) and len(pair) == 2 and pair[1] in VERIFY_CELLS):
            return {}
        index = pair[0]
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < rows:
            return {}
        found[index] = pair[1]
    return found


def next_number(revisions: list[RevisionRecord]) -> int:
    """The revision a `revise` is: the last one again when it never finished (a killed run), else the next."""
    if not revisions:
        return 1
    last = max(revisions, key=lambda record: record.number)
    return last.number if not last.finished else last.number + 1


def verify_cell(result: str | None) -> str:
    return VERIFY_CELLS.get(result or "", "")


def fenced(text: str, info: str = "text") -> str:
    """`text` in a code fence no run of backticks inside it can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def render_revision(record: RevisionRecord) -> list[str]:
    """The "Revision N" section: its tasks (inert; commit and verify result beside each), tokens, cost, the threads
    not heard, and the generated document folded."""
    state = "finished" if record.finished else "running"
    lines = [SECTION_HEADING.format(number=record.number, state=state), ""]
    for task in record.tasks:
        sha = f" — {task.sha[:7]}" if task.sha else ""
        verify = f" · {verify_cell(task.verify)}" if task.verify else ""
        lines.append(f"- [{'x' if task.done else ' '}] {inert_inline(task.text, MAX_TEXT)}{sha}{verify}")
    if not record.tasks:
        lines.append(SECTION_NOTHING)
    cost = SECTION_TOKENS.format(tokens_in=record.tokens_in, tokens_out=record.tokens_out, cost=record.cost_usd)
    lines += ["", cost]
    if record.ignored:
        lines += ["", SECTION_IGNORED]
        lines += [
            f"- {inert_inline(who, 60)} on {inert_inline(path)} {inert_inline(at, 40)}"
            for who, path, at in record.ignored
        ]
    if record.document:
        shown = fenced(inert_references(record.document), "markdown").replace("<!--", "<\u200b!--")
        lines += ["", SECTION_DOCUMENT, "", shown, "", "</details>"]
    return lines


def render_revisions(revisions: list[RevisionRecord]) -> list[str]:
    """Every revision's section, oldest first, each followed by a blank line (nothing when there is none)."""
    lines: list[str] = []
    for record in sorted(revisions, key=lambda record: record.number):
        lines += [*render_revision(record), ""]
    return lines
