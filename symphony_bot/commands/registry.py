"""`symphony-bot registry validate|diff`: check symphony-registry.json and review changes to it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from symphony_bot.exit_codes import FINDINGS, OK, USAGE

if TYPE_CHECKING:
    from symphony_bot.jsondoc import JsonDocument

DEFAULT_FILE = "symphony-registry.json"
FORMATS = ("text", "json", "github")
DIFF_FORMATS = ("text", "json", "markdown", "github")
UNREADABLE_TITLE = "unreadable"


@click.group()
def registry() -> None:
    """Check the project registry (symphony-registry.json) and review changes to it."""


@registry.command()
@click.argument("files", nargs=-1, metavar="[FILE ...]")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for people; json for tools; github for workflow annotations plus a job summary.",
)
def validate(files: tuple[str, ...], output_format: str) -> None:
    """Check each FILE (default ./symphony-registry.json) against the schema and the registry rules.

    Exit status: 0 valid (warnings allowed), 1 errors found, 2 a file could not be read.
    """
    from symphony_bot import workflow_commands
    from symphony_bot.findings import has_errors
    from symphony_bot.registry import render as registry_render
    from symphony_bot.registry.sources import unreadable_reason
    from symphony_bot.registry.validate import FormatCheckerMissing, validate_file

    reports = []
    unreadable = False
    for name in files or (DEFAULT_FILE,):
        try:
            reports.append(validate_file(Path(name)))
        except OSError as error:
            problem = unreadable_reason(name, error)
            _say(f"error: {problem}", err=True)
            if output_format == "github":
                click.echo(workflow_commands.annotation("error", problem, file=name, title=UNREADABLE_TITLE))
            unreadable = True
        except FormatCheckerMissing as error:
            _say(f"error: {error}", err=True)
            sys.exit(USAGE)

    if output_format == "json":
        _say(registry_render.validation_json(reports), nl=False)
    elif output_format == "github":
        not_annotated = 0
        for report in reports:
            _, rest = workflow_commands.split_for_annotation(report.findings)
            not_annotated += len(rest)
            workflow_commands.print_lines(
                workflow_commands.finding_annotations(report.path, report.findings), sys.stdout
            )
        workflow_commands.append_summary(
            registry_render.validation_markdown(reports, workflow_commands.not_annotated_note(not_annotated))
        )
        _say(registry_render.validation_text(reports), nl=False)
    else:
        _say(registry_render.validation_text(reports), nl=False)

    if unreadable:
        sys.exit(USAGE)
    sys.exit(FINDINGS if any(has_errors(r.findings) or r.data is None for r in reports) else OK)


@registry.command()
@click.argument("base", metavar="BASE")
@click.argument("head", metavar="HEAD")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(DIFF_FORMATS),
    default="text",
    show_default=True,
    help="markdown for a pull request's job summary; github adds workflow annotations and writes the summary.",
)
def diff(base: str, head: str, output_format: str) -> None:
    """Show which projects a change adds, removes or edits, and check the rules of a change.

    BASE and HEAD are file paths, or REV:PATH to read a file from git (e.g. origin/main:symphony-registry.json).
    Exit status: 0 fine (warnings and notices allowed), 1 errors found, 2 a file could not be read.
    """
    import json

    from symphony_bot import workflow_commands
    from symphony_bot.findings import has_errors
    from symphony_bot.jsondoc import path_deeper_than
    from symphony_bot.registry import render as registry_render
    from symphony_bot.registry.diff import diff_registries
    from symphony_bot.registry.sources import display_path
    from symphony_bot.registry.validate import MAX_NESTING_DEPTH, RegistryReport

    head_path = display_path(head)
    documents = {base: _load_source(base), head: _load_source(head)}
    for name, document in documents.items():
        if document.data is not None and path_deeper_than(document.data, MAX_NESTING_DEPTH) is not None:
            document.data = None  # the validator names the place; the diff only refuses
            _say(
                f"error: {name}: values are nested more than {MAX_NESTING_DEPTH} levels deep; "
                f"run `symphony-bot registry validate` on it to see where",
                err=True,
            )
            sys.exit(FINDINGS)
        if document.data is None:
            report = RegistryReport(path=name, findings=document.findings)
            if output_format == "github":
                workflow_commands.print_lines(
                    workflow_commands.finding_annotations(head_path if name == head else name, document.findings),
                    sys.stdout,
                )
            _say(registry_render.validation_text([report]), nl=False, err=True)
            sys.exit(FINDINGS)

    result = diff_registries(documents[base].data, documents[head].data, documents[head].text)
    if output_format == "json":
        _say(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        _say(registry_render.diff_markdown(head_path, result), nl=False)
    elif output_format == "github":
        _, rest = workflow_commands.split_for_annotation(result.findings)
        workflow_commands.print_lines(workflow_commands.finding_annotations(head_path, result.findings), sys.stdout)
        workflow_commands.append_summary(
            registry_render.diff_markdown(head_path, result, workflow_commands.not_annotated_note(len(rest)))
        )
        _say(registry_render.diff_text(head_path, result), nl=False)
    else:
        _say(registry_render.diff_text(head_path, result), nl=False)
    sys.exit(FINDINGS if has_errors(result.findings) else OK)


def _say(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Print anything but this command's own annotations: neutralized, so no value from a registry can become a
    workflow command in an Actions log (see `symphony_bot.workflow_commands.neutralize`)."""
    from symphony_bot.workflow_commands import neutralize

    click.echo(neutralize(text), err=err, nl=nl)


def _load_source(source: str) -> JsonDocument:
    from symphony_bot.registry.sources import SourceUnreadable, load_source

    try:
        return load_source(source)
    except SourceUnreadable as error:
        _say(f"error: {error}", err=True)
        sys.exit(USAGE)
