"""Set-up shared by the contribution end-to-end tests: the demo's world on a sandbox, and a runner for it."""

from __future__ import annotations

import sys
from pathlib import Path

from symphony_bot.agents.command import CommandAgent
from symphony_bot.contribution.config import RunConfig
from symphony_bot.contribution.runner import ContributionRunner
from symphony_bot.contribution.status_comment import STATUS_MARKER
from symphony_bot.demo import scenario
from symphony_bot.github.client import GitHubClient
from symphony_bot.github.pacer import Limits, Pacer

SLUG, OWNER, REPO = scenario.SLUG, scenario.OWNER, scenario.REPO
BOT, BOT_TOKEN = scenario.BOT_LOGIN, scenario.BOT_TOKEN


def client_for(sb, token: str = BOT_TOKEN, **options) -> GitHubClient:
    options.setdefault("max_retries", 4)
    return GitHubClient(sb.api_url, sb.graphql_url, token, pacer=Pacer(Limits.unlimited()), **options)


def script_agent(tmp_path: Path, body: str, name: str = "agent.py") -> CommandAgent:
    """A command agent running `body` (Python) with the SYMPHONY_* variables in `os.environ`."""
    path = tmp_path / name
    path.write_text("import os, re, sys, json, pathlib\n" + body)
    return CommandAgent([sys.executable, str(path)])


def demo_agent() -> CommandAgent:
    return CommandAgent(scenario.demo_agent_command())


def run_issue(sb, number: int, *, agent=None, token: str = BOT_TOKEN, events=None, **config):
    listeners = [events.append] if events is not None else []
    with client_for(sb, token) as client:
        runner = ContributionRunner(
            client,
            RunConfig(
                repository=SLUG,
                issue=number,
                agent=agent or demo_agent(),
                agent_name="command",
                token=token,
                task_timeout_s=60,
                inactivity_timeout_s=60,
                **config,
            ),
            listeners,
        )
        return runner.run()


def status_comments(sb, number: int) -> list:
    return [c for c in sb.comments(OWNER, REPO, number) if STATUS_MARKER in c.body]


def symphony_commits(sb, sha: str) -> list[str]:
    """Subjects of the `symphony:` commits behind `sha`, oldest first."""
    repo = sb.repo(OWNER, REPO)
    subjects = []
    while sha:
        info = sb.repositories.commit_info(repo, sha)
        if info is None or not info["message"].startswith("symphony:"):
            break
        subjects.append(info["message"].splitlines()[0])
        sha = info["parents"][0] if info["parents"] else None
    return list(reversed(subjects))
