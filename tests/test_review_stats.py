"""Security review of `stats` and `site`: a PR body is written by anyone who can open a pull request in a
registered repository, and both commands print what they read from it into the pages workflow's log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from symphony_bot.cli import cli
from symphony_bot.sandbox import Sandbox
from symphony_bot.stats.pr_metadata import BLOCK_OPENING
from tests.actions_runner import command_lines

FORGED = "##[error]forged annotation"
HOSTILE = {
    "v": 1,
    "repository": "maint/one",
    "issue": 1,
    "contributor": "mallory",
    "agent": FORGED,
    "state": "completed",
    "started_at": f"2026-01-01T00:00:00Z {FORGED}",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Path]]:
    with Sandbox() as sb:
        for login in ("maint", "mallory"):
            sb.add_user(login, token=f"t-{login}")
        sb.create_repo("maint", "one", files={"README.md": "hi\n"})
        valid = {**HOSTILE, "started_at": "2026-01-01T00:00:00Z"}
        for branch, data in (("bad", HOSTILE), ("shown", valid)):
            sb.push_branch("maint", "one", branch, {f"{branch}.txt": "x"})
            body = f"{BLOCK_OPENING}\n{json.dumps(data)}\n-->"
            sb.open_pull("maint", "one", branch, title=branch, body=body, author="mallory")
        registry = tmp_path_factory.mktemp("registry") / "symphony-registry.json"
        registry.write_text(json.dumps({"repositories": [{"slug": "maint/one", "name": "one", "isActive": True}]}))
        yield sb, registry


@pytest.mark.parametrize(
    "command",
    [("stats",), ("stats", "--format", "markdown"), ("stats", "--format", "json"), ("site", "--out", "{out}")],
)
def test_nothing_from_a_pr_body_becomes_a_workflow_command(world, tmp_path: Path, command: tuple[str, ...]) -> None:
    """A malformed block's field was quoted raw in `warning: …` on stderr, and an accepted block's `agent` in
    the stats table: `##[error]…` (the runner obeys that form anywhere in a line) made annotations, masks or
    `stop-commands` in the pages workflow's log."""
    sb, registry = world
    args = [part.replace("{out}", str(tmp_path / "site")) for part in command]
    args += ["--registry", str(registry), "--github-url", sb.api_url, "--cache-dir", str(tmp_path / "cache")]
    env = {"GITHUB_TOKEN": "t-maint", "SYMPHONY_GITHUB_TOKEN": "", "GITHUB_API_URL": "", "GITHUB_GRAPHQL_URL": ""}
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    output = result.stdout + result.stderr
    assert "forged annotation" in output  # the value is shown, as text
    assert command_lines(output) == []
