"""The one place the action reaches the contribution runner (`symphony-bot run` / `cancel`).

The runner is a separate command with its own exit codes, JSON event stream and status comment; the action
starts it as `python -m symphony_bot run OWNER/REPO#N --json …` and reads the events back, so a crash in a run
can never take the action's own bookkeeping (outputs, summary, the post step) down with it, and the token and
API keys travel in the child's environment only — never in argv.

What the runner is told beyond its flags:
* `SYMPHONY_GITHUB_TOKEN`: the token to use (the `github-token` input);
* `SYMPHONY_AGENT_TCP_PORTS`: the config's `allowed-tcp-ports`, which Landlock opens to the agent;
* `SYMPHONY_TOKEN_KIND=workflow` when that token is the workflow's own GITHUB_TOKEN: pull requests it opens start
  no workflows, and the status comment must say so and point at docs/tokens.md (WORKFLOW_PR_CAVEAT);
and as flags: `--requested-by LOGIN` (credited with Co-authored-by; for cancel and finalize, named in the status
comment), `--comment-id ID` (the command comment) and `.github/symphony.yml`'s `verify` as `--verify CMD
--verify-failure … --verify-retries …` (the runner reads no repository configuration itself).
The runner's `--json` events (`{"type": …}`) are folded into the action's outputs: `claimed` (pullNumber, url),
`pushed` (branch), the engine's `complete` (totalCost, usage), and last `finalized`, which carries the run's
summary (phase, pullNumber, pullUrl, branch, tasksDone, tasksTotal, costUsd, tokensIn, tokensOut) and `error`, the
reason a run failed in the runner's own words (for the `::error` line and the job summary); `comment_refused`
says why GitHub took no status comment (a locked issue, a token without Issues: write).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from symphony_bot.action import signals
from symphony_bot.agents import landlock
from symphony_bot.report.workflow_commands import neutralize

TOKEN_ENV = "SYMPHONY_GITHUB_TOKEN"  # noqa: S105 (variable names and a kind, not secrets)
TOKEN_KIND_ENV = "SYMPHONY_TOKEN_KIND"  # noqa: S105
TOKEN_KIND_WORKFLOW = "workflow"  # noqa: S105
WORKFLOW_PR_CAVEAT = (
    "This run used the workflow's `GITHUB_TOKEN`: GitHub starts no workflows for pull requests it opens, so CI "
    "will not run on this one until a maintainer approves it. Use a GitHub App or fine-grained token instead "
    '(see docs/tokens.md, "The GITHUB_TOKEN caveat").'
)
# Variables of the action's own container the runner process does not need (its agent gets an allow-list anyway).
_DROPPED_PREFIXES = ("INPUT_",)
_DROPPED_NAMES = ("SYMPHONY_WORKFLOW_TOKEN",)  # action.yml's copy of the job token, only for the comparison
MAX_LOG_LINES = 40


@dataclass(frozen=True)
class RunRequest:
    repo: str
    issue: int | None  # None with pick
    pick: bool = False
    registry: str | None = None
    agent: str | None = None
    agent_command: str | None = None
    model: str | None = None
    max_cost: float | None = None
    max_minutes: float | None = None
    max_tasks: int | None = None
    task_timeout: float | None = None
    comment_interval: float | None = None
    dry_run: bool = False
    triggered_by: str | None = None
    comment_id: int | None = None
    token: str | None = None
    workflow_token: bool = False
    api_keys: Mapping[str, str] = field(default_factory=dict)  # environment variable -> value
    github_url: str | None = None
    extra_path: Sequence[str] = ()  # folders to put first on PATH (the installed agent CLI)
    # .github/symphony.yml's `verify`: `symphony-bot run` reads no repository configuration, so the action passes it
    verify: str | None = None
    verify_failure: str = "commit"
    verify_retries: int = 1
    # `allowed-tcp-ports` of .github/symphony.yml: told to the runner as landlock.TCP_PORTS_ENV.
    allowed_tcp_ports: tuple[int, ...] = ()


@dataclass
class RunResult:
    status: str  # the runner's final state, or "failed" when it gave none
    exit_code: int
    outputs: dict[str, Any] = field(default_factory=dict)  # pr-number, pr-url, branch, tasks-*, cost-usd, tokens-*
    log_tail: list[str] = field(default_factory=list)
    error: str | None = None  # why the run failed, as the runner's `finalized` event says it
    notes: list[str] = field(default_factory=list)  # what the run could not say on the issue (comment_refused)


class Runner(Protocol):
    def run(self, request: RunRequest) -> RunResult: ...

    def cancel(self, request: RunRequest) -> RunResult: ...

    def finalize(self, request: RunRequest) -> RunResult: ...


def run_arguments(request: RunRequest) -> list[str]:
    """`symphony-bot run` arguments for a request (no secret is ever among them)."""
    target = ["--pick"] if request.pick else [f"{request.repo}#{request.issue}"]
    arguments = ["run", *target, "--json"]
    if request.pick and request.registry:
        arguments += ["--registry", request.registry]
    options: list[tuple[str, Any]] = [
        ("--agent", request.agent),
        ("--agent-command", request.agent_command),
        ("--model", request.model),
        ("--max-cost", request.max_cost),
        ("--max-minutes", request.max_minutes),
        ("--max-tasks", request.max_tasks),
        ("--task-timeout", request.task_timeout),
        ("--comment-interval", request.comment_interval),
        ("--requested-by", request.triggered_by),
        ("--comment-id", request.comment_id),
        ("--github-url", request.github_url),
    ]
    for flag, value in options:
        if value is not None:
            arguments += [flag, _number(value) if isinstance(value, float) else str(value)]
    if request.verify:
        arguments += [
            "--verify",
            request.verify,
            "--verify-failure",
            request.verify_failure,
            "--verify-retries",
            str(request.verify_retries),
        ]
    if request.dry_run:
        arguments.append("--dry-run")
    return arguments


def finish_arguments(command: str, request: RunRequest) -> list[str]:
    """`symphony-bot cancel` or `finalize` arguments: the issue, who asked (named in the status comment), where."""
    arguments = [command, f"{request.repo}#{request.issue}"]
    if request.triggered_by:
        arguments += ["--requested-by", request.triggered_by]
    if request.github_url:
        arguments += ["--github-url", request.github_url]
    return arguments


def child_environment(request: RunRequest, base: Mapping[str, str] | None = None) -> dict[str, str]:
    source = os.environ if base is None else base
    environ = {
        key: value
        for key, value in source.items()
        if not key.startswith(_DROPPED_PREFIXES) and key not in _DROPPED_NAMES
    }
    if request.token:
        environ[TOKEN_ENV] = request.token
    if request.workflow_token:
        environ[TOKEN_KIND_ENV] = TOKEN_KIND_WORKFLOW
    environ.update(request.api_keys)
    if request.allowed_tcp_ports:
        environ[landlock.TCP_PORTS_ENV] = ",".join(map(str, request.allowed_tcp_ports))
    if request.extra_path:
        environ["PATH"] = os.pathsep.join([*request.extra_path, environ.get("PATH", "")])
    return environ


class CliRunner:
    """Runs the runner's commands in a child process (see the module docstring)."""

    def __init__(self, python: str | None = None, timeout: float | None = None) -> None:
        self.python = python or sys.executable
        self.timeout = timeout

    def run(self, request: RunRequest) -> RunResult:
        return self._invoke(run_arguments(request), request)

    def cancel(self, request: RunRequest) -> RunResult:
        return self._invoke(finish_arguments("cancel", request), request, done="cancelled")

    def finalize(self, request: RunRequest) -> RunResult:
        return self._invoke(finish_arguments("finalize", request), request, done="finalized")

    def _invoke(self, arguments: list[str], request: RunRequest, done: str = "completed") -> RunResult:
        events: list[dict[str, Any]] = []
        log: list[str] = []
        step_signals = signals.current()
        with step_signals.starting_child():
            process = subprocess.Popen(
                [self.python, "-m", "symphony_bot", *arguments],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                env=child_environment(request),
            )
        # A cancelled job's SIGINT/SIGTERM reaches only this process (PID 1): it is passed on to the child, which
        # stops, pushes and finalises; its events are still read to the end (signals.py).
        with process, step_signals.forwarding_to(process):
            assert process.stdout is not None
            for line in process.stdout:
                # The runner's own output goes to the job log as it comes (GitHub masks the secrets in it),
                # neutralized: it quotes task text and agent output, and no line of it may act as a command.
                sys.stdout.write(neutralize(line))
                sys.stdout.flush()
                parsed = _json_object(line)
                if parsed is not None:
                    events.append(parsed)
                else:
                    log = [*log[-(MAX_LOG_LINES - 1) :], line.rstrip("\n")]
            code = process.wait(timeout=self.timeout)
        return result_from_events(events, code, log, done=done)


def result_from_events(
    events: list[dict[str, Any]], exit_code: int, log: list[str], *, done: str = "completed"
) -> RunResult:
    """Fold the runner's JSON events into the action's outputs. Unknown events and fields are ignored."""
    outputs: dict[str, Any] = {}
    status: str | None = None
    error: str | None = None
    notes: list[str] = []
    for event in events:
        kind = event.get("type")
        if kind == "claimed":
            _take(outputs, "pr-number", event.get("pullNumber"))
            _take(outputs, "pr-url", event.get("url"))
        elif kind == "pushed":
            _take(outputs, "branch", event.get("branch"))
        elif kind == "complete":
            usage = event.get("usage") if isinstance(event.get("usage"), dict) else {}
            assert isinstance(usage, dict)
            _take(outputs, "cost-usd", event.get("totalCost"))
            _take(outputs, "tokens-in", usage.get("inputTokens"))
            _take(outputs, "tokens-out", usage.get("outputTokens"))
        elif kind == "finalized":
            # the runner's own totals: they include tasks done by earlier runs of the same claim
            for name, field_name in _FINALIZED_FIELDS.items():
                _take(outputs, name, event.get(field_name))
            if isinstance(event.get("phase"), str):
                status = event["phase"]
            error = event["error"] if isinstance(event.get("error"), str) and event["error"] else None
        elif kind == "comment_refused" and isinstance(event.get("message"), str):
            notes.append(event["message"])
    return RunResult(status or (done if exit_code == 0 else "failed"), exit_code, outputs, log, error, notes)


_FINALIZED_FIELDS = {  # output name -> field of the runner's `finalized` event (camelCase, like every event)
    "pr-number": "pullNumber",
    "pr-url": "pullUrl",
    "branch": "branch",
    "tasks-done": "tasksDone",
    "tasks-total": "tasksTotal",
    "cost-usd": "costUsd",
    "tokens-in": "tokensIn",
    "tokens-out": "tokensOut",
}


def _take(outputs: dict[str, Any], name: str, value: Any) -> None:
    if value is not None and not isinstance(value, (dict, list)):
        outputs[name] = value


def _json_object(line: str) -> dict[str, Any] | None:
    text = line.strip()
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)
