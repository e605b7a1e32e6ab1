"""`symphony-bot stats` against the sandbox: every format, one user or everyone, hostile blocks, exit codes."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from symphony_bot.cli import cli
from symphony_bot.sandbox import Sandbox
from symphony_bot.stats.pr_metadata import BLOCK_OPENING, ContributionMetadata, render_block

TODAY = dt.datetime.now(dt.UTC)


def stamp(days_ago: int) -> str:
    return (TODAY - dt.timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def block(repository: str, issue: int, contributor: str, days_ago: int, **changes: Any) -> str:
    values: dict[str, Any] = {
        "repository": repository,
        "issue": issue,
        "contributor": contributor,
        "agent": "claude",
        "state": "completed",
        "started_at": stamp(days_ago),
        "completed_at": stamp(days_ago),
        "documents": ("docs/a.md", "docs/b.md"),
        "tasks_done": 5,
        "tasks_total": 5,
        "tokens_in": 1000,
        "tokens_out": 500,
        "cost_usd": 0.25,
    }
    values.update(changes)
    return f"Closes #{issue}\n\n" + render_block(ContributionMetadata(**values))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Path]]:
    with Sandbox() as sb:
        for login in ("maint", "donor", "other", "mallory"):
            sb.add_user(login, token=f"t-{login}")
        for name in ("one", "two"):
            sb.create_repo("maint", name, files={"README.md": "hi\n"})

        def pull(repo: str, branch: str, body: str, author: str, *, merge: bool = False, draft: bool = False) -> None:
            sb.push_branch("maint", repo, branch, {f"{branch}.txt": branch})
            number = sb.open_pull("maint", repo, branch, title=branch, body=body, author=author, draft=draft).number
            if merge:
                sb.merge_pull("maint", repo, number)

        pull("one", "symphony/1", block("maint/one", 1, "donor", 0), "donor", merge=True)
        pull("one", "symphony/2", block("maint/one", 2, "donor", 7), "donor", merge=True)
        pull("two", "symphony/3", block("maint/two", 3, "donor", 14), "donor")
        running = block("maint/two", 4, "donor", 0, state="running", completed_at=None, tasks_done=1)
        pull("two", "symphony/4", running, "donor", draft=True)
        pull("two", "symphony/5", block("maint/two", 5, "other", 30), "other", merge=True)
        pull("two", "evil", f'{BLOCK_OPENING}\n{{"v": 1, "issue": -1}}\n-->', "mallory")
        sb.fork("maint", "two", "mallory")
        sb.push_branch("mallory", "two", "forged", {"forged.txt": "x"})
        forged = block("maint/two", 6, "donor", 1, tokens_in=10**12)
        sb.open_pull("maint", "two", "forged", "main", title="forged", body=forged, head_owner="mallory")
        registry = tmp_path_factory.mktemp("registry") / "symphony-registry.json"
        entries = [
            {"slug": f"maint/{name}", "name": name, "isActive": True, "maintainer": {"name": "Maint Ainer"}}
            for name in ("one", "two")
        ]
        registry.write_text(json.dumps({"repositories": entries}))
        yield sb, registry


def run(sb: Sandbox, registry: Path, tmp_path: Path, *extra: str) -> Result:
    args = ["stats", "--registry", str(registry), "--github-url", sb.api_url, "--cache-dir", str(tmp_path), *extra]
    env = {"GITHUB_TOKEN": "t-donor", "SYMPHONY_GITHUB_TOKEN": "", "GITHUB_API_URL": "", "GITHUB_GRAPHQL_URL": ""}
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def test_json_for_one_user(world: tuple[Sandbox, Path], tmp_path: Path) -> None:
    sb, registry = world
    result = run(sb, registry, tmp_path, "--user", "DONOR", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    totals = data["totals"]
    assert totals["contributions"] == 3 and totals["active"] == 1
    assert totals["mergedPullRequests"] == 2 and totals["issuesResolved"] == 2
    assert totals["tokensDonated"] == 4 * 1500  # the forged 10^12 tokens are not counted
    assert totals["uniqueRepositories"] == 2
    assert totals["uniqueMaintainersHelped"] == 1  # both repositories are Maint Ainer's
    assert data["streaks"]["currentWeeks"] >= 2 and data["streaks"]["longestWeeks"] >= 2
    assert [a["id"] for a in data["achievements"] if a["earned"]] == ["first-steps", "merged-melody"]
    assert [row["issue"] for row in data["active"]] == [4]
    assert data["active"][0]["progressPercent"] == 20
    assert sorted(row["issue"] for row in data["history"]) == [1, 2, 3]
    assert [entry["contributor"] for entry in data["leaderboard"]] == ["donor", "other"]
    assert data["requests"] == 1
    assert len(data["ignored"]) == 2
    assert "warning: maint/two#" in result.stderr and "credits donor but the PR was opened by mallory" in result.stderr


def test_table_for_everyone(world: tuple[Sandbox, Path], tmp_path: Path) -> None:
    sb, registry = world
    result = run(sb, registry, tmp_path)
    assert result.exit_code == 0
    assert "Symphony contributions of everyone" in result.stdout
    assert "current streak" in result.stdout and " weeks" in result.stdout
    assert "[x] First Steps" in result.stdout
    assert re.search(r"Leaderboard\n  #  contributor +merged +contributions +tokens\n  1  donor ", result.stdout)


def test_markdown(world: tuple[Sandbox, Path], tmp_path: Path) -> None:
    sb, registry = world
    result = run(sb, registry, tmp_path, "--format", "markdown", "--user", "other")
    assert result.exit_code == 0
    assert result.stdout.startswith("## Symphony contributions of other\n")
    assert "| ✅ | 🎶 Merged Melody | 100% |" in result.stdout
    assert "### History (1)" in result.stdout


def test_unknown_user_has_no_contributions(world: tuple[Sandbox, Path], tmp_path: Path) -> None:
    sb, registry = world
    result = run(sb, registry, tmp_path, "--user", "nobody")
    assert result.exit_code == 0
    assert "No contributions found." in result.stdout


def test_bad_user_is_a_usage_error(world: tuple[Sandbox, Path], tmp_path: Path) -> None:
    sb, registry = world
    result = run(sb, registry, tmp_path, "--user", "<script>")
    assert result.exit_code == 2
    assert "is not a GitHub login" in result.stderr


def test_missing_repository_exits_one_and_still_reports(world: tuple[Sandbox, Path], tmp_path: Path) -> None:
    sb, registry = world
    result = run(sb, registry, tmp_path, "--repo", "maint/gone", "--format", "json")
    assert result.exit_code == 1
    assert "error: maint/gone: not found" in result.stderr
    assert json.loads(result.stdout)["totals"]["contributions"] == 4


def test_without_a_token_says_so(world: tuple[Sandbox, Path], tmp_path: Path) -> None:
    sb, registry = world
    args = ["stats", "--registry", str(registry), "--github-url", sb.api_url, "--cache-dir", str(tmp_path)]
    env = {"GITHUB_TOKEN": "", "SYMPHONY_GITHUB_TOKEN": "", "GITHUB_API_URL": "", "GITHUB_GRAPHQL_URL": ""}
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert "SYMPHONY_GITHUB_TOKEN or GITHUB_TOKEN is not set" in result.stderr
    assert result.exit_code == 1  # the sandbox, like GitHub, refuses anonymous GraphQL
