"""`symphony-bot stats`: history, totals, streaks, achievements and the leaderboard, read back from GitHub."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from symphony_bot.commands.options import github_options
from symphony_bot.exit_codes import FINDINGS, OK, USAGE

FORMATS = ("table", "json", "markdown")
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$")


@click.command()
@click.option("--user", metavar="LOGIN", default=None, help="One contributor's numbers. Default: everyone's.")
@click.option(
    "--registry",
    "registries",
    multiple=True,
    metavar="PATH|URL",
    help="A symphony-registry.json file or URL (repeatable; the first entry for a slug wins). Default: Maestro's "
    "registry, unless --repo is given.",
)
@click.option("--repo", "repos", multiple=True, metavar="OWNER/NAME", help="A repository to read (repeatable).")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--refresh", is_flag=True, help="Ignore the cache (PRs 5 min, registry 2 h) and fetch again.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Cache directory. Default: $XDG_CACHE_HOME/symphony-bot.",
)
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
    from symphony_bot.cache import Cache
    from symphony_bot.github.client import TOKEN_ENV_VARIABLES, GitHubClient, GitHubError
    from symphony_bot.github.registry_source import DEFAULT_REGISTRY_URL, RegistryUnreadableError, load_registries
    from symphony_bot.github.scan import parse_slug
    from symphony_bot.stats.collect import collect
    from symphony_bot.stats.maths import report
    from symphony_bot.stats.render import report_json, report_markdown, report_table

    if user is not None and not _LOGIN.match(user):
        _usage(f"--user {user!r} is not a GitHub login (letters, digits and hyphens, up to 39 characters)")
    for repo in repos:
        if parse_slug(repo) is None:
            _usage(f"--repo {repo!r} is not OWNER/NAME (for example RunMaestro/Maestro)")
    cache = Cache(cache_dir, warn=warn)
    sources = list(registries) or ([] if repos else [DEFAULT_REGISTRY_URL])
    try:
        with GitHubClient.from_env(github_url) as client:
            if not client.authenticated:
                names = " or ".join(TOKEN_ENV_VARIABLES)
                warn(f"{names} is not set; GitHub's GraphQL API refuses requests without a token")
            try:
                selection = load_registries(sources, cache, client, refresh=refresh)
            except RegistryUnreadableError as error:
                _usage(str(error))
            for problem in selection.problems:
                warn(f"registry {problem}")
            if sources and selection.failed_sources == len(sources) and not repos:
                _echo("error: no registry could be read; see the warnings above", err=True)
                sys.exit(FINDINGS)
            slugs = selection.slugs + list(repos)
            collected = collect(client, slugs, selection.entries, cache=cache, refresh=refresh)
    except GitHubError as error:
        _echo(f"error: {error}", err=True)
        sys.exit(FINDINGS)
    for warning in collected.warnings:
        warn(warning)
    for failure in collected.failures:
        _echo(f"error: {failure}", err=True)

    result = report(collected.rows, user, dt.datetime.now(dt.UTC).date())
    if output_format == "json":
        data = report_json(result) | {"requests": collected.requests, "ignored": collected.warnings}
        _echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        _echo(report_markdown(result), nl=False)
    else:
        _echo(report_table(result), nl=False)
    sys.exit(FINDINGS if collected.failures or selection.failed_sources else OK)


def warn(message: str) -> None:
    _echo(f"warning: {message}", err=True)


def _usage(message: str) -> NoReturn:
    _echo(f"error: {message}", err=True)
    sys.exit(USAGE)


def _echo(text: str, **options: Any) -> None:
    """Print through `neutralize`: warnings and reports quote PR bodies, which anyone who can open a pull request
    writes, and no line of them may act as a workflow command in the pages workflow's log."""
    from symphony_bot.workflow_commands import neutralize

    click.echo(neutralize(text), **options)
