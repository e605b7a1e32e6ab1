"""`symphony-bot scan`: every `runmaestro.ai` issue of the registered repositories, with its status."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from symphony_bot.commands.exit_codes import FINDINGS, OK
from symphony_bot.commands.options import cache_options, github_options, registry_option
from symphony_bot.commands.output import echo, error, usage_error, warn
from symphony_bot.commands.repositories import check_repos, select_repositories
from symphony_bot.commands.session import github_session
from symphony_bot.issues.status import IssueStatus
from symphony_bot.report.words import plural

if TYPE_CHECKING:
    from symphony_bot.github.issue_queries import ScannedIssue
    from symphony_bot.github.scan import ScanResult

FORMATS = ("table", "json", "matrix")
STATUSES = tuple(str(status) for status in IssueStatus)
MATRIX_DEFAULT_STATUSES = (str(IssueStatus.AVAILABLE),)
MATRIX_MAX_ENTRIES = 256  # GitHub Actions: a matrix may generate at most 256 jobs per workflow run
JSON_SCHEMA_VERSION = 1
JSON_SCHEMA_ID = "https://runmaestro.ai/schemas/scan.schema.json"
TITLE_WIDTH = 60
REASON_INDENT = " " * 10  # under the status column: why an invalid issue cannot be worked on


@click.command()
@registry_option("Default: Maestro's registry, unless --repo is given.")
@click.option("--repo", "repos", multiple=True, metavar="OWNER/NAME", help="A repository to scan (repeatable).")
@click.option(
    "--status",
    "status_list",
    metavar="LIST",
    default=None,
    help=f"Comma-separated statuses to list: {', '.join(STATUSES)}. Default: all (matrix: available).",
)
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="List at most N issues.")
@cache_options("Ignore the cache (issues 5 min, registry 2 h) and fetch again.")
@github_options
def scan(  # noqa: PLR0917 (click passes every option as an argument)
    registries: tuple[str, ...],
    repos: tuple[str, ...],
    status_list: str | None,
    output_format: str,
    limit: int | None,
    refresh: bool,
    cache_dir: Path | None,
    github_url: str | None,
) -> None:
    """List the runmaestro.ai issues of the registered repositories and whether each can be worked on.

    Exit status: 0 every repository scanned, 1 some repository (or registry) failed — the rest is still
    printed, 2 bad usage.
    """
    from symphony_bot.github.cache import Cache
    from symphony_bot.github.scan import scan as run_scan

    statuses = _parse_statuses(status_list, output_format)
    check_repos(repos)
    cache = Cache(cache_dir, warn=warn)
    with github_session(github_url) as client:
        selection = select_repositories(client, cache, registries, repos, refresh=refresh)
        slugs = selection.slugs + list(repos)
        include_closed = str(IssueStatus.COMPLETED) in statuses
        result = run_scan(client, slugs, include_closed=include_closed, cache=cache, refresh=refresh)

    listed = [issue for issue in result.issues if str(issue.status) in statuses]
    truncated = limit is not None and len(listed) > limit
    listed = listed[:limit] if limit is not None else listed

    for repository in result.repositories:
        for problem in repository.problems:
            (error if problem.fatal else warn)(f"{repository.slug}: {problem.message} [{problem.code}]")

    if output_format == "json":
        echo(json.dumps(scan_json(result, listed, statuses, truncated), indent=2, ensure_ascii=False))
    elif output_format == "matrix":
        entries = [{"repo": issue.repo, "issue": issue.number} for issue in listed]
        if len(entries) > MATRIX_MAX_ENTRIES:
            warn(
                f"{len(entries)} issues match; a GitHub Actions matrix takes at most {MATRIX_MAX_ENTRIES}, "
                f"so only the first {MATRIX_MAX_ENTRIES} are listed (use --status or --limit to choose)"
            )
            entries = entries[:MATRIX_MAX_ENTRIES]
        echo(json.dumps({"include": entries}, separators=(",", ":")))
    else:
        echo(render_table(result, listed), nl=False)
    sys.exit(FINDINGS if result.failed or selection.failed_sources else OK)


def _parse_statuses(status_list: str | None, output_format: str) -> tuple[str, ...]:
    if status_list is None:
        return MATRIX_DEFAULT_STATUSES if output_format == "matrix" else STATUSES
    wanted = tuple(part.strip().lower().replace("-", "_") for part in status_list.split(",") if part.strip())
    unknown = [status for status in wanted if status not in STATUSES]
    if unknown or not wanted:
        usage_error(f"--status {status_list!r}: use a comma-separated list of {', '.join(STATUSES)}")
    return wanted


def scan_json(
    result: ScanResult, listed: list[ScannedIssue], statuses: tuple[str, ...], truncated: bool
) -> dict[str, Any]:
    """The stable JSON shape (schemas/scan.schema.json)."""
    counts = dict.fromkeys(STATUSES, 0)
    for issue in result.issues:
        counts[str(issue.status)] += 1
    return {
        "$schema": JSON_SCHEMA_ID,
        "schemaVersion": JSON_SCHEMA_VERSION,
        "generatedAt": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "statuses": list(statuses),
        "truncated": truncated,
        "counts": counts,
        "requests": result.requests,
        "points": result.points,
        "rateLimit": result.rate_limit.to_json() if result.rate_limit is not None else None,
        "repositories": [repository.to_json() for repository in result.repositories],
        "issues": [issue.to_json() for issue in listed],
    }


def render_table(result: ScanResult, listed: list[ScannedIssue]) -> str:
    by_repo: dict[str, list[ScannedIssue]] = {}
    for issue in listed:
        by_repo.setdefault(issue.repo, []).append(issue)
    lines: list[str] = []
    for repository in result.repositories:
        name = repository.name_with_owner or repository.slug
        issues = by_repo.get(name, [])
        if repository.failed:
            lines.append(f"{repository.slug}: not scanned ({repository.problems[0].message})")
            continue
        if not issues:
            continue
        lines.append(f"{name}  ({len(issues)} of {plural(len(repository.issues), 'issue')})")
        for issue in issues:
            documents = len(issue.parsed.documents)
            title = issue.title if len(issue.title) <= TITLE_WIDTH else issue.title[: TITLE_WIDTH - 1] + "…"
            lines.append(
                f"  #{issue.number:<6} {issue.status!s:<12} {documents:>3} doc{'s' if documents != 1 else ' '}  "
                f"{title}{_claim_text(issue)}"
            )
            lines += [
                f"{REASON_INDENT}why: {reason.message} [{reason.code}]" for reason in issue.classification.reasons
            ]
    counts: dict[str, int] = {}
    for issue in listed:
        counts[str(issue.status)] = counts.get(str(issue.status), 0) + 1
    summary = ", ".join(f"{count} {status}" for status, count in counts.items()) or "no matching issues"
    repositories = plural(len(result.repositories), "repository", "repositories")
    lines.append(f"{plural(len(listed), 'issue')} in {repositories}: {summary}")
    return "\n".join(lines) + "\n"


def _claim_text(issue: ScannedIssue) -> str:
    claim = issue.classification.claim
    if claim is None:
        return ""
    kind = "draft PR" if claim.is_draft else "PR"
    verb = "completed by" if issue.status is IssueStatus.COMPLETED else "claimed by"
    return f"  [{verb} {kind} #{claim.number} @{claim.author or 'ghost'}]"
