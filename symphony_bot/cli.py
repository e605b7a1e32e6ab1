"""The `symphony-bot` command line.

Sub-commands live in `symphony_bot.commands.<name>` and are imported only when used, so `--help` and
`--version` never pay for PyGithub, GitPython or jsonschema. A command that talks to GitHub builds the one
client of its invocation with `GitHubClient.from_env` and passes it down.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from symphony_bot import __version__


def _action() -> click.Command:
    from symphony_bot.commands.action import action

    return action


def _autorun() -> click.Command:
    from symphony_bot.commands.autorun import autorun

    return autorun


def _cancel() -> click.Command:
    from symphony_bot.commands.cancel import cancel

    return cancel


def _demo() -> click.Command:
    from symphony_bot.commands.demo import demo

    return demo


def _finalize() -> click.Command:
    from symphony_bot.commands.finalize import finalize

    return finalize


def _issue() -> click.Command:
    from symphony_bot.commands.issue import issue

    return issue


def _registry() -> click.Command:
    from symphony_bot.commands.registry import registry

    return registry


def _run() -> click.Command:
    from symphony_bot.commands.run import run

    return run


def _sandbox() -> click.Command:
    from symphony_bot.commands.sandbox import sandbox

    return sandbox


def _scan() -> click.Command:
    from symphony_bot.commands.scan import scan

    return scan


def _site() -> click.Command:
    from symphony_bot.commands.site import site

    return site


def _stats() -> click.Command:
    from symphony_bot.commands.stats import stats

    return stats


# name -> the function that imports it. Keep sorted; a command module imports nothing heavy at top level.
COMMANDS: dict[str, Callable[[], click.Command]] = {
    "action": _action,
    "autorun": _autorun,
    "cancel": _cancel,
    "demo": _demo,
    "finalize": _finalize,
    "issue": _issue,
    "registry": _registry,
    "run": _run,
    "sandbox": _sandbox,
    "scan": _scan,
    "site": _site,
    "stats": _stats,
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        load = COMMANDS.get(cmd_name)
        return load() if load is not None else None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="symphony-bot")
def cli() -> None:
    """Run Maestro Symphony on GitHub: check the registry, find issues, run Auto Run documents."""


def main() -> None:
    cli(prog_name="symphony-bot")
