"""`symphony-bot site`: build the static projects site (GitHub Pages ready) from the registry, the scan and
the contribution PRs."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from symphony_bot.commands.exit_codes import FINDINGS, OK
from symphony_bot.commands.options import cache_options, github_options, registry_option
from symphony_bot.commands.output import echo, error, usage_error, warn
from symphony_bot.commands.repositories import select_repositories
from symphony_bot.commands.session import github_session
from symphony_bot.report.words import plural

DEFAULT_MAX_DOCUMENTS = 300
PREVIEW_STATUSES = ("available", "in_progress", "blocked")


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory to write the site into (created when missing; its projects/ and contributors/ folders are "
    "replaced, other files kept).",
)
@registry_option("Default: Maestro's registry.")
@click.option(
    "--max-documents",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_DOCUMENTS,
    show_default=True,
    help="Read at most N Auto Run documents from GitHub for task previews (one request each; cached 5 min). "
    "Documents of available, in-progress and blocked issues are read, in registry order.",
)
@cache_options("Ignore the cache (issues, PRs, documents 5 min; registry 2 h).")
@github_options
def site(  # noqa: PLR0917 (click passes every option as an argument)
    out: Path,
    registries: tuple[str, ...],
    max_documents: int,
    refresh: bool,
    cache_dir: Path | None,
    github_url: str | None,
) -> None:
    """Build the projects site: Projects (filters, search, keyboard), a page per project, Active, History, Stats.

    Static and self-contained: no server, no CDN. Exit status: 0 built, 1 built but some repository (or
    registry) could not be read — its page says so, 2 bad usage or the directory cannot be written.
    """
    from symphony_bot.github.cache import Cache
    from symphony_bot.github.document_previews import DocumentRequest, fetch_previews
    from symphony_bot.github.history import collect
    from symphony_bot.github.scan import scan
    from symphony_bot.site.build import SiteError, build_site
    from symphony_bot.site.model import projects_from
    from symphony_bot.stats.maths import report

    cache = Cache(cache_dir, warn=warn)
    with github_session(github_url) as client:
        selection = select_repositories(client, cache, registries, (), refresh=refresh)
        scanned = scan(client, selection.slugs, include_closed=True, cache=cache, refresh=refresh)
        collected = collect(client, selection.slugs, selection.entries, cache=cache, refresh=refresh)
        wanted = [
            DocumentRequest(issue.repo, result.default_branch, reference.path)
            for result in scanned.repositories
            if result.default_branch
            for issue in result.issues
            if str(issue.status) in PREVIEW_STATUSES
            for reference in issue.parsed.documents
            if reference.path and not reference.external
        ]
        previews = fetch_previews(client, wanted, limit=max_documents, cache=cache, refresh=refresh)
    for warning in collected.warnings:
        warn(warning)
    if previews.skipped:
        warn(f"{previews.skipped:,} documents were not read for task previews (--max-documents {max_documents:,})")
    failed = [result for result in scanned.repositories if result.failed]
    for result in failed:
        error(f"{result.slug}: {result.problems[0].message}")
    reported = {result.slug for result in failed}
    for unread in collected.failures:
        if not any(slug in unread for slug in reported):  # the scan already said why this one failed
            error(unread)

    now = dt.datetime.now(dt.UTC)
    projects = projects_from(selection.entries, {result.slug.casefold(): result for result in scanned.repositories})
    try:
        stats = report(collected.rows, None, now.date())
        built = build_site(out, projects, stats, now.strftime("%Y-%m-%d %H:%M UTC"), previews.previews)
    except SiteError as site_error:
        usage_error(str(site_error))
    requests, reads = scanned.requests + collected.requests, previews.read
    echo(
        f"wrote {plural(built.pages, 'page')} ({built.bytes / 1024:,.0f} KiB) for {plural(len(projects), 'project')} "
        f"to {out} in {plural(requests, 'GraphQL request')} and {plural(reads, 'document read')}"
    )
    sys.exit(FINDINGS if failed or collected.failures or selection.failed_sources else OK)
