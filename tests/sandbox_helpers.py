"""Shared set-up for the sandbox tests: a populated sandbox and unchanged PyGithub clients pointed at it."""

from __future__ import annotations

import os
import subprocess

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


# Real git against the sandbox remote, isolated from the user's and the system's git configuration.
ENV = {
    **os.environ,
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(*args, cwd=None, check=True):
    result = subprocess.run(["git", *args], cwd=cwd, env=ENV, capture_output=True, text=True, check=False)
    if check and result.returncode:
        raise AssertionError(f"git {args} -> {result.returncode}: {result.stderr}")
    return result


def with_token(url: str, token: str, user: str = "x-access-token") -> str:
    return url.replace("http://", f"http://{user}:{token}@")
