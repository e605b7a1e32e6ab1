"""Shared set-up for the sandbox tests: a populated sandbox and unchanged PyGithub clients pointed at it."""

from __future__ import annotations

from github import Auth, Github

from symphony_bot.sandbox import Sandbox

OWNER, REPO = "maintainer", "project"
TOKENS = {"maintainer": "maintainer-token", "contributor": "contributor-token", "stranger": "stranger-token"}


def github(sb: Sandbox, login: str, per_page: int = 30) -> Github:
    return Github(
        base_url=sb.api_url,
        auth=Auth.Token(TOKENS[login]),
        retry=None,
        seconds_between_requests=0,
        seconds_between_writes=0,
        per_page=per_page,
    )


def populate(sb: Sandbox) -> None:
    for login, token in TOKENS.items():
        sb.add_user(login, token=token)
    sb.create_repo(OWNER, REPO, files={"README.md": "hello\n", "docs/tasks.md": "- [ ] one\n"})
    sb.add_label(OWNER, REPO, "runmaestro.ai", color="0e8a16")
    sb.set_permission(OWNER, REPO, "contributor", "write")
