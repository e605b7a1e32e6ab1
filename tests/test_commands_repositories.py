"""The repositories `scan`, `stats` and `site` read: one check of --repo and one registry loader for all three."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from symphony_bot.cli import cli
from symphony_bot.commands.repositories import NO_REGISTRY_READ
from tests.actions_runner import command_lines
from tests.http_helpers import closed_port

# GitHub is never asked: every case below ends before the first request.
COMMANDS = {
    "scan": ["scan"],
    "stats": ["stats"],
    "site": ["site", "--out", "{tmp}/site"],
}


def _invoke(tmp_path: Path, name: str, *extra: str) -> tuple[int, str]:
    args = [part.replace("{tmp}", str(tmp_path)) for part in COMMANDS[name]]
    github_url = f"http://127.0.0.1:{closed_port()}"
    args += ["--github-url", github_url, "--cache-dir", str(tmp_path / "cache"), *extra]
    result = CliRunner().invoke(cli, args, env={"GITHUB_TOKEN": "t", "SYMPHONY_GITHUB_TOKEN": ""})
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_no_readable_registry_is_exit_one(tmp_path: Path, name: str) -> None:
    hollow = tmp_path / "hollow.json"
    hollow.write_text('{"projects": []}')
    broken = tmp_path / "broken.json"
    broken.write_text("{::error::x")
    code, stderr = _invoke(tmp_path, name, "--registry", str(hollow), "--registry", str(broken))
    assert code == 1
    assert f'warning: registry {hollow}: no "repositories" array' in stderr
    assert f"warning: registry {broken}: line 1" in stderr
    assert stderr.rstrip().endswith(f"error: {NO_REGISTRY_READ}")
    assert command_lines(stderr) == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_missing_registry_file_is_a_usage_error(tmp_path: Path, name: str) -> None:
    code, stderr = _invoke(tmp_path, name, "--registry", str(tmp_path / "missing.json"))
    assert code == 2
    assert "missing.json does not exist; give a registry file or URL" in stderr


@pytest.mark.parametrize("name", ["scan", "stats"])
def test_a_malformed_repo_is_a_usage_error(tmp_path: Path, name: str) -> None:
    code, stderr = _invoke(tmp_path, name, "--repo", "alice/proj", "--repo", "##[error]x")
    assert code == 2
    assert "error: --repo '##\\u005b" in stderr and "is not OWNER/NAME" in stderr


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_shared_options_keep_their_help(name: str) -> None:
    result = CliRunner().invoke(cli, [*COMMANDS[name][:1], "--help"])
    for option in ("--registry PATH|URL", "--refresh", "--cache-dir DIRECTORY", "--github-url URL"):
        assert option in result.output
