"""Repository labels: the one `symphony-bot init` creates (REST `POST /repos/{owner}/{repo}/labels`)."""

from __future__ import annotations

from urllib.parse import quote

from symphony_bot.github import write_retry
from symphony_bot.github.client import GitHubClient, GitHubError


def ensure(client: GitHubClient, repo: str, name: str, *, color: str, description: str) -> bool:
    """Create the label unless it exists (any case: GitHub's label names are case-insensitive). True: created."""
    try:
        write_retry.request(client, "GET", f"/repos/{repo}/labels/{quote(name, safe='')}")
    except GitHubError as error:
        if error.status != 404:
            raise
    else:
        return False
    write_retry.request(
        client,
        "POST",
        f"/repos/{repo}/labels",
        body={"name": name, "color": color, "description": description},
        retry=False,
    )
    return True
