"""Options several commands share. Imports only click, so `--help` stays fast."""

from __future__ import annotations

from collections.abc import Callable
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
