"""The contract between the Auto Run engine and the agent adapters.

The engine knows only `Agent.run(TaskRequest, stop) -> AgentResult`. Each CLI adapter
(`symphony_bot.agents.cli_agent.CliAgent`) says how to start its CLI (`invocation`) and how to read what it
printed (`parse`); starting, watching and killing the process is shared (`symphony_bot.agents.process`), and
so is the environment allow-list (`symphony_bot.agents.environment`): no adapter inherits the caller's
environment. This module holds only the shared data types and imports no other module of the package.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class Usage:
    """Tokens and cost of one task (never running totals: adapters turn cumulative reports into deltas)."""

    input_tokens: int = 0  # not counting cache reads (Anthropic's convention; OpenAI's totals are converted)
    output_tokens: int = 0  # every billed output token, reasoning included
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0  # of output_tokens, how many were reasoning
    cost_usd: float = 0.0
    # True when cost_usd comes from our price table rather than the CLI's own figure.
    cost_is_estimate: bool = False
    # The model whose price our table lacks when the estimate fell back on a family's or a default price: a
    # budget cannot be kept against such a figure (the engine refuses to go on with --max-cost).
    unpriced_model: str | None = None

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens,
            cost_usd=self.cost_usd + other.cost_usd,
            cost_is_estimate=self.cost_is_estimate or other.cost_is_estimate,
            unpriced_model=self.unpriced_model or other.unpriced_model,
        )

    @property
    def total_tokens(self) -> int:
        """Tokens donated, as Maestro counts them: input + output (cache traffic excluded)."""
        return self.input_tokens + self.output_tokens

    def to_event(self) -> dict[str, Any]:
        """Maestro's `usageStats` field names (and `unpricedModel`, ours, when the price table lacks the model)."""
        fields: dict[str, Any] = {
            "inputTokens": self.input_tokens,
            "outputTokens": self.output_tokens,
            "cacheReadInputTokens": self.cache_read_tokens,
            "cacheCreationInputTokens": self.cache_write_tokens,
            "reasoningTokens": self.reasoning_tokens,
            "totalCostUsd": round(self.cost_usd, 6),
            "costIsEstimate": self.cost_is_estimate,
        }
        if self.unpriced_model is not None:
            fields["unpricedModel"] = self.unpriced_model
        return fields


@dataclass(frozen=True)
class TaskRequest:
    """One agent run: do one task of one document."""

    prompt: str
    repo_dir: Path
    document_path: Path
    task_text: str
    task_line: int  # 1-based line of the task in the document
    # A private directory outside the repository for this run: the prompt file, the CLI's HOME and config.
    scratch_dir: Path
    model: str | None = None
    task_timeout_s: float | None = None
    inactivity_timeout_s: float | None = None
    # Set (to any name): run the agent under a uid of its own, allocated for the task, owning the work tree while
    # it runs: what a bot running as root does (`symphony_bot.agents.agent_user`). None: as the bot's own user.
    run_as: str | None = None
    # TCP ports the agent may connect to besides the metering proxy's (the config's allow-list; Landlock).
    allowed_tcp_ports: tuple[int, ...] = ()


class Outcome(StrEnum):
    OK = "ok"
    AGENT_ERROR = "agent_error"  # the CLI reported an error, exited non-zero, or printed nothing usable
    RATE_LIMITED = "rate_limited"  # a quota / plan-limit / 429 notice: never a success
    TIMEOUT = "timeout"  # wall-clock limit for the task reached; process group killed
    INACTIVE = "inactive"  # no output for the inactivity limit; process group killed
    CANCELLED = "cancelled"  # stop requested (SIGTERM/SIGINT); process group killed
    NOT_FOUND = "not_found"  # the CLI's executable is not installed
    UNREACHABLE = "unreachable"  # the model API cannot be reached: retrying for minutes helps nobody
    AUTH_FAILED = "auth_failed"  # the model API refused the key
    MODEL_API_FAILED = "model_api_failed"  # the model API kept failing or stalled (seen by the metering proxy)


@dataclass(frozen=True)
class AgentResult:
    outcome: Outcome
    text: str = ""  # the agent's final answer
    session_id: str | None = None
    usage: Usage = field(default_factory=Usage)
    exit_code: int | None = None
    error: str | None = None  # why it failed, in words a user can act on
    elapsed_s: float = 0.0

    @property
    def success(self) -> bool:
        return self.outcome is Outcome.OK


OutputCallback = Callable[[str], None]


class Agent(Protocol):
    """What the engine needs from an agent."""

    name: str

    def run(
        self, request: TaskRequest, stop: threading.Event, on_output: OutputCallback | None = None
    ) -> AgentResult: ...


@dataclass(frozen=True)
class Invocation:
    """How to start one agent process. The prompt never travels as one giant argv element."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path
    stdin: bytes | None = None  # None: stdin is /dev/null


@dataclass(frozen=True)
class ParsedOutput:
    """What an adapter read from the CLI's output."""

    success: bool
    text: str = ""
    session_id: str | None = None
    usage: Usage = field(default_factory=Usage)
    error: str | None = None
    rate_limited: bool = False


class AgentSetupError(Exception):
    """The agent cannot be started as it is set up (a missing model, user or tool): no task can run until that
    is fixed, so the run stops. The message names the cause and the fix."""


class ProcessAgent(Protocol):
    """What `symphony_bot.agents.process` needs from an adapter to run it (`CliAgent` is the one implementation)."""

    name: str
    install_hint: str
    classifies_errors: bool

    def invocation(self, request: TaskRequest) -> Invocation: ...

    def parse(self, stdout: str, stderr: str, exit_code: int | None) -> ParsedOutput: ...

    def api_trouble(self, line: str) -> tuple[str, str] | None:
        """("auth" or "unreachable", the CLI's words) when `line` is the CLI's own notice of that, else None."""
        ...
