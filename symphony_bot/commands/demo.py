"""`symphony-bot demo`: the main job on a local sandbox GitHub, in seconds, with nothing to set up."""

from __future__ import annotations

import sys
from typing import Any

import click

from symphony_bot.agents.catalogue import CLI_AGENT_NAMES

DEMO_AGENTS = ("demo", *CLI_AGENT_NAMES)


@click.command()
@click.option(
    "--agent",
    "agent_name",
    type=click.Choice(DEMO_AGENTS),
    default="demo",
    show_default=True,
    help="The bundled demo agent, or a real CLI (when installed) against the scripted model server.",
)
@click.option("--json", "json_lines", is_flag=True, help="Print the run's events as JSON Lines instead.")
def demo(agent_name: str, json_lines: bool) -> None:
    """Start a sandbox GitHub, seed a repository with two Auto Run documents and a labelled issue, run it.

    Prints the status comment as it changes, then the pull request and its commits. Exit status as `run`.
    """
    from symphony_bot.commands.demo_show import run_demo

    sys.exit(run_demo(agent_name, json_lines=json_lines, echo=_echo))


def _echo(text: str = "", **style: Any) -> None:
    click.secho(text, **style)
