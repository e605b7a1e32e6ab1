"""The agents this bot can run, by name: `make_agent("claude")`. Adapter modules are imported only when chosen.

(Called the catalogue, not the registry: in this project "registry" is the Symphony registry of projects.)
"""

from __future__ import annotations

from symphony_bot.agents.base import Agent

CLI_AGENT_NAMES = ("claude", "codex", "opencode", "gemini")
COMMAND_AGENT_NAME = "command"
AGENT_NAMES = (*CLI_AGENT_NAMES, COMMAND_AGENT_NAME)


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
    if name == COMMAND_AGENT_NAME:
        if not command:
            raise UnknownAgent("the command agent needs --agent-command (the executable to run for each task)")
        from symphony_bot.agents.command import CommandAgent

        return CommandAgent(command, passthrough=passthrough, model=model)
    if name == "claude":
        from symphony_bot.agents.claude import ClaudeAgent

        return ClaudeAgent(executable=executable, model=model)
    if name == "codex":
        from symphony_bot.agents.codex import CodexAgent

        return CodexAgent(executable=executable, model=model)
    if name == "opencode":
        from symphony_bot.agents.opencode import OpenCodeAgent

        return OpenCodeAgent(executable=executable, model=model)
    if name == "gemini":
        from symphony_bot.agents.gemini import GeminiAgent

        return GeminiAgent(executable=executable, model=model)
    raise UnknownAgent(f"unknown agent {name!r}; choose one of: {', '.join(AGENT_NAMES)}")
