"""`symphony-bot registry validate|diff`: check symphony-registry.json and review changes to it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from symphony_bot.exit_codes import FINDINGS, OK, USAGE

DEFAULT_FILE = "symphony-registry.json"
FORMATS = ("text", "json", "github")
DIFF_FORMATS = ("text", "json", "markdown", "github")


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
    from symphony_bot import registry_render, workflow_commands
    from symphony_bot.findings import has_errors
    from symphony_bot.registry import FormatCheckerMissing, validate_file

    reports = []
    unreadable = False
    for name in files or (DEFAULT_FILE,):
        try:
            reports.append(validate_file(Path(name)))
        except IsADirectoryError:
            click.echo(f"error: {name} is a directory; give the registry file itself", err=True)
            unreadable = True
        except FileNotFoundError:
            click.echo(f"error: {name} does not exist; pass the path of symphony-registry.json", err=True)
            unreadable = True
        except OSError as error:
            click.echo(f"error: cannot read {name}: {error.strerror or error}", err=True)
            unreadable = True
        except FormatCheckerMissing as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(USAGE)

    if output_format == "json":
        click.echo(registry_render.validation_json(reports), nl=False)
    elif output_format == "github":
        for report in reports:
            workflow_commands.print_lines(
                workflow_commands.finding_annotations(report.path, report.findings), sys.stdout
            )
        workflow_commands.append_summary(registry_render.validation_markdown(reports))
        click.echo(registry_render.validation_text(reports), nl=False)
    else:
        click.echo(registry_render.validation_text(reports), nl=False)

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

    from symphony_bot import registry_render, workflow_commands
    from symphony_bot.findings import has_errors
    from symphony_bot.jsondoc import parse_json_bytes
    from symphony_bot.registry import diff_registries

    base_document = parse_json_bytes(_read_source(base))
    head_document = parse_json_bytes(_read_source(head))
    for name, document in ((base, base_document), (head, head_document)):
        if document.data is None:
            click.echo(registry_render.validation_text([_as_report(name, document)]), nl=False, err=True)
            sys.exit(FINDINGS)

    result = diff_registries(base_document.data, head_document.data, head_document.text)
    head_path = head.split(":", 1)[1] if _is_revision_reference(head) else head
    if output_format == "json":
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        click.echo(registry_render.diff_markdown(head_path, result), nl=False)
    elif output_format == "github":
        workflow_commands.print_lines(workflow_commands.finding_annotations(head_path, result.findings), sys.stdout)
        workflow_commands.append_summary(registry_render.diff_markdown(head_path, result))
        click.echo(registry_render.diff_text(head_path, result), nl=False)
    else:
        click.echo(registry_render.diff_text(head_path, result), nl=False)
    sys.exit(FINDINGS if has_errors(result.findings) else OK)


def _is_revision_reference(source: str) -> bool:
    return ":" in source and not Path(source).exists()


def _read_source(source: str) -> bytes:
    """A path, or REV:PATH read through git."""
    if _is_revision_reference(source):
        from symphony_bot.gitops import GitError, read_file_at_revision

        revision, path = source.split(":", 1)
        try:
            return read_file_at_revision(Path.cwd(), revision, path)
        except GitError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(USAGE)
    try:
        return Path(source).read_bytes()
    except OSError as error:
        click.echo(f"error: cannot read {source}: {error.strerror or error}", err=True)
        sys.exit(USAGE)


def _as_report(name: str, document: Any) -> Any:
    from symphony_bot.registry import RegistryReport

    return RegistryReport(path=name, findings=document.findings)
