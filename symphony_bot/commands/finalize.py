"""`symphony-bot finalize OWNER/REPO#N`: mark this bot's claim PR ready for review as it is."""

from __future__ import annotations

import os
import sys

import click

from symphony_bot.commands.options import github_options


@click.command()
@click.argument("issue", metavar="OWNER/REPO#N")
@click.option("--requested-by", metavar="LOGIN", help="Who asked (named in the status comment).")
@github_options
def finalize(issue: str, requested_by: str | None, github_url: str | None) -> None:
    """Mark this bot's claim PR for the issue ready for review as it is (title without [WIP]); nothing is pushed.

    For a run that stopped short (stalled, halted, budget reached, stopped) whose work is worth reviewing: the
    status comment and the PR body then say "handed over for review" with the tasks done so far.
    Exit status: 0 ready; 1 no claim of ours, or a GitHub failure; 2 usage.
    """
    from symphony_bot.commands.output import echo, failure, usage_error
    from symphony_bot.commands.run_support import parse_issue
    from symphony_bot.contribution.finalize import finalize_claim
    from symphony_bot.github.client import GitHubClient, GitHubError

    try:
        repository, number = parse_issue(issue)
    except click.BadParameter as error:
        usage_error(str(error.message))
    with GitHubClient.from_env(github_url) as client:
        if not client.authenticated:
            usage_error("finalize writes to GitHub: set GITHUB_TOKEN or SYMPHONY_GITHUB_TOKEN")
        try:
            by = requested_by or os.environ.get("SYMPHONY_TRIGGERED_BY") or None
            result = finalize_claim(client, repository, number, requested_by=by)
        except GitHubError as error:
            failure(str(error))
    echo(result)
    sys.exit(0)
