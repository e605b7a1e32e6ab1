"""`symphony-bot cancel OWNER/REPO#N`: release this bot's claim on an issue."""

from __future__ import annotations

import click

from symphony_bot.commands.options import github_options


@click.command()
@click.argument("issue", metavar="OWNER/REPO#N")
@click.option("--keep-branch", is_flag=True, help="Close the PR but keep its branch.")
@github_options
def cancel(issue: str, keep_branch: bool, github_url: str | None) -> None:
    """Close this bot's open PR for the issue (deleting its branch) and finalise the status comment.

    Exit status: 0 released (or nothing to release); 1 GitHub failure; 2 usage.
    """
    from symphony_bot.commands.output import echo, failure, usage_error
    from symphony_bot.commands.run_support import parse_issue
    from symphony_bot.contribution.cancel import cancel_claim
    from symphony_bot.github.client import GitHubClient, GitHubError

    try:
        repository, number = parse_issue(issue)
    except click.BadParameter as error:
        usage_error(str(error.message))
    with GitHubClient.from_env(github_url) as client:
        if not client.authenticated:
            usage_error("cancel writes to GitHub: set GITHUB_TOKEN or SYMPHONY_GITHUB_TOKEN")
        try:
            result = cancel_claim(client, repository, number, keep_branch=keep_branch)
        except GitHubError as error:
            failure(str(error))
    echo(result)
