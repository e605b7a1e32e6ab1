"""`symphony-bot revise OWNER/REPO#PR`: turn the unresolved review threads of a PR this bot opened into a
revision (one task per thread from people who pass `who-can-run`), run it on the PR's branch, answer each thread
with its commit."""

from __future__ import annotations

import sys
from typing import Any

import click

from symphony_bot.commands.options import github_options
from symphony_bot.commands.run import agent_options
from symphony_bot.commands.verify_options import verify_options

REVISE_SUMMARY = (
    "Turn the unresolved review threads of a PR this bot opened into tasks, run them on its branch, and answer "
    "each thread with the commit that addressed it."
)


@click.command(help=REVISE_SUMMARY)
@click.argument("pull", metavar="OWNER/REPO#PR")
@click.option(
    "--who-can-run",
    metavar="POLICY",
    default=None,
    help="Whose review threads are heard: write (default), maintain, admin, or logins (as `who-can-run`).",
)
@click.option("--resolve/--no-resolve", default=None, help="Resolve each thread once its commit is pushed.")
@click.option("--request", "request_text", default="", metavar="TEXT", help="One more task: this request's text.")
@click.option("--request-id", type=int, default=None, hidden=True, help="The comment or review asking (the Action).")
@click.option("--request-author", default="", hidden=True, help="Who asked (the Action): heard only under the policy.")
@verify_options
@click.option("--json", "json_lines", is_flag=True, help="Print the engine's events as JSON Lines.")
@agent_options
@github_options
def revise(**options: Any) -> None:
    from symphony_bot.commands.revise_support import execute

    sys.exit(execute(options))
