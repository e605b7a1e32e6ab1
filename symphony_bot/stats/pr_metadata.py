"""The hidden, machine-readable block in a contribution PR's body: written by the runner, read back by stats.

Nothing about a contribution is kept on a disk of ours: the PR itself says which issue it claims, who donated
the run, with which agent, how far it got and what it cost. The block is an HTML comment, so GitHub shows
nothing of it:

    <!-- symphony-bot:contribution
    {"v": 1, "repository": "owner/name", "issue": 12, ...}
    -->

A PR body is written by whoever can edit the PR, so the reader treats it as hostile: one block at most, a size
cap, every field checked for type and range; anything else is a `MetadataError` naming the field, never a
crash and never a half-read value.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

BLOCK_OPENING = "<!-- symphony-bot:contribution"
BLOCK_CLOSING = "-->"
VERSION = 1
MAX_BLOCK_CHARACTERS = 16 * 1024
MAX_DOCUMENTS = 200
MAX_TEXT = 512
STATES = ("running", "completed", "halted", "stalled", "budget_reached", "cancelled", "failed")
TASK_STATES = ("pending", "running", "done", "failed", "skipped")
MAX_TASKS = 2_000
_BLOCK = re.compile(re.escape(BLOCK_OPENING) + r"\s*\n(.*?)\n?" + re.escape(BLOCK_CLOSING), re.DOTALL)
_SLUG = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$")


class MetadataError(ValueError):
    """A block that is present but cannot be trusted; the message names the field."""


@dataclass(frozen=True)
class TaskRecord:
    """One row: `[document index, status, text, seconds or null, cost in USD or null]` in the JSON."""

    document: int  # index into `documents`
    status: str  # one of TASK_STATES
    text: str
    seconds: float | None = None
    cost_usd: float | None = None

    def to_json(self) -> list[Any]:
        return [self.document, self.status, self.text, self.seconds, self.cost_usd]


@dataclass(frozen=True)
class ContributionMetadata:
    repository: str  # OWNER/NAME of the claimed issue
    issue: int
    contributor: str  # the login that triggered or donated the run
    agent: str
    state: str  # one of STATES
    started_at: str  # ISO 8601, UTC, "Z"
    model: str | None = None
    documents: tuple[str, ...] = ()
    tasks_done: int = 0
    tasks_total: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    completed_at: str | None = None
    run_url: str | None = None
    # The task table the status comment shows, so a cancel, a finalize or the post step can show it again.
    # Optional: a v1 reader of an older release keeps it in `extra`; absent from the JSON when empty.
    tasks: tuple[TaskRecord, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)  # fields of a newer version, kept as read

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        data["documents"] = list(self.documents)
        data["tasks"] = [task.to_json() for task in self.tasks]
        if not self.tasks:
            data.pop("tasks")
        # Fields the block does not type (a newer release's; the review loop's, contribution/review_record.py) are
        # written back as read, so a writer that does not know them never drops them.
        return {**self.extra, "v": VERSION, **data}


def render_block(metadata: ContributionMetadata) -> str:
    """The block to append to a PR body. `<`, `>` and `&` are escaped inside the JSON, so no value can close
    the comment or open markup."""
    text = json.dumps(metadata.to_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return f"{BLOCK_OPENING}\n{text}\n{BLOCK_CLOSING}"


def replace_block(body: str, metadata: ContributionMetadata) -> str:
    """`body` with its block replaced by (or, when it has none, followed by) the block of `metadata`."""
    block = render_block(metadata)
    if _BLOCK.search(body):
        return _BLOCK.sub(lambda _match: block, body, count=1)
    return f"{body.rstrip()}\n\n{block}\n"


def parse_block(body: str | None) -> ContributionMetadata | None:
    """The metadata of a PR body; None when it carries no block. Raises MetadataError when a block is there
    but is malformed, duplicated, too large, or of a version this reader does not know."""
    if not body or BLOCK_OPENING not in body:
        return None
    matches = list(_BLOCK.finditer(body))
    if not matches:
        raise MetadataError("the metadata block is not closed with '-->'")
    if len(matches) > 1:
        raise MetadataError(f"{len(matches)} metadata blocks; a contribution PR carries exactly one")
    text = matches[0].group(1)
    if len(text) > MAX_BLOCK_CHARACTERS:
        raise MetadataError(f"the metadata block has {len(text)} characters, more than {MAX_BLOCK_CHARACTERS}")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise MetadataError(f"the metadata block is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise MetadataError("the metadata block is not a JSON object")
    return _from_json(data)


def _from_json(data: dict[str, Any]) -> ContributionMetadata:
    version = data.get("v")
    if version != VERSION:
        raise MetadataError(f"field 'v': version {version!r} is not {VERSION}")
    known = {name for name in ContributionMetadata.__dataclass_fields__ if name != "extra"}
    return ContributionMetadata(
        repository=_text(data, "repository", pattern=_SLUG),
        issue=_count(data, "issue", minimum=1),
        contributor=_text(data, "contributor", pattern=_LOGIN),
        agent=_text(data, "agent"),
        state=_choice(data, "state", STATES),
        started_at=_text(data, "started_at", pattern=_TIMESTAMP),
        model=_optional_text(data, "model"),
        documents=_documents(data),
        tasks_done=_count(data, "tasks_done"),
        tasks_total=_count(data, "tasks_total"),
        tokens_in=_count(data, "tokens_in"),
        tokens_out=_count(data, "tokens_out"),
        cost_usd=_cost(data),
        completed_at=_optional_text(data, "completed_at", pattern=_TIMESTAMP),
        run_url=_optional_text(data, "run_url", pattern=re.compile(r"^https?://\S+$")),
        tasks=_tasks(data),
        extra={key: value for key, value in data.items() if key not in known and key != "v"},
    )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _text(data: dict[str, Any], name: str, *, pattern: re.Pattern[str] | None = None) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise MetadataError(f"field {name!r}: expected a text of 1 to {MAX_TEXT} characters")
    if pattern is not None and not pattern.match(value):
        raise MetadataError(f"field {name!r}: {value[:80]!r} is not of the expected form")
    return value


def _optional_text(data: dict[str, Any], name: str, *, pattern: re.Pattern[str] | None = None) -> str | None:
    return None if data.get(name) is None else _text(data, name, pattern=pattern)


def _choice(data: dict[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = data.get(name)
    if value not in choices:
        raise MetadataError(f"field {name!r}: {str(value)[:80]!r} is not one of {', '.join(choices)}")
    return str(value)


def _count(data: dict[str, Any], name: str, *, minimum: int = 0) -> int:
    value = data.get(name, 0 if minimum == 0 else None)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value < 2**53:
        raise MetadataError(f"field {name!r}: expected a whole number from {minimum} to 2^53")
    return value


def _cost(data: dict[str, Any]) -> float:
    value = data.get("cost_usd", 0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise MetadataError("field 'cost_usd': expected a finite number of dollars, 0 or more")
    return float(value)


def _documents(data: dict[str, Any]) -> tuple[str, ...]:
    value = data.get("documents", [])
    if not isinstance(value, list) or len(value) > MAX_DOCUMENTS:
        raise MetadataError(f"field 'documents': expected a list of at most {MAX_DOCUMENTS} texts")
    if not all(isinstance(item, str) and 0 < len(item) <= MAX_TEXT for item in value):
        raise MetadataError(f"field 'documents': every entry must be a text of 1 to {MAX_TEXT} characters")
    return tuple(value)


def _tasks(data: dict[str, Any]) -> tuple[TaskRecord, ...]:
    value = data.get("tasks", [])
    documents = len(data.get("documents") or [])
    if not isinstance(value, list) or len(value) > MAX_TASKS:
        raise MetadataError(f"field 'tasks': expected a list of at most {MAX_TASKS} rows")
    records = []
    for row in value:
        if not isinstance(row, list) or len(row) != 5:
            raise MetadataError("field 'tasks': every row is [document, status, text, seconds, cost]")
        document, status, text, seconds, cost = row
        if isinstance(document, bool) or not isinstance(document, int) or not 0 <= document < documents:
            raise MetadataError("field 'tasks': a row's document is not an index into 'documents'")
        if status not in TASK_STATES or not isinstance(text, str) or not 0 < len(text) <= MAX_TEXT:
            raise MetadataError(f"field 'tasks': a row needs a status of {', '.join(TASK_STATES)} and a text")
        if not all(_optional_amount(amount) for amount in (seconds, cost)):
            raise MetadataError("field 'tasks': seconds and cost are finite numbers, 0 or more, or null")
        records.append(TaskRecord(document, status, text, _float(seconds), _float(cost)))
    return tuple(records)


def _optional_amount(value: Any) -> bool:
    if value is None:
        return True
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value) and value >= 0


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
