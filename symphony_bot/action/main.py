"""One step of the action, start to end: masks, inputs, configuration, the event, routing, outputs, summary.

Order matters: the secrets are masked before anything else is printed (even before the inputs are checked, so an
error message quoting an input cannot leak a key); the outputs and the job summary are written whatever happened,
so a workflow can always read `status`. The main step records in the step state that a run started, and the
post step (`post.run_post`) finalises the status comment when the main step never recorded its end — the job was
cancelled or timed out.
"""

from __future__ import annotations

import os
import secrets as random
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path
from typing import TextIO

from symphony_bot.action import outputs as action_outputs
from symphony_bot.action import signals
from symphony_bot.action.inputs import ActionInputs, InputError, read_inputs, read_secret_values
from symphony_bot.action.post import STATE_DONE, STATE_NAME
from symphony_bot.action.replies import Outcome, outputs_for, summary_markdown
from symphony_bot.action.runner_seam import WORKFLOW_PR_CAVEAT, CliRunner, Runner
from symphony_bot.action.signals import StepStopped
from symphony_bot.report.workflow_commands import append_summary, escape_data, escape_property, neutralize

STATE_ENV = "GITHUB_STATE"
SAFE_DIRECTORY_KEY = "safe.directory"
DEFAULT_WORKSPACE = "/github/workspace"
USAGE_STATUS = "usage-error"
STOPPED = "stopped"
STEP_STOPPED_MESSAGE = (
    "the job was cancelled or timed out ({signal}) before anything was started; nothing is left half done"
)


def trust_workspace(environ: MutableMapping[str, str]) -> None:
    """Let git work in the mounted workspace (owned by the runner's user, while the container runs as root) via
    GIT_CONFIG_* variables — the command-line scope git honours for safe.directory — not a global config file."""
    workspace = environ.get("GITHUB_WORKSPACE") or DEFAULT_WORKSPACE
    count = int(environ.get("GIT_CONFIG_COUNT") or 0)
    for index in range(count):
        if (
            environ.get(f"GIT_CONFIG_KEY_{index}") == SAFE_DIRECTORY_KEY
            and environ.get(f"GIT_CONFIG_VALUE_{index}") == workspace
        ):
            return
    environ[f"GIT_CONFIG_KEY_{count}"] = SAFE_DIRECTORY_KEY
    environ[f"GIT_CONFIG_VALUE_{count}"] = workspace
    environ["GIT_CONFIG_COUNT"] = str(count + 1)


def run_action(
    environ: Mapping[str, str],
    stdout: TextIO,
    *,
    runner: Runner | None = None,
    client_factory: Callable[[ActionInputs], object] | None = None,
) -> Outcome:
    action_outputs.print_masks(read_secret_values(environ), stdout)
    try:
        inputs = read_inputs(environ)
    except InputError as error:
        outcome = Outcome(USAGE_STATUS, str(error), failed=True)
        _finish(outcome, environ, stdout, token_caveat=None)
        return outcome
    try:
        outcome, caveat = _routed(inputs, environ, stdout, runner, client_factory)
    except StepStopped as stop:  # before the event was even read: nothing started
        outcome, caveat = Outcome(STOPPED, STEP_STOPPED_MESSAGE.format(signal=stop)), None
    _finish(outcome, environ, stdout, token_caveat=caveat)
    return outcome


def _routed(
    inputs: ActionInputs,
    environ: Mapping[str, str],
    stdout: TextIO,
    runner: Runner | None,
    client_factory: Callable[[ActionInputs], object] | None,
) -> tuple[Outcome, str | None]:
    from symphony_bot.action.context import ActionContext, client_for
    from symphony_bot.action.events import EventError, load_event
    from symphony_bot.action.policy import PolicyError, parse_allowed_bots, parse_who_can_run
    from symphony_bot.action.router import route
    from symphony_bot.contribution.repository_config import ConfigError, load_config
    from symphony_bot.github.client import GitHubClient, GitHubError

    workspace = Path(environ.get("GITHUB_WORKSPACE") or os.getcwd())
    try:
        config = load_config(inputs.config, workspace=workspace)
        policy = parse_who_can_run(inputs.who_can_run or config.who_can_run)
        allowed_bots = parse_allowed_bots(config.allowed_bots)
        event = load_event(environ)
    except ConfigError as error:
        print(_annotation(error.path, error.line, error.column, error.message), file=stdout)
        return Outcome(USAGE_STATUS, str(error), failed=True), None
    except (PolicyError, EventError) as error:
        return Outcome(USAGE_STATUS, str(error), failed=True), None
    client = client_factory(inputs) if client_factory else client_for(inputs, environ)
    assert isinstance(client, GitHubClient)
    with client:
        context = ActionContext(
            client=client,
            inputs=inputs,
            config=config,
            policy=policy,
            allowed_bots=allowed_bots,
            runner=runner or CliRunner(),
            environ=environ,
            workspace=workspace,
            stdout=stdout,
        )
        target = _run_target(event)
        if target:
            _save_state(environ, STATE_NAME, target)
        try:
            outcome = route(context, event)
        except GitHubError as error:
            outcome = Outcome("failed", f"GitHub: {error}", failed=True, event=event.name)
        except StepStopped as stop:
            # No child was running (that one would have been told and waited for): nothing is left half done.
            outcome = Outcome(STOPPED, STEP_STOPPED_MESSAGE.format(signal=stop), event=event.name, target=target)
        if target:
            _save_state(environ, STATE_DONE, "true")
        started_run = "pr-number" in outcome.outputs or outcome.status not in ("ignored", "refused", "help")
        caveat = (
            WORKFLOW_PR_CAVEAT
            if context.uses_workflow_token and started_run and "pr-number" in outcome.outputs
            else None
        )
        return outcome, caveat


def _run_target(event: object) -> str | None:
    from symphony_bot.action.events import Event

    assert isinstance(event, Event)
    if event.issue_number and event.repository and event.name in ("issues", "issue_comment"):
        return f"{event.repository}#{event.issue_number}"
    return None


def _annotation(path: str, line: int | None, column: int | None, message: str) -> str:
    from symphony_bot.report.workflow_commands import annotation

    return annotation("error", message, file=path, line=line, column=column, title="symphony config")


def _finish(outcome: Outcome, environ: Mapping[str, str], stdout: TextIO, *, token_caveat: str | None) -> None:
    with signals.current().shield():
        _write_results(outcome, environ, stdout, token_caveat=token_caveat)


def _write_results(outcome: Outcome, environ: Mapping[str, str], stdout: TextIO, *, token_caveat: str | None) -> None:
    level = "error" if outcome.failed else "notice"
    status = escape_property(neutralize(outcome.status))
    stdout.write(f"::{level} title=Symphony: {status}::{escape_data(neutralize(outcome.message))}\n")
    if token_caveat:
        stdout.write(f"::warning title=GITHUB_TOKEN::{escape_data(token_caveat)}\n")
    stdout.flush()
    action_outputs.write_outputs(outputs_for(outcome, action_outputs.OUTPUT_NAMES), environ)
    append_summary(summary_markdown(outcome, token_caveat=token_caveat), dict(environ))


def _save_state(environ: Mapping[str, str], name: str, value: str) -> None:
    target = environ.get(STATE_ENV)
    if not target:
        return
    delimiter = "ghadelimiter_" + random.token_hex(16)
    with Path(target).open("a", encoding="utf-8") as handle:
        handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
