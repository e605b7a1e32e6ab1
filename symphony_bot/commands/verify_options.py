"""--verify CMD and its two companions, shared by `run` and `revise`. Imports only click (`--help` stays fast)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])
VERIFY_HELP = (
    "Run CMD in the work tree after each task that changed files, before its commit, contained as the agent is "
    "(e.g. 'make test')."
)


def verify_options(function: F) -> F:
    """--verify CMD, --verify-failure, --verify-retries (run and revise alike)."""
    function = click.option(
        "--verify-retries",
        type=click.IntRange(0, 5),
        default=1,
        show_default=True,
        help="More attempts the agent gets, with the output's tail, after --verify fails.",
    )(function)
    function = click.option(
        "--verify-failure",
        type=click.Choice(("commit", "skip", "stop")),
        default="commit",
        show_default=True,
        help="A task whose --verify still fails after the retries: commit it (marked), skip it, or stop the run.",
    )(function)
    return click.option("--verify", "verify_command", metavar="CMD", default=None, help=VERIFY_HELP)(function)


def verify_settings(options: dict[str, Any]) -> Any:
    """The VerifySettings the options ask for (None without --verify)."""
    from symphony_bot.contribution.verification import VerifySettings

    command = options.get("verify_command")
    if not command:
        return None
    return VerifySettings(
        command, retries=int(options.get("verify_retries") or 0), failure=options.get("verify_failure") or "commit"
    )
