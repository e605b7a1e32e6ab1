"""How the commands print: every line through `symphony_bot.report.workflow_commands.neutralize`.

What `scan`, `issue`, `stats`, `site` and `registry` print quotes text anyone can write (issue titles and bodies,
document names, PR bodies, registry values, GitHub's own error messages that repeat them). In an Actions log any
of it could otherwise become a workflow command (`::error …`, `##[add-mask]…`), so these commands print only
through `echo` and its wrappers here; the one exception is `print_commands`, for the command lines that
`workflow_commands` builds on purpose (their own values escaped).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import NoReturn

import click

from symphony_bot.commands.exit_codes import FINDINGS, USAGE
from symphony_bot.report.workflow_commands import neutralize

WARNING_PREFIX = "warning: "
ERROR_PREFIX = "error: "


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Print `text` (to stderr with `err`), neutralized: no line of it is a workflow command."""
    click.echo(neutralize(text), err=err, nl=nl)


def say_on_stderr(line: str) -> None:
    """A line on stderr, neutralized: how what `agents.build` and `agents.guard` say reaches the command line."""
    echo(line, err=True)


def warn(message: str) -> None:
    echo(WARNING_PREFIX + message, err=True)


def error(message: str) -> None:
    """An error line on stderr; the command goes on (and decides its exit status later)."""
    echo(ERROR_PREFIX + message, err=True)


def usage_error(message: str) -> NoReturn:
    """An error line, then exit 2: bad arguments or input that cannot be read."""
    error(message)
    sys.exit(USAGE)


def failure(message: str) -> NoReturn:
    """An error line, then exit 1: GitHub (or every registry) could not answer."""
    error(message)
    sys.exit(FINDINGS)


def print_commands(lines: Iterable[str]) -> None:
    """Lines built by `workflow_commands.annotation` (or `finding_annotations`), printed as they are: they are
    meant to be commands, and `annotation` has escaped every value in them already."""
    for line in lines:
        click.echo(line)
