"""Agents by name: `make_agent("claude")`. Adapter modules are imported only when chosen."""

from __future__ import annotations

import importlib

from symphony_bot.agents.base import Agent

AGENT_NAMES = ("claude", "codex", "opencode", "gemini", "command")
_CLASSES = {
    "claude": "symphony_bot.agents.claude:ClaudeAgent",
    "codex": "symphony_bot.agents.codex:CodexAgent",
    "opencode": "symphony_bot.agents.opencode:OpenCodeAgent",
    "gemini": "symphony_bot.agents.gemini:GeminiAgent",
}


class UnknownAgent(ValueError):
    pass


def make_agent(
    name: str,
    *,
    command: str | None = None,
    executable: str | None = None,
    model: str | None = None,
    passthrough: tuple[str, ...] = (),
) -> Agent:
    """The agent called `name`. `command` is the command agent's executable (and arguments); `executable`
    overrides where a CLI adapter finds its CLI; `passthrough` names extra variables the command agent may
    see (the credential deny rules still win)."""
    if name == "command":
        if not command:
            raise UnknownAgent("the command agent needs --agent-command (the executable to run for each task)")
        from symphony_bot.agents.command import CommandAgent

        return CommandAgent(command, passthrough=passthrough, model=model)
    target = _CLASSES.get(name)
    if target is None:
        raise UnknownAgent(f"unknown agent {name!r}; choose one of: {', '.join(AGENT_NAMES)}")
    module_name, class_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        raise UnknownAgent(f"the {name} adapter is not available in this version of symphony-bot") from error
    agent: Agent = getattr(module, class_name)(executable=executable, model=model)
    return agent
