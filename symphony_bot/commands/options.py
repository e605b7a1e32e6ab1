"""Options several commands share. Imports only click, so `--help` stays fast."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])


def github_options(function: F) -> F:
    """The options every command that talks to GitHub takes."""
    return click.option(
        "--github-url",
        metavar="URL",
        default=None,
        help="GitHub REST API base URL. Default: $GITHUB_API_URL, else https://api.github.com. "
        "Token: $SYMPHONY_GITHUB_TOKEN, else $GITHUB_TOKEN.",
    )(function)


REGISTRY_HELP = "A symphony-registry.json file or URL (repeatable; the first entry for a slug wins). "


def registry_option(default: str) -> Callable[[F], F]:
    """--registry PATH|URL (repeatable) into `registries`; `default` says what is read without it."""
    return click.option("--registry", "registries", multiple=True, metavar="PATH|URL", help=REGISTRY_HELP + default)


def cache_options(refresh_help: str) -> Callable[[F], F]:
    """--refresh (`refresh_help` names what is cached, for how long) and --cache-dir."""

    def decorate(function: F) -> F:
        function = click.option(
            "--cache-dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Cache directory. Default: $XDG_CACHE_HOME/symphony-bot.",
        )(function)
        return click.option("--refresh", is_flag=True, help=refresh_help)(function)

    return decorate
