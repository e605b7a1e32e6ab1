"""The action's inputs, read the way the runner really passes them to a container action.

The runner exports each input as `INPUT_<NAME>`: upper-cased, spaces turned into `_`, and **hyphens kept** —
`github-token` arrives as `INPUT_GITHUB-TOKEN` (github-semantics §7), which a shell cannot even name but a
process environment holds fine. Some local runners (act) also set the underscore form, so that is read when the
hyphenated one is missing. An empty value means "not set", as in `@actions/core`'s `getInput`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from symphony_bot.agents.catalogue import AGENT_NAMES

MODES = ("auto", "run", "scan", "registry-check")
AGENTS = AGENT_NAMES
SECRET_INPUTS = ("github-token", "workflow-token", "anthropic-api-key", "openai-api-key", "gemini-api-key")
# The order action.yml declares them in; tests check both lists agree.
INPUT_NAMES = (
    "github-token",
    "workflow-token",
    "agent",
    "agent-command",
    "model",
    "anthropic-api-key",
    "openai-api-key",
    "gemini-api-key",
    "mode",
    "issue",
    "registry",
    "who-can-run",
    "config",
    "max-cost",
    "max-minutes",
    "task-timeout",
    "dry-run",
    "allow-weak-containment",
)
_TRUE = ("true", "True", "TRUE")
_FALSE = ("false", "False", "FALSE")
# Where each agent's key goes in the environment of `symphony-bot run` (the agent adapter reads it there).
API_KEY_VARIABLES = {
    "anthropic-api-key": "ANTHROPIC_API_KEY",
    "openai-api-key": "OPENAI_API_KEY",
    "gemini-api-key": "GEMINI_API_KEY",
}


class InputError(ValueError):
    """An input the action cannot use. The message names the input and what it accepts."""


@dataclass(frozen=True)
class ActionInputs:
    github_token: str | None = None
    agent: str | None = None
    agent_command: str | None = None
    model: str | None = None
    api_keys: tuple[tuple[str, str], ...] = ()  # (input name, value) of the keys given
    mode: str = "auto"
    issue: str | None = None  # "N" (this repository) or "OWNER/REPO#N"
    registry: str | None = None
    who_can_run: str | None = None
    config: str | None = None
    max_cost: float | None = None
    max_minutes: float | None = None
    task_timeout: float | None = None
    dry_run: bool = False
    # Read by `run` itself from SYMPHONY_ALLOW_WEAK_CONTAINMENT, which action.yml sets from the input.
    allow_weak_containment: bool = False

    def secrets(self) -> list[str]:
        """Every secret value given, to mask before anything is printed."""
        values = [self.github_token] if self.github_token else []
        return values + [value for _, value in self.api_keys]


def input_variable(name: str) -> str:
    """The variable the runner sets for an input: `INPUT_` + the name upper-cased, spaces to `_`, hyphens kept."""
    return "INPUT_" + name.replace(" ", "_").upper()


def get_input(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    for variable in (input_variable(name), input_variable(name).replace("-", "_")):
        value = env.get(variable)
        if value is not None and value.strip():
            return value.strip()
    return None


def read_secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """The secret inputs' values, read without any validation: masking must not wait for (or fail with) parsing."""
    return [value for name in SECRET_INPUTS if (value := get_input(name, environ))]


def read_inputs(environ: Mapping[str, str] | None = None) -> ActionInputs:
    def text(name: str) -> str | None:
        return get_input(name, environ)

    mode = text("mode") or "auto"
    if mode not in MODES:
        raise InputError(f"input `mode` is {mode!r}; use one of {', '.join(MODES)}")
    agent = text("agent")
    if agent is not None and agent not in AGENTS:
        raise InputError(f"input `agent` is {agent!r}; use one of {', '.join(AGENTS)}")
    return ActionInputs(
        github_token=text("github-token"),
        agent=agent,
        agent_command=text("agent-command"),
        model=text("model"),
        api_keys=tuple((name, value) for name in API_KEY_VARIABLES if (value := text(name))),
        mode=mode,
        issue=text("issue"),
        registry=text("registry"),
        who_can_run=text("who-can-run"),
        config=text("config"),
        max_cost=_positive(text("max-cost"), "max-cost", "US dollars, e.g. 5"),
        max_minutes=_positive(text("max-minutes"), "max-minutes", "minutes, e.g. 60"),
        task_timeout=_positive(text("task-timeout"), "task-timeout", "seconds, e.g. 1800"),
        dry_run=_boolean(text("dry-run"), "dry-run"),
        allow_weak_containment=_boolean(text("allow-weak-containment"), "allow-weak-containment"),
    )


def _positive(value: str | None, name: str, unit: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise InputError(f"input `{name}` is {value[:40]!r}; give a positive number of {unit}") from None
    if not number > 0 or number == float("inf"):
        raise InputError(f"input `{name}` is {value[:40]!r}; give a positive number of {unit}")
    return number


def _boolean(value: str | None, name: str) -> bool:
    """YAML 1.2 core booleans, as `@actions/core`'s getBooleanInput accepts them."""
    if value is None or value in _FALSE:
        return False
    if value in _TRUE:
        return True
    raise InputError(f"input `{name}` is {value[:40]!r}; use true or false")
