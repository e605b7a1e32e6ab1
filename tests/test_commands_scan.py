"""`symphony-bot scan` from the command line, against the sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from symphony_bot.cli import cli
from symphony_bot.commands.scan import MATRIX_DEFAULT_STATUSES, STATUSES
from symphony_bot.github.client import USER_AGENT
from symphony_bot.issues.status import IssueStatus
from symphony_bot.registry.jsondoc import MAX_DOCUMENT_BYTES
from symphony_bot.sandbox import Sandbox
from tests.actions_runner import command_lines
from tests.http_helpers import closed_port, static_server
from tests.issue_helpers import FORGED_TEXTS, LABEL, forging_world, issue_world, run

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Sandbox, dict[str, str]]]:
    with issue_world() as built:
        yield built


def scan_args(sb: Sandbox, tmp_path: Path, *extra: str) -> list[str]:
    return ["scan", "--github-url", sb.api_url, "--cache-dir", str(tmp_path / "cache"), *extra]


def test_scan_json_matches_its_schema(world: tuple[Sandbox, dict[str, str]], tmp_path: Path) -> None:
    sb, env = world
    result = run(*scan_args(sb, tmp_path, "--repo", "alice/proj", "--format", "json"), env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    schema = json.loads((ROOT / "schemas" / "scan.schema.json").read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)
    assert data["counts"] == {"completed": 0, "in_progress": 1, "blocked": 1, "invalid": 1, "available": 1}
    assert [(issue["number"], issue["status"]) for issue in data["issues"]] == [
        (1, "invalid"),  # lists docs/missing.md, which is not on the default branch
        (2, "in_progress"),
        (3, "blocked"),
        (5, "available"),
    ]
    assert [(reason["line"], reason["code"]) for reason in data["issues"][0]["invalidReasons"]] == [
        (2, "document-missing")
    ]
    assert data["issues"][1]["claim"]["author"] == "bob"
    assert data["requests"] == 2  # the issues, then the available issues' documents


def test_scan_matrix_defaults_to_available(world: tuple[Sandbox, dict[str, str]], tmp_path: Path) -> None:
    sb, env = world
    result = run(*scan_args(sb, tmp_path, "--repo", "alice/proj", "--format", "matrix"), env=env)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"include": [{"repo": "alice/proj", "issue": 5}]}


def test_scan_table_status_filter_and_limit(world: tuple[Sandbox, dict[str, str]], tmp_path: Path) -> None:
    sb, env = world
    result = run(*scan_args(sb, tmp_path, "--repo", "alice/proj", "--status", "in_progress,blocked"), env=env)
    assert result.exit_code == 0
    assert "alice/proj  (2 of 4 issues)" in result.stdout
    assert "[claimed by draft PR #4 @bob]" in result.stdout
    assert "#1 " not in result.stdout
    limited = run(*scan_args(sb, tmp_path, "--repo", "alice/proj", "--format", "json", "--limit", "1"), env=env)
    data = json.loads(limited.stdout)
    assert len(data["issues"]) == 1 and data["truncated"] is True


def test_scan_table_says_why_an_issue_is_invalid(world: tuple[Sandbox, dict[str, str]], tmp_path: Path) -> None:
    sb, env = world
    result = run(*scan_args(sb, tmp_path, "--repo", "alice/proj", "--status", "invalid"), env=env)
    assert result.exit_code == 0
    assert "alice/proj  (1 of 4 issues)" in result.stdout
    assert (
        "why: docs/missing.md is not on the default branch (main); commit it there or fix the path in the issue "
        "[document-missing]"
    ) in result.stdout
    assert "1 issue in 1 repository: 1 invalid" in result.stdout


def test_scan_matrix_is_capped_at_256_with_a_warning(tmp_path: Path) -> None:
    with Sandbox() as sb:
        sb.add_user("owner", token="t-owner")
        sb.create_repo("owner", "big", files={"docs/a.md": "- [ ] a\n"})
        for number in range(260):
            sb.create_issue("owner", "big", f"i{number}", "- docs/a.md", labels=[LABEL])
        result = CliRunner().invoke(
            cli,
            [*scan_args(sb, tmp_path, "--repo", "owner/big", "--format", "matrix")],
            env={"GITHUB_TOKEN": "t-owner"},
        )
        assert result.exit_code == 0
        assert len(json.loads(result.stdout)["include"]) == 256
        assert "at most 256" in result.stderr


def test_scan_registry_merge_first_slug_wins_inactive_skipped(
    world: tuple[Sandbox, dict[str, str]], tmp_path: Path
) -> None:
    sb, env = world
    first = tmp_path / "first.json"
    second = tmp_path / "second.json"
    first.write_text(
        json.dumps(
            {"repositories": [{"slug": "alice/proj", "isActive": True}, {"slug": "alice/gone", "isActive": False}]}
        )
    )
    second.write_text(json.dumps({"repositories": [{"slug": "ALICE/proj", "isActive": True}]}))
    result = run(
        *scan_args(sb, tmp_path, "--registry", str(first), "--registry", str(second), "--format", "json"), env=env
    )
    assert result.exit_code == 0, result.output
    assert [repository["repo"] for repository in json.loads(result.stdout)["repositories"]] == ["alice/proj"]


def test_scan_reports_a_missing_repository_and_exits_one(world: tuple[Sandbox, dict[str, str]], tmp_path: Path) -> None:
    sb, env = world
    result = CliRunner().invoke(
        cli, scan_args(sb, tmp_path, "--repo", "alice/proj", "--repo", "alice/missing", "--format", "json"), env=env
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert len(data["issues"]) == 4  # the rest is still printed
    assert "alice/missing" in result.stderr and "[not-found]" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repo", "not-a-slug"], "is not OWNER/NAME"),
        (["--repo", "a/b", "--status", "availble"], "--status"),
        (["--registry", "/nonexistent/registry.json"], "does not exist"),
        (["--repo", "a/b", "--limit", "0"], "--limit"),
    ],
)
def test_scan_usage_errors(
    world: tuple[Sandbox, dict[str, str]], tmp_path: Path, args: list[str], message: str
) -> None:
    sb, env = world
    result = CliRunner().invoke(cli, scan_args(sb, tmp_path, *args), env=env)
    assert result.exit_code == 2
    assert message in result.output


def test_scan_unreadable_registry_content_is_reported(world: tuple[Sandbox, dict[str, str]], tmp_path: Path) -> None:
    sb, env = world
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = CliRunner().invoke(cli, scan_args(sb, tmp_path, "--registry", str(broken)), env=env)
    assert result.exit_code == 1
    assert "line 1, column 2: invalid JSON" in result.stderr
    # the same reader as `registry validate`: values Python's json would accept, a registry must not have
    hostile = tmp_path / "nan.json"
    hostile.write_text('{"repositories": [{"slug": "alice/proj", "isActive": NaN}]}')
    refused = CliRunner().invoke(cli, scan_args(sb, tmp_path, "--registry", str(hostile)), env=env)
    assert refused.exit_code == 1 and "NaN" in refused.stderr


def test_scan_reads_a_registry_with_a_duplicate_key(world: tuple[Sandbox, dict[str, str]], tmp_path: Path) -> None:
    sb, env = world
    registry = tmp_path / "dup.json"
    # a problem for `registry validate` to report, not a reason for the scan to skip the whole registry
    registry.write_text('{"repositories": [{"slug": "alice/proj", "isActive": true, "isActive": true}]}')
    result = run(*scan_args(sb, tmp_path, "--registry", str(registry), "--format", "json"), env=env)
    assert result.exit_code == 0, result.output
    assert [repository["repo"] for repository in json.loads(result.stdout)["repositories"]] == ["alice/proj"]


def test_scan_reads_a_registry_url_once_then_from_the_cache(
    world: tuple[Sandbox, dict[str, str]], tmp_path: Path
) -> None:
    sb, env = world
    registry = json.dumps({"repositories": [{"slug": "alice/proj", "isActive": True}]}).encode()
    with static_server({"/symphony-registry.json": registry}) as served:
        url = f"{served.url}/symphony-registry.json"
        for _ in range(2):
            result = run(*scan_args(sb, tmp_path, "--registry", url, "--format", "json"), env=env)
            assert result.exit_code == 0, result.output
            assert [repository["repo"] for repository in json.loads(result.stdout)["repositories"]] == ["alice/proj"]
        assert len(served.seen) == 1  # the registry is cached for 2 h
        assert served.seen[0]["User-Agent"] == USER_AGENT and "Authorization" not in served.seen[0]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing.json", "HTTP 404; check the URL"),
        ("/huge.json", "bytes; not a registry"),
    ],
)
def test_scan_registry_url_failures_are_reported(
    world: tuple[Sandbox, dict[str, str]], tmp_path: Path, path: str, message: str
) -> None:
    sb, env = world
    with static_server({"/huge.json": b" " * (MAX_DOCUMENT_BYTES + 1)}) as served:
        result = CliRunner().invoke(cli, scan_args(sb, tmp_path, "--registry", served.url + path), env=env)
    assert result.exit_code == 1
    assert message in result.stderr and "no registry could be read" in result.stderr


def test_scan_unreachable_registry_url_names_the_cause(world: tuple[Sandbox, dict[str, str]], tmp_path: Path) -> None:
    sb, env = world
    url = f"http://127.0.0.1:{closed_port()}/symphony-registry.json"
    result = CliRunner().invoke(cli, scan_args(sb, tmp_path, "--registry", url, "--repo", "alice/proj"), env=env)
    assert result.exit_code == 1  # the --repo is still scanned; the failed registry is the failure
    assert "cannot be fetched (ConnectionError); check the URL and the network" in result.stderr
    assert "alice/proj" in result.stdout


def test_scan_prints_no_workflow_command_from_an_issue(tmp_path: Path) -> None:
    # Issue 9, item 3: titles, document names and problems come from issues anyone can open.
    with forging_world() as (sb, env):
        table = run(*scan_args(sb, tmp_path, "--repo", "mallory/proj"), env=env)
        as_json = run(*scan_args(sb, tmp_path, "--repo", "mallory/proj", "--format", "json"), env=env)
    for result in (table, as_json):
        assert result.exit_code == 0, result.output
        assert "forged" in result.stdout
        assert command_lines(result.stdout + result.stderr) == []
    titles = [issue["title"] for issue in json.loads(as_json.stdout)["issues"]]
    assert titles == list(FORGED_TEXTS)  # neutralized JSON decodes to the issues' own text


def test_status_names_are_the_issue_statuses() -> None:
    assert set(STATUSES) == {str(status) for status in IssueStatus}
    assert set(MATRIX_DEFAULT_STATUSES) <= set(STATUSES)
