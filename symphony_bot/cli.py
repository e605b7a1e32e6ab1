"""The `symphony-bot` command line.

Sub-commands live in `symphony_bot.commands.<name>` and are imported only when used, so `--help` and
`--version` never pay for PyGithub, GitPython or jsonschema. A command that talks to GitHub builds the one
client of its invocation with `GitHubClient.from_env` and passes it down.
"""

from __future__ import annotations

import importlib

import click

from symphony_bot import __version__

# name -> "module:attribute". Keep sorted; each module imports only click at top level.
COMMANDS: dict[str, str] = {
    "action": "symphony_bot.commands.action:action",
    "autorun": "symphony_bot.commands.autorun:autorun",
    "issue": "symphony_bot.commands.issue:issue",
    "registry": "symphony_bot.commands.registry:registry",
    "sandbox": "symphony_bot.commands.sandbox:sandbox",
    "scan": "symphony_bot.commands.scan:scan",
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="symphony-bot")
def cli() -> None:
    """Run Maestro Symphony on GitHub: check the registry, find issues, run Auto Run documents."""


def main() -> None:
    cli(prog_name="symphony-bot")
