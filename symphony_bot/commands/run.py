"""`symphony-bot run OWNER/REPO#N`: run an issue's Auto Run documents and hand maintainers a PR."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from symphony_bot.commands.options import github_options
from symphony_bot.commands.verify_options import verify_options

# The agent options are autorun's own definitions, attached here unchanged (not copies).
AGENT_OPTION_NAMES = (
    "agent_name",
    "agent_command",
    "agent_executable",
    "pass_env",
    "pass_secrets",
    "allow_weak_containment",
    "model",
    "task_timeout",
    "inactivity_timeout",
    "max_cost",
    "max_minutes",
    "max_tasks",
    "metering_proxy",
)


def agent_options(function: Callable[..., Any]) -> Callable[..., Any]:
    from symphony_bot.commands.autorun import autorun

    wanted = [param for param in autorun.params if param.name in AGENT_OPTION_NAMES]
    params = getattr(function, "__click_params__", [])
    params.extend(reversed(wanted))
    function.__click_params__ = params  # type: ignore[attr-defined]
    return function


@click.command()
@click.argument("issue", required=False, metavar="OWNER/REPO#N")
@click.option("--pick", is_flag=True, help="Run the first available issue of a scan instead of naming one.")
@click.option("--registry", "registries", multiple=True, metavar="PATH|URL", help="With --pick: registry to scan.")
@click.option(
    "--fork",
    type=click.Choice(("auto", "always", "never")),
    default="auto",
    show_default=True,
    help="Push to a fork: when the token cannot push (auto), always, or never.",
)
@click.option("--dry-run", is_flag=True, help="Check the issue and list the tasks; write nothing anywhere.")
@click.option("--json", "json_lines", is_flag=True, help="Print the engine's and the runner's events as JSON Lines.")
@click.option("--comment-id", type=int, metavar="ID", help="The `/symphony run` comment that triggered the run (👀).")
@click.option(
    "--comment-interval",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    metavar="S",
    help="At most one progress edit of the status comment per S seconds (phase changes and the end are "
    "written at once).",
)
@click.option("--requested-by", metavar="LOGIN", help="Who asked for the run: credited with Co-authored-by.")
@verify_options
@agent_options
@github_options
def run(**options: Any) -> None:
    """Claim an issue with a draft PR on the first commit, run its documents, keep one status comment.

    Exit status: 0 completed (PR ready for review); 1 failure or claim lost; 2 usage; 3 halted;
    4 stalled, stopped or cancelled; 5 budget reached.
    """
    from symphony_bot.commands.run_support import execute

    sys.exit(execute(options))
