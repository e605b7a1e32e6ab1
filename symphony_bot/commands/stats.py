"""`symphony-bot stats`: history, totals, streaks, achievements and the leaderboard, read back from GitHub."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

import click

from symphony_bot.commands.exit_codes import FINDINGS, OK
from symphony_bot.commands.options import cache_options, github_options, registry_option
from symphony_bot.commands.output import echo, error, usage_error, warn
from symphony_bot.commands.repositories import check_repos, select_repositories
from symphony_bot.commands.session import github_session

FORMATS = ("table", "json", "markdown")
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$")


@click.command()
@click.option("--user", metavar="LOGIN", default=None, help="One contributor's numbers. Default: everyone's.")
@registry_option("Default: Maestro's registry, unless --repo is given.")
@click.option("--repo", "repos", multiple=True, metavar="OWNER/NAME", help="A repository to read (repeatable).")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="table", show_default=True)
@cache_options("Ignore the cache (PRs 5 min, registry 2 h) and fetch again.")
@github_options
def stats(  # noqa: PLR0917 (click passes every option as an argument)
    user: str | None,
    registries: tuple[str, ...],
    repos: tuple[str, ...],
    output_format: str,
    refresh: bool,
    cache_dir: Path | None,
    github_url: str | None,
) -> None:
    """Show Symphony contributions: history, totals, streaks (in ISO weeks), achievements, leaderboard.

    Contributions are the PRs in the registered repositories whose body carries the runner's metadata block;
    a malformed or forged block is ignored with a warning. Exit status: 0 ok, 1 some repository (or registry)
    could not be read — the rest is still shown, 2 bad usage.
    """
    from symphony_bot.github.cache import Cache
    from symphony_bot.github.history import collect
    from symphony_bot.stats.maths import report
    from symphony_bot.stats.render import report_json, report_markdown, report_table

    if user is not None and not _LOGIN.match(user):
        usage_error(f"--user {user!r} is not a GitHub login (letters, digits and hyphens, up to 39 characters)")
    check_repos(repos)
    cache = Cache(cache_dir, warn=warn)
    with github_session(github_url) as client:
        selection = select_repositories(client, cache, registries, repos, refresh=refresh)
        slugs = selection.slugs + list(repos)
        collected = collect(client, slugs, selection.entries, cache=cache, refresh=refresh)
    for warning in collected.warnings:
        warn(warning)
    for unread in collected.failures:
        error(unread)

    result = report(collected.rows, user, dt.datetime.now(dt.UTC).date())
    if output_format == "json":
        data = report_json(result) | {"requests": collected.requests, "ignored": collected.warnings}
        echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        echo(report_markdown(result), nl=False)
    else:
        echo(report_table(result), nl=False)
    sys.exit(FINDINGS if collected.failures or selection.failed_sources else OK)
