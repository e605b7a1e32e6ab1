"""The commands' one printer: everything neutralized, and the exit codes of its error helpers."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from symphony_bot.commands.exit_codes import FINDINGS, USAGE
from symphony_bot.commands.output import echo, error, failure, print_commands, usage_error, warn
from symphony_bot.report.workflow_commands import annotation
from tests.actions_runner import command_lines, forged_commands

HOSTILE = "::error::a\n    ::error::b\n##[add-mask]c\n\u2028::add-mask::d\n\u0085::error::e"


def _invoke(body: object) -> tuple[int, str, str]:
    @click.command()
    def command() -> None:
        body()  # type: ignore[operator]

    result = CliRunner().invoke(command, [])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("printer", "code", "stream"),
    [
        (lambda: echo(HOSTILE), 0, "stdout"),
        (lambda: echo(HOSTILE, err=True), 0, "stderr"),
        (lambda: warn(HOSTILE), 0, "stderr"),
        (lambda: error(HOSTILE), 0, "stderr"),
        (lambda: usage_error(HOSTILE), USAGE, "stderr"),
        (lambda: failure(HOSTILE), FINDINGS, "stderr"),
    ],
)
def test_every_printer_neutralizes(printer: object, code: int, stream: str) -> None:
    exit_code, stdout, stderr = _invoke(printer)
    assert exit_code == code
    printed = stdout if stream == "stdout" else stderr
    assert "error" in printed and "add-mask" in printed  # shown, inert
    assert command_lines(stdout + stderr) == []


def test_prefixes() -> None:
    assert _invoke(lambda: warn("w"))[2] == "warning: w\n"
    assert _invoke(lambda: usage_error("u"))[2] == "error: u\n"


def test_print_commands_prints_own_annotations_as_commands() -> None:
    line = annotation("error", HOSTILE, file="x.json", line=1, column=2, title="bad-slug")
    _, stdout, _ = _invoke(lambda: print_commands([line]))
    assert command_lines(stdout) == [line]
    assert forged_commands(stdout) == []
