"""Every option that `--help` shows, of every command and sub-command, is documented in the README or a docs/
page, and every command is named there: an option nobody can read about does not exist for a newcomer."""

from __future__ import annotations

import re

import click

from symphony_bot.cli import cli
from tests.docs_pages import all_text


def commands(group: click.Group = cli, prefix: str = "") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        path = f"{prefix}{name}"
        found.append((path, command))
        if isinstance(command, click.Group):
            found.extend(commands(command, f"{path} "))
    return found


def shown_options(command: click.Command) -> list[str]:
    """The long option names `--help` lists (hidden options and --help itself aside)."""
    names = []
    for parameter in command.params:
        if isinstance(parameter, click.Option) and not parameter.hidden:
            names += [name for name in (*parameter.opts, *parameter.secondary_opts) if name.startswith("--")]
    return [name for name in names if name != "--help"]


def documented(option: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


def test_every_help_option_of_every_command_is_documented() -> None:
    text = all_text()
    found = commands()
    assert {"run", "scan", "sandbox serve", "registry diff", "issue show"} <= {path for path, _ in found}
    undocumented = [
        f"symphony-bot {path} {option}"
        for path, command in found
        for option in shown_options(command)
        if not documented(option, text)
    ]
    assert undocumented == []


def test_every_command_is_named_in_the_docs() -> None:
    text = all_text()
    assert [path for path, _ in commands() if f"symphony-bot {path}" not in text and f"`{path}`" not in text] == []


def test_an_option_is_found_only_as_a_whole_name() -> None:
    assert documented("--max-cost", "use `--max-cost 5`")
    assert not documented("--max", "use `--max-cost 5`")
    assert not documented("--cost", "use `--max-cost 5`")
