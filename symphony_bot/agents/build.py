"""Building the agent a run uses from the command line's options (`run`, `autorun`, `revise` share it).

`build_agent` checks the options the way every command must (`--agent-command` only for the command agent,
the `--pass-env` rules) and makes the adapter; `metered_agent` puts it behind the metering proxy for a block.
A refused option raises `AgentOptionError` with the message the command prints (a usage error, exit 2); what
is said on the way is handed to `say` (the command line's stderr), so this module prints nothing itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from symphony_bot.agents.base import Agent

Say = Callable[[str], None]
COMMAND_AGENT = "command"
PASS_SECRET_OPTION = "--dangerously-pass-secret"  # noqa: S105 (an option name, not a secret)
UNMETERED_NOTICE = "metering proxy off: {reason}; the agent gets the model key itself (today's path)"
COMMAND_ONLY = "--agent-command is for --agent command; the {agent} agent takes --agent-executable"
PASS_ENV_COMMAND_ONLY = (
    f"--pass-env and {PASS_SECRET_OPTION} are for --agent command; each CLI adapter declares the variables it needs"
)
NOT_A_NAME = "--pass-env {names}: not an environment variable name"
NEVER_PASSED = "--pass-env {names}: credentials of GitHub, Actions and git never reach an agent"
LOOKS_LIKE_A_SECRET = (
    "--pass-env {names}: looks like a credential, and the agent runs the repository's code, which could send it "
    f"anywhere; if the agent really needs it, pass it with {PASS_SECRET_OPTION} {{first}}"
)


class AgentOptionError(ValueError):
    """The agent options cannot make an agent; the message names the option and the fix (a usage error)."""


def check_pass_env(agent_name: str, pass_env: tuple[str, ...], pass_secrets: tuple[str, ...]) -> None:
    """`--pass-env` / `--dangerously-pass-secret` as every command takes them. Raises AgentOptionError."""
    from symphony_bot.agents.environment import is_denied, looks_like_credential

    if (pass_env or pass_secrets) and agent_name != COMMAND_AGENT:
        raise AgentOptionError(PASS_ENV_COMMAND_ONLY)
    invalid = [name for name in (*pass_env, *pass_secrets) if not name.isidentifier()]
    if invalid:
        raise AgentOptionError(NOT_A_NAME.format(names=", ".join(invalid)))
    forbidden = [name for name in (*pass_env, *pass_secrets) if is_denied(name, {*pass_env, *pass_secrets})]
    if forbidden:
        raise AgentOptionError(NEVER_PASSED.format(names=", ".join(forbidden)))
    secret_looking = [name for name in pass_env if looks_like_credential(name)]
    if secret_looking:
        raise AgentOptionError(LOOKS_LIKE_A_SECRET.format(names=", ".join(secret_looking), first=secret_looking[0]))


def build_agent(
    agent_name: str,
    *,
    command: str | None = None,
    executable: str | None = None,
    model: str | None = None,
    pass_env: tuple[str, ...] = (),
    pass_secrets: tuple[str, ...] = (),
) -> Agent:
    """The agent the options name. Raises AgentOptionError (the command's usage error)."""
    from symphony_bot.agents.catalogue import make_agent

    if command and agent_name != COMMAND_AGENT:
        raise AgentOptionError(COMMAND_ONLY.format(agent=agent_name))
    check_pass_env(agent_name, pass_env, pass_secrets)
    try:
        return make_agent(
            agent_name, command=command, executable=executable, model=model, passthrough=(*pass_env, *pass_secrets)
        )
    except ValueError as error:  # UnknownAgent included
        raise AgentOptionError(str(error)) from None


@contextlib.contextmanager
def metered_agent(
    agent: Agent, agent_name: str, *, max_cost: float | None, enabled: bool, model: str | None, say: Say
) -> Iterator[Agent]:
    """`agent` behind the metering proxy while the block runs, or as it is when the proxy is off or the agent's
    CLI cannot be pointed at it (then said through `say`)."""
    if not enabled:
        yield agent
        return
    from symphony_bot.agents.metering.wiring import MeteredAgent, metered_run, why_unmetered

    unmetered = why_unmetered(agent_name, model=model)
    if unmetered is not None:
        say(UNMETERED_NOTICE.format(reason=unmetered.reason))
        yield agent
        return
    with metered_run(agent_name, max_cost_usd=max_cost, model=model) as proxy:
        yield agent if proxy is None else MeteredAgent(agent, proxy)
