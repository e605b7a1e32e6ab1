"""Before the first agent task of a run: may agents run here, and what is weaker than promised (said aloud).

`run`, `autorun` and `revise` call these before any task; what they say goes to `say` (the command line's
stderr), so this module prints nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable

CONTAINMENT_NOTE = "note: agent containment: "


def say_how_agents_are_contained(say: Callable[[str], None]) -> None:
    """Out loud when the machine allows no PID namespace per agent run and the weaker fallback is used."""
    from symphony_bot.agents.containment import containment

    how = containment()
    if not how.namespace:
        say(f"{CONTAINMENT_NOTE}{how.description}")


def guard_containment(allowed: bool, agent_name: str, say: Callable[[str], None]) -> list[str] | None:
    """None (refused, said) when a containment promise cannot hold here and weak containment is not allowed;
    else the notices of what is weaker (said), for the comment and summary. The bot stays not dumpable from
    here on."""
    from symphony_bot.agents.containment import not_dumpable_for_the_run
    from symphony_bot.agents.posture import agent_notices, assess
    from symphony_bot.report.workflow_commands import neutralize

    not_dumpable_for_the_run()
    posture = assess()
    if posture.weak and not allowed:
        say(neutralize(f"error: {posture.refusal()}"))
        return None
    notices = [*posture.notices(), *agent_notices(agent_name)]
    for notice in notices:
        say(neutralize(f"warning: {notice}"))
    return notices
