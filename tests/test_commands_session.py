"""The read-only commands' GitHub session: a GitHubError inside ends the command with exit 1, neutralized."""

from __future__ import annotations

import click
from click.testing import CliRunner

from symphony_bot.commands.exit_codes import FINDINGS
from symphony_bot.commands.session import github_session
from symphony_bot.github.errors import GitHubError
from tests.actions_runner import command_lines

GITHUB_URL = "http://127.0.0.1:9"  # never asked: the error is raised before any request


def _run(raise_inside: Exception | None) -> tuple[int, str, str]:
    @click.command()
    def command() -> None:
        with github_session(GITHUB_URL) as client:
            click.echo(f"client for {client.api_url}")
            if raise_inside is not None:
                raise raise_inside
        click.echo("after")

    result = CliRunner().invoke(command, [], env={"GITHUB_TOKEN": "t"})
    return result.exit_code, result.stdout, result.stderr


def test_a_github_error_is_exit_one_with_its_message() -> None:
    code, stdout, stderr = _run(GitHubError("alice/proj has no issue #9\n##[error]forged", status=404))
    assert code == FINDINGS
    assert stdout == f"client for {GITHUB_URL}\n"  # nothing after the error runs
    assert stderr.startswith("error: alice/proj has no issue #9\n")
    assert command_lines(stderr) == []


def test_without_an_error_the_command_goes_on() -> None:
    assert _run(None) == (0, f"client for {GITHUB_URL}\nafter\n", "")


def test_other_exceptions_pass_through() -> None:
    @click.command()
    def command() -> None:
        with github_session(GITHUB_URL):
            raise ValueError("not GitHub's")

    result = CliRunner().invoke(command, [], env={"GITHUB_TOKEN": "t"})
    assert isinstance(result.exception, ValueError)
