"""What a run is asked to do (`RunOptions`, `Budget`) and how it ended (`StopReason`, `RunSummary`).

The engine reports a stop reason, never an exit code: which code a reason maps to is decided by the command
that ran the engine (`symphony_bot.commands.autorun.EXIT_CODES`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from symphony_bot.agents.base import Usage


class StopReason(StrEnum):
    COMPLETED = "completed"  # no unchecked task left
    NO_TASKS = "no_tasks"  # the documents hold no task at all (all-checked documents are COMPLETED)
    HALTED = "halted"  # the agent wrote a halt marker
    HALT_MARKER_PRESENT = "halt_marker_present"  # a marker was there before we started
    TASKS_LEFT = "tasks_left"  # documents stalled, or the loop ended with open tasks
    MAX_TASKS = "max_tasks"
    MAX_COST = "max_cost"
    MAX_MINUTES = "max_minutes"
    TIMEOUT = "timeout"  # tasks left, and the stalls came from timeouts
    CANCELLED = "cancelled"  # stop requested (signal)
    AGENT_FAILED = "agent_failed"  # the agent cannot run at all (not installed, rate limited)
    MODEL_API_FAILED = "model_api_failed"  # the model API kept failing or stalled: no task retry helps
    DOCUMENT_UNREADABLE = "document_unreadable"


@dataclass(frozen=True)
class Budget:
    max_tasks: int | None = None
    max_cost_usd: float | None = None
    max_minutes: float | None = None


@dataclass(frozen=True)
class RunOptions:
    repo_dir: Path
    documents: tuple[Path, ...]  # in the order given; absolute paths inside repo_dir
    scratch_dir: Path  # private, outside the repository: prompt files and the agents' HOME
    model: str | None = None
    task_timeout_s: float | None = None
    inactivity_timeout_s: float | None = None
    budget: Budget = Budget()
    loop: bool = False
    max_loops: int | None = None
    reset_on_completion: bool = False
    dry_run: bool = False
    agent_user: str | None = None  # run each agent as this unprivileged user (see TaskRequest.run_as)


@dataclass
class RunSummary:
    stop_reason: StopReason = StopReason.COMPLETED
    tasks_completed: int = 0
    tasks_remaining: int = 0
    usage: Usage = field(default_factory=Usage)
    elapsed_s: float = 0.0
    halt_reason: str | None = None
    stalled_documents: list[str] = field(default_factory=list)
    refused_documents: list[str] = field(default_factory=list)  # failed the checks during the run
    error: str | None = None

    @property
    def success(self) -> bool:
        return self.stop_reason is StopReason.COMPLETED


def usage_delta(now: Usage, before: Usage) -> Usage:
    return Usage(
        input_tokens=now.input_tokens - before.input_tokens,
        output_tokens=now.output_tokens - before.output_tokens,
        cache_read_tokens=now.cache_read_tokens - before.cache_read_tokens,
        cache_write_tokens=now.cache_write_tokens - before.cache_write_tokens,
        reasoning_tokens=now.reasoning_tokens - before.reasoning_tokens,
        cost_usd=now.cost_usd - before.cost_usd,
        cost_is_estimate=now.cost_is_estimate,
        unpriced_model=now.unpriced_model,
    )
