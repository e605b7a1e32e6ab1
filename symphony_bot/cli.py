"""The `symphony-bot` command line.

Sub-commands live in `symphony_bot.commands.<name>` and are imported only when used, so `--help` and
`--version` never pay for PyGithub, GitPython or jsonschema. Commands that talk to GitHub get the client
from `github_client()`, built once per invocation here and passed down.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import click

from symphony_bot import __version__

# name -> "module:attribute". Keep sorted; each module imports only click at top level.
COMMANDS: dict[str, str] = {
    "autorun": "symphony_bot.commands.autorun:autorun",
    "issue": "symphony_bot.commands.issue:issue",
    "registry": "symphony_bot.commands.registry:registry",
    "sandbox": "symphony_bot.commands.sandbox:sandbox",
    "scan": "symphony_bot.commands.scan:scan",
}

DEFAULT_API_URL = "https://api.github.com"
TOKEN_ENV = "GITHUB_TOKEN"  # noqa: S105 (the variable name, not a secret)


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, target in COMMANDS.items() if _module_exists(target))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None or not _module_exists(target):
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


def _module_exists(target: str) -> bool:
    # Sub-commands land one issue at a time; an entry whose module is not there yet is simply not offered.
    import importlib.util

    return importlib.util.find_spec(target.split(":", maxsplit=1)[0]) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="symphony-bot")
def cli() -> None:
    """Run Maestro Symphony on GitHub: check the registry, find issues, run Auto Run documents."""


def github_options(function: Any) -> Any:
    """The options every command that talks to GitHub takes."""
    function = click.option(
        "--github-url",
        metavar="URL",
        default=None,
        help="GitHub REST API base URL. Default: $GITHUB_API_URL, else https://api.github.com.",
    )(function)
    return function


def resolve_api_urls(github_url: str | None) -> tuple[str, str]:
    """(REST base URL, GraphQL URL), honouring the variables Actions runners set."""
    api_url = (github_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
    graphql_url = os.environ.get("GITHUB_GRAPHQL_URL") if not github_url else None
    if not graphql_url:
        # github.com: https://api.github.com/graphql; GHES: https://host/api/v3 -> https://host/api/graphql
        graphql_url = api_url[: -len("/v3")] + "/graphql" if api_url.endswith("/v3") else api_url + "/graphql"
    return api_url, graphql_url


def github_client(github_url: str | None) -> Any:
    """Build the one GitHub client of this invocation (a `symphony_bot.github.client.GitHubClient`) from the
    token in $GITHUB_TOKEN."""
    # Imported by name: the client module arrives with the discovery commands, the first to talk to GitHub.
    client_module = importlib.import_module("symphony_bot.github.client")
    token = os.environ.get(TOKEN_ENV, "").strip()
    api_url, graphql_url = resolve_api_urls(github_url)
    return client_module.GitHubClient(api_url=api_url, graphql_url=graphql_url, token=token or None)


def main() -> None:
    cli(prog_name="symphony-bot")
