"""`run` and `autorun` refuse at once an agent its user cannot start (`agents.executable_check`)."""

from __future__ import annotations

from pathlib import Path

import click

from symphony_bot.commands.output import say_on_stderr


def agent_can_start(agent: object, agent_name: str, *, per_task_uid: bool, cwd: Path | None, json_lines: bool) -> bool:
    """False (said on stderr, and as an `error` event with --json) when the user the agent runs as cannot start
    its executable; the warnings of the check are said either way."""
    from symphony_bot.agents.executable_check import check_start, program_of
    from symphony_bot.autorun import events
    from symphony_bot.report.workflow_commands import neutralize

    program = program_of(agent)
    if program is None:
        return True
    verdict = check_start(agent_name, program, per_task_uid=per_task_uid, cwd=cwd)
    for warning in verdict.warnings:
        say_on_stderr(f"warning: {warning}")
    if verdict.refusal is None:
        return True
    say_on_stderr(f"error: {verdict.refusal}")
    if json_lines:
        event = events.make_event(events.ERROR, code=events.AGENT_NOT_FOUND, message=verdict.refusal)
        click.echo(neutralize(events.to_json_line(event)))
    return False
