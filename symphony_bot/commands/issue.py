"""`symphony-bot issue parse|show`: one issue's documents, problems and status."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from symphony_bot.commands.exit_codes import FINDINGS, OK
from symphony_bot.commands.options import github_options
from symphony_bot.commands.output import echo, usage_error
from symphony_bot.commands.session import github_session
from symphony_bot.report.words import plural

if TYPE_CHECKING:
    from symphony_bot.github.issue_view import IssueView
    from symphony_bot.issues.body import ParsedBody

FORMATS = ("text", "json")
STDIN = "-"
# Bodies are read as bytes and capped: a few bytes more than the parser reads is enough to know it was cut.
MAX_INPUT_BYTES = 4 * 1024 * 1024 + 4


@click.group()
def issue() -> None:
    """Look at one issue: the Auto Run documents it lists, and whether it can be worked on."""


@issue.command()
@click.argument("source", default=STDIN, metavar="[FILE|-]")
@click.option(
    "--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True, help="Output."
)
def parse(source: str, output_format: str) -> None:
    """List the documents and problems of an issue body (a file, or - for stdin), offline.

    Run it before labelling an issue. Exit status: 0 usable, 1 the issue would be invalid (no document, or
    an unsafe reference), 2 the input could not be read.
    """
    from symphony_bot.issues.body import parse_body

    try:
        if source == STDIN:
            raw = sys.stdin.buffer.read(MAX_INPUT_BYTES)
        else:
            with open(source, "rb") as handle:
                raw = handle.read(MAX_INPUT_BYTES)
    except IsADirectoryError:
        usage_error(f"{source} is a directory; give the file that holds the issue body")
    except FileNotFoundError:
        usage_error(f"{source} does not exist; give the file that holds the issue body, or - for stdin")
    except OSError as error:
        usage_error(f"cannot read {source}: {error.strerror or error}")
    try:
        body = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        usage_error(f"{source}: byte {error.start} is not valid UTF-8; GitHub issue bodies are UTF-8 text")

    parsed = parse_body(body)
    if output_format == "json":
        echo(json.dumps(parsed.to_json(), indent=2, ensure_ascii=False))
    else:
        echo(render_parsed_text(parsed), nl=False)
    sys.exit(OK if parsed.valid else FINDINGS)


def render_parsed_text(parsed: ParsedBody) -> str:
    lines: list[str] = []
    if parsed.documents:
        lines.append(f"{plural(len(parsed.documents), 'document')}, in run order:")
        for index, document in enumerate(parsed.documents, start=1):
            where = document.url if document.external else document.path
            kind = "attachment" if document.external else "repository"
            lines.append(f"  {index}. {document.name}  ({kind}: {where}; line {document.line})")
    for problem in parsed.problems:
        lines.append(f"line {problem.line}: {problem.severity}: {problem.message} [{problem.code}]")
    lines.append("valid: documents found, nothing unsafe" if parsed.valid else "invalid: fix the errors above")
    return "\n".join(lines) + "\n"


@issue.command()
@click.argument("reference", metavar="OWNER/REPO#N")
@click.option(
    "--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True, help="Output."
)
@github_options
def show(reference: str, output_format: str, github_url: str | None) -> None:
    """Show one issue: status (with why, when invalid), claiming PR, and each document with its task counts on
    the default branch. A document missing there, or not UTF-8 text of at most 1 MB, makes the issue invalid.

    Exit status: 0 shown, 1 GitHub could not answer (missing repository or issue, rate limit), 2 bad usage.
    """
    from symphony_bot.github.issue_view import fetch_issue_view
    from symphony_bot.github.repository_batches import parse_slug

    slug_text, _, number_text = reference.partition("#")
    slug = parse_slug(slug_text)
    if slug is None or not number_text.isdigit() or int(number_text) <= 0:
        usage_error(f"{reference!r} is not OWNER/REPO#N (for example RunMaestro/Maestro#12)")
    with github_session(github_url) as client:
        view = fetch_issue_view(client, slug, int(number_text))
    if output_format == "json":
        echo(json.dumps(view.to_json(), indent=2, ensure_ascii=False))
    else:
        echo(render_issue_view(view), nl=False)
    sys.exit(OK)


def render_issue_view(view: IssueView) -> str:
    issue = view.issue
    lines = [f"{issue.repo}#{issue.number}: {issue.title}", f"  {issue.url}"]
    lines.append(f"  status: {issue.status}" + (f" ({issue.state_reason})" if issue.state_reason else ""))
    claim = issue.classification.claim
    if claim is not None:
        draft = "draft " if claim.is_draft else ""
        lines.append(
            f"  claim: {draft}PR #{claim.number} by @{claim.author or 'ghost'} "
            f"({claim.state.lower()}, branch {claim.head_branch}) {claim.url}"
        )
    others = [pull for pull in issue.linked_pull_requests if claim is None or pull.number != claim.number]
    for pull in others:
        lines.append(f"  also linked: PR #{pull.number} ({pull.state.lower()}) {pull.url}")
    if view.archived:
        lines.append("  the repository is archived: no PR can be opened")
    branch = view.default_branch or "-"
    lines.append(f"  {plural(len(view.documents), 'document')} (default branch {branch}):")
    for index, document in enumerate(view.documents, start=1):
        where = document.reference.url or document.reference.path
        if document.note is not None:
            detail = document.note
        else:
            total = (document.checked or 0) + (document.unchecked or 0)
            detail = f"{document.unchecked} of {plural(total, 'task')} open"
        lines.append(f"    {index}. {where} — {detail}")
    for reason in issue.classification.reasons:
        lines.append(f"  invalid: line {reason.line}: {reason.message} [{reason.code}]")
    for problem in issue.parsed.problems:
        if problem not in issue.classification.reasons:
            lines.append(f"  line {problem.line}: {problem.severity}: {problem.message} [{problem.code}]")
    return "\n".join(lines) + "\n"
