"""One history row per contribution PR: the PR's state on GitHub joined with the metadata block in its body."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from symphony_bot.stats.pr_metadata import ContributionMetadata

RUNNING_STATE = "running"


class PullState(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    MERGED = "merged"
    CLOSED = "closed"


@dataclass(frozen=True)
class ContributionPull:
    """A PR that carries a valid metadata block, as GitHub answered for it."""

    repository: str  # OWNER/NAME of the repository the PR is in
    number: int
    url: str
    title: str
    state: PullState
    author: str | None
    created_at: str
    merged_at: str | None
    closed_at: str | None
    metadata: ContributionMetadata


@dataclass(frozen=True)
class HistoryRow:
    repository: str
    issue: int
    pr_number: int
    pr_url: str
    pr_state: PullState
    contributor: str
    maintainer: str
    agent: str
    run_state: str  # the metadata's state: running, completed, halted, ...
    started_at: str
    completed_at: str | None  # the run's end, else the merge, else the close
    documents: tuple[str, ...]
    tasks_done: int
    tasks_total: int
    tokens: int  # input + output, as Maestro counts tokens donated (§6.12)
    cost_usd: float

    @property
    def active(self) -> bool:
        """Still running: an open (or draft) PR whose run has not ended."""
        return self.run_state == RUNNING_STATE and self.pr_state in (PullState.DRAFT, PullState.OPEN)

    @property
    def progress_percent(self) -> int:
        if self.tasks_total <= 0:
            return 0
        return min(100, (100 * self.tasks_done) // self.tasks_total)

    @property
    def date(self) -> dt.date:
        """The day this contribution counts for (streaks): when it completed, else when it started."""
        return parse_timestamp(self.completed_at or self.started_at).date()

    def to_json(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "issue": self.issue,
            "pullRequest": {"number": self.pr_number, "url": self.pr_url, "state": str(self.pr_state)},
            "contributor": self.contributor,
            "maintainer": self.maintainer,
            "agent": self.agent,
            "runState": self.run_state,
            "active": self.active,
            "startedAt": self.started_at,
            "completedAt": self.completed_at,
            "documents": list(self.documents),
            "tasksDone": self.tasks_done,
            "tasksTotal": self.tasks_total,
            "progressPercent": self.progress_percent,
            "tokens": self.tokens,
            "costUsd": round(self.cost_usd, 6),
        }


def parse_timestamp(text: str) -> dt.datetime:
    """An ISO 8601 timestamp ("Z" or an offset) as an aware datetime in UTC."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def history_row(pull: ContributionPull, maintainers: dict[str, str] | None = None) -> HistoryRow:
    """The row of one PR. `maintainers` maps a lower-cased slug to the registry's maintainer name; without an
    entry the repository's owner is the maintainer helped."""
    meta = pull.metadata
    completed = meta.completed_at
    if completed is None and meta.state != RUNNING_STATE:
        completed = pull.merged_at or pull.closed_at
    if completed is None and pull.state is PullState.MERGED:
        completed = pull.merged_at
    owner = pull.repository.split("/", 1)[0]
    return HistoryRow(
        repository=pull.repository,
        issue=meta.issue,
        pr_number=pull.number,
        pr_url=pull.url,
        pr_state=pull.state,
        contributor=meta.contributor,
        maintainer=(maintainers or {}).get(pull.repository.casefold(), owner),
        agent=meta.agent,
        run_state=meta.state,
        started_at=meta.started_at,
        completed_at=completed,
        documents=meta.documents,
        tasks_done=meta.tasks_done,
        tasks_total=meta.tasks_total,
        tokens=meta.tokens_in + meta.tokens_out,
        cost_usd=meta.cost_usd,
    )


def rows_for(rows: list[HistoryRow], user: str | None) -> list[HistoryRow]:
    """The rows of one contributor (logins compared without case, as GitHub compares them), or all."""
    if user is None:
        return list(rows)
    wanted = user.casefold()
    return [row for row in rows if row.contributor.casefold() == wanted]


def newest_first(rows: list[HistoryRow]) -> list[HistoryRow]:
    return sorted(rows, key=lambda row: (row.completed_at or row.started_at, row.pr_url), reverse=True)
