"""`symphony-bot cancel OWNER/REPO#N`: stop the running job, then release this bot's claim on an issue."""

from __future__ import annotations

import os

import click

from symphony_bot.commands.options import github_options

REQUESTED_BY_ENV = "SYMPHONY_TRIGGERED_BY"
OWN_RUN_ENV = "GITHUB_RUN_ID"


@click.command()
@click.argument("issue", metavar="OWNER/REPO#N")
@click.option("--keep-branch", is_flag=True, help="Close the PR but keep its branch.")
@click.option("--requested-by", metavar="LOGIN", help="Who asked (named in the status comment).")
@click.option(
    "--wait",
    "wait_s",
    type=click.FloatRange(min=0),
    default=150.0,
    show_default=True,
    help="Seconds to wait for the cancelled job to end before the PR is closed.",
)
@github_options
def cancel(issue: str, keep_branch: bool, requested_by: str | None, wait_s: float, github_url: str | None) -> None:
    """Cancel the workflow run the status comment links (Actions API) and wait for it to end; then close this
    bot's open PR for the issue (deleting its branch) and say cancelled in the status comment, task table kept.

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
            result = cancel_claim(
                client,
                repository,
                number,
                keep_branch=keep_branch,
                requested_by=requested_by or os.environ.get(REQUESTED_BY_ENV) or None,
                own_run_id=os.environ.get(OWN_RUN_ENV) or None,  # never cancel the job this runs in
                wait_s=wait_s,
            )
        except GitHubError as error:
            failure(str(error))
    echo(result)
