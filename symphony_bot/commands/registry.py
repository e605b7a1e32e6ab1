"""`symphony-bot registry validate|diff`: check symphony-registry.json and review changes to it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from symphony_bot.commands.exit_codes import FINDINGS, OK, USAGE
from symphony_bot.commands.output import echo, error, print_commands, usage_error

FC = TypeVar("FC", bound=Callable[..., object])

DEFAULT_FILE = "symphony-registry.json"
FORMATS = ("text", "json", "github")
DIFF_FORMATS = ("text", "json", "markdown", "github")
UNREADABLE_TITLE = "unreadable"


def _format_option(choices: tuple[str, ...], help_text: str) -> Callable[[FC], FC]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default="text",
        show_default=True,
        help=help_text,
    )


@click.group()
def registry() -> None:
    """Check the project registry (symphony-registry.json) and review changes to it."""


@registry.command()
@click.argument("files", nargs=-1, metavar="[FILE ...]")
@_format_option(FORMATS, "text for people; json for tools; github for workflow annotations plus a job summary.")
def validate(files: tuple[str, ...], output_format: str) -> None:
    """Check each FILE (default ./symphony-registry.json) against the schema and the registry rules.

    Exit status: 0 valid (warnings allowed), 1 errors found, 2 a file could not be read.
    """
    from symphony_bot.registry import render as registry_render
    from symphony_bot.registry.sources import unreadable_reason
    from symphony_bot.registry.validate import FormatCheckerMissing, validate_file
    from symphony_bot.report import workflow_commands
    from symphony_bot.report.findings import has_errors

    reports = []
    unreadable = False
    for name in files or (DEFAULT_FILE,):
        try:
            reports.append(validate_file(Path(name)))
        except OSError as os_error:
            problem = unreadable_reason(name, os_error)
            error(problem)
            if output_format == "github":
                print_commands([workflow_commands.annotation("error", problem, file=name, title=UNREADABLE_TITLE)])
            unreadable = True
        except FormatCheckerMissing as missing:
            usage_error(str(missing))

    if output_format == "json":
        echo(registry_render.validation_json(reports), nl=False)
    elif output_format == "github":
        not_annotated = 0
        for report in reports:
            _, rest = workflow_commands.split_for_annotation(report.findings)
            not_annotated += len(rest)
            print_commands(workflow_commands.finding_annotations(report.path, report.findings))
        workflow_commands.append_summary(
            registry_render.validation_markdown(reports, workflow_commands.not_annotated_note(not_annotated))
        )
        echo(registry_render.validation_text(reports), nl=False)
    else:
        echo(registry_render.validation_text(reports), nl=False)

    if unreadable:
        sys.exit(USAGE)
    sys.exit(FINDINGS if any(has_errors(r.findings) or r.data is None for r in reports) else OK)


@registry.command()
@click.argument("files", nargs=-1, metavar="[BASE] HEAD")
@click.option(
    "--base-rev",
    metavar="REV",
    help="Read the base from git: HEAD's file as it is at revision REV (a commit, branch or tag), never from "
    "the work tree. Then give HEAD only.",
)
@_format_option(
    DIFF_FORMATS,
    "markdown for a pull request's job summary; github adds workflow annotations and writes the summary.",
)
def diff(files: tuple[str, ...], base_rev: str | None, output_format: str) -> None:
    """Show which projects a change adds, removes or edits, and check the rules of a change.

    BASE and HEAD are files in the work tree; with --base-rev REV, give HEAD only and the base is that file as
    it is at REV in git (e.g. --base-rev origin/main symphony-registry.json). A path is never read as a revision.
    Besides the rules of a change, HEAD is checked like `validate` does; what the change brings in is reported.
    Exit status: 0 fine (warnings and notices allowed), 1 errors found, 2 a file could not be read.
    """
    import json

    from symphony_bot.registry import render as registry_render
    from symphony_bot.registry.diff import diff_registries
    from symphony_bot.registry.jsondoc import path_deeper_than
    from symphony_bot.registry.sources import Source, SourceUnreadable, at_revision, load
    from symphony_bot.registry.validate import (
        MAX_NESTING_DEPTH,
        RegistryReport,
        introduced_findings,
        validate_document,
    )
    from symphony_bot.report import workflow_commands
    from symphony_bot.report.findings import has_errors

    wanted = 1 if base_rev is not None else 2
    if len(files) != wanted:
        raise click.UsageError(
            "give HEAD only: --base-rev REV names the base" if base_rev is not None else "give BASE and HEAD"
        )
    head = Source(files[-1])
    try:
        base = at_revision(base_rev, head.path) if base_rev is not None else Source(files[0])
        documents = [load(base), load(head)]
    except SourceUnreadable as unreadable:
        usage_error(str(unreadable))
    for source, document in zip((base, head), documents, strict=True):
        if document.data is not None and path_deeper_than(document.data, MAX_NESTING_DEPTH) is not None:
            document.data = None  # the validator names the place; the diff only refuses
            error(
                f"{source.display}: values are nested more than {MAX_NESTING_DEPTH} levels deep; "
                f"run `symphony-bot registry validate` on it to see where"
            )
            sys.exit(FINDINGS)
        if document.data is None:
            report = RegistryReport(path=source.display, findings=document.findings)
            if output_format == "github":
                print_commands(
                    workflow_commands.finding_annotations(
                        source.path if source is head else source.display, document.findings
                    )
                )
            echo(registry_render.validation_text([report]), nl=False, err=True)
            sys.exit(FINDINGS)

    head_path = head.path
    base_document, head_document = documents
    result = diff_registries(base_document.data, head_document.data, head_document.text)
    # A change is also judged by the registry's own rules: what it brings in that the base did not have.
    introduced = introduced_findings(
        validate_document(base.display, base_document).findings, validate_document(head_path, head_document).findings
    )
    result.findings = sorted([*result.findings, *introduced], key=lambda finding: (finding.line, finding.column))
    if output_format == "json":
        echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        echo(registry_render.diff_markdown(head_path, result), nl=False)
    elif output_format == "github":
        _, rest = workflow_commands.split_for_annotation(result.findings)
        print_commands(workflow_commands.finding_annotations(head_path, result.findings))
        workflow_commands.append_summary(
            registry_render.diff_markdown(head_path, result, workflow_commands.not_annotated_note(len(rest)))
        )
        echo(registry_render.diff_text(head_path, result), nl=False)
    else:
        echo(registry_render.diff_text(head_path, result), nl=False)
    sys.exit(FINDINGS if has_errors(result.findings) else OK)
