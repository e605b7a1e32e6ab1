"""The one GitHub client of a command's invocation, for the commands that only read: a GitHubError (missing
repository, rate limit, network) anywhere inside ends the command with its message and exit 1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from symphony_bot.commands.output import failure

if TYPE_CHECKING:
    from symphony_bot.github.client import GitHubClient


@contextmanager
def github_session(github_url: str | None) -> Iterator[GitHubClient]:
    """`GitHubClient.from_env(github_url)`, closed on the way out; a GitHubError becomes `error: …`, exit 1."""
    from symphony_bot.github.client import GitHubClient, GitHubError

    try:
        with GitHubClient.from_env(github_url) as client:
            yield client
    except GitHubError as error:
        failure(str(error))
