"""`symphony-bot demo`: the main job end to end in seconds, with the bundled agent or a real CLI."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from symphony_bot.cli import cli


def _demo(*args: str):
    return CliRunner().invoke(cli, ["demo", *args], env={"GITHUB_TOKEN": "", "SYMPHONY_GITHUB_TOKEN": ""})


def test_demo_runs_the_main_job() -> None:
    # How fast it runs is bench/run.py's business (a loaded 2-core machine makes any wall-clock bound flaky).
    result = _demo()
    assert result.exit_code == 0, result.output
    text = result.output
    assert "the first push opened draft PR #2: the issue is claimed" in text
    assert "── status comment (final)" in text and "completed — ready for review" in text
    assert "#2 Symphony: Greet the world and document it (#1)  [ready for review, open]" in text
    assert text.count("symphony: docs/autorun/") == 5  # the commit list: one commit per task
    assert text.count("▶ docs/autorun/") == 5  # one progress line per task
    assert "metadata: 5/5 tasks, state completed" in text


def test_demo_json_is_the_event_stream() -> None:
    result = _demo("--json")
    assert result.exit_code == 0
    assert result.output.splitlines()[-1].startswith('{"type":"finalized"')


@pytest.mark.parametrize("agent", ["claude", "codex", "opencode", "gemini"])
def test_demo_with_a_real_cli_against_the_scripted_model(agent, npm_modules, monkeypatch) -> None:
    monkeypatch.chdir(npm_modules.parents[2])  # the repository: where demo finds tests/npm's CLIs
    result = _demo("--agent", agent)
    assert result.exit_code == 0, result.output
    assert "metadata: 5/5 tasks, state completed" in result.output
    assert os.environ.get("ANTHROPIC_BASE_URL") is None or agent != "claude"  # pointing undone afterwards


def test_demo_with_a_missing_cli_says_how_to_install(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    result = _demo("--agent", "codex")
    assert result.exit_code == 2 and "the codex CLI is not installed" in result.output
