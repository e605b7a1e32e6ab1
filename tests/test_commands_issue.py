"""`symphony-bot issue parse|show` and `symphony-bot scan` from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result

from symphony_bot.cli import cli
from symphony_bot.sandbox import Sandbox

LABEL = "runmaestro.ai"
ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, stdin: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin, env=env, catch_exceptions=False)


# --- issue parse -------------------------------------------------------------------------------------------------


def test_parse_valid_body_from_stdin() -> None:
    result = run("issue", "parse", "-", stdin="Intro\n\n- docs/a.md\n1. `docs/b.md`\n")
    assert result.exit_code == 0
    assert "2 documents, in run order:" in result.output
    assert "1. a.md  (repository: docs/a.md; line 3)" in result.output


def test_parse_json_shape(tmp_path: Path) -> None:
    body = tmp_path / "body.md"
    body.write_text("- docs/a.md\r\n[b.md](https://github.com/user-attachments/files/1/b.md)\r\n- ../c.md\r\n")
    result = run("issue", "parse", str(body), "--format", "json")
    assert result.exit_code == 1  # the unsafe reference makes the issue invalid
    data = json.loads(result.output)
    assert data["documents"] == [
        {"name": "a.md", "path": "docs/a.md", "url": None, "external": False, "line": 1},
        {
            "name": "b.md",
            "path": None,
            "url": "https://github.com/user-attachments/files/1/b.md",
            "external": True,
            "line": 2,
        },
    ]
    assert [(p["line"], p["code"], p["severity"]) for p in data["problems"]] == [(3, "parent-segment", "error")]


def test_parse_warnings_alone_exit_zero() -> None:
    result = run("issue", "parse", "--format", "json", stdin="- docs/a.md\n- docs/a.md\n")
    assert result.exit_code == 0
    assert [p["code"] for p in json.loads(result.output)["problems"]] == ["duplicate-document"]


def test_parse_without_documents_exits_one() -> None:
    result = run("issue", "parse", stdin="Just prose.\n")
    assert result.exit_code == 1
    assert "[no-documents]" in result.output


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: str(tmp / "missing.md"), "does not exist"),
        (lambda tmp: str(tmp), "is a directory"),
    ],
)
def test_parse_unreadable_input_is_a_usage_error(tmp_path: Path, make: Any, message: str) -> None:
    result = CliRunner().invoke(cli, ["issue", "parse", make(tmp_path)])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_parse_non_utf8_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["issue", "parse", "-"], input=b"- docs/\xff.md\n")
    assert result.exit_code == 2
    assert "not valid UTF-8" in result.output


def test_parse_huge_body_is_cut_with_a_warning() -> None:
    result = run("issue", "parse", "--format", "json", stdin="- docs/a.md\n" + "x" * (2 * 1024 * 1024))
    assert result.exit_code == 0
    assert [p["code"] for p in json.loads(result.output)["problems"]] == ["body-truncated"]


# --- against the sandbox -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Sandbox, dict[str, str]]]:
    with Sandbox() as sb:
        sb.add_user("alice", token="t-alice")
        sb.add_user("bob", token="t-bob")
        sb.create_repo("alice", "proj", files={"docs/task.md": "- [ ] one\n- [x] two\n- [ ] three\n"})
        sb.create_issue("alice", "proj", "Available", "- docs/task.md\n- docs/missing.md", labels=[LABEL])
        claimed = sb.create_issue("alice", "proj", "Claimed", "- docs/task.md", labels=[LABEL]).number
        sb.create_issue("alice", "proj", "Blocked", "- docs/task.md", labels=[LABEL, "blocking"])
        sb.push_branch("alice", "proj", "symphony/2", {"w.txt": "w"})
        sb.open_pull("alice", "proj", "symphony/2", title="[WIP]", body=f"Closes #{claimed}", draft=True, author="bob")
        env = {"GITHUB_TOKEN": "t-bob", "GITHUB_API_URL": "", "GITHUB_GRAPHQL_URL": ""}
        yield sb, env


def test_issue_show_status_claim_and_documents(world: tuple[Sandbox, dict[str, str]]) -> None:
    sb, env = world
    result = run("issue", "show", "alice/proj#2", "--github-url", sb.api_url, env=env)
    assert result.exit_code == 0, result.output
    assert "status: in_progress" in result.output
    assert "claim: draft PR #4 by @bob (open, branch symphony/2)" in result.output


@pytest.mark.parametrize(
    ("reference", "code", "message"),
    [
        ("alice/proj#99", 1, "has no issue #99"),
        ("alice/proj#4", 1, "has no issue #4"),  # a pull request
        ("alice/nothing#1", 1, "was not found"),
        ("alice/proj", 2, "is not OWNER/REPO#N"),
        ("alice/proj#0", 2, "is not OWNER/REPO#N"),
        ("nobody#1", 2, "is not OWNER/REPO#N"),
    ],
)
def test_issue_show_errors(world: tuple[Sandbox, dict[str, str]], reference: str, code: int, message: str) -> None:
    sb, env = world
    result = CliRunner().invoke(cli, ["issue", "show", reference, "--github-url", sb.api_url], env=env)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


# --- scan ----------------------------------------------------------------------------------------------------------


def scan_args(sb: Sandbox, tmp_path: Path, *extra: str) -> list[str]:
    return ["scan", "--github-url", sb.api_url, "--cache-dir", str(tmp_path / "cache"), *extra]


def test_scan_json_matches_its_schema(world: tuple[Sandbox, dict[str, str]], tmp_path: Path) -> None:
    sb, env = world
    result = run(*scan_args(sb, tmp_path, "--repo", "alice/proj", "--format", "json"), env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    schema = json.loads((ROOT / "schemas" / "scan.schema.json").read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)
    assert data["counts"] == {"completed": 0, "in_progress": 1, "blocked": 1, "invalid": 0, "available": 1}
    assert [(issue["number"], issue["status"]) for issue in data["issues"]] == [
        (1, "available"),
        (2, "in_progress"),
        (3, "blocked"),
    ]
    assert data["issues"][1]["claim"]["author"] == "bob"
    assert data["requests"] == 1


def test_scan_matrix_defaults_to_available(world: tuple[Sandbox, dict[str, str]], tmp_path: Path) -> None:
    sb, env = world
    result = run(*scan_args(sb, tmp_path, "--repo", "alice/proj", "--format", "matrix"), env=env)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"include": [{"repo": "alice/proj", "issue": 1}]}


def test_scan_table_status_filter_and_limit(world: tuple[Sandbox, dict[str, str]], tmp_path: Path) -> None:
    sb, env = world
    result = run(*scan_args(sb, tmp_path, "--repo", "alice/proj", "--status", "in_progress,blocked"), env=env)
    assert result.exit_code == 0
    assert "alice/proj  (2 of 3 issues)" in result.stdout
    assert "[claimed by draft PR #4 @bob]" in result.stdout
    assert "#1 " not in result.stdout
    limited = run(*scan_args(sb, tmp_path, "--repo", "alice/proj", "--format", "json", "--limit", "1"), env=env)
    data = json.loads(limited.stdout)
    assert len(data["issues"]) == 1 and data["truncated"] is True


def test_scan_matrix_is_capped_at_256_with_a_warning(tmp_path: Path) -> None:
    with Sandbox() as sb:
        sb.add_user("owner", token="t-owner")
        sb.create_repo("owner", "big")
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
    assert len(data["issues"]) == 3  # the rest is still printed
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


def test_issue_show_counts_tasks_on_the_default_branch(world: tuple[Sandbox, dict[str, str]]) -> None:
    sb, env = world
    result = run("issue", "show", "alice/proj#1", "--github-url", sb.api_url, env=env)
    assert result.exit_code == 0, result.output
    assert "status: available" in result.output
    assert "1. docs/task.md — 2 of 3 tasks open" in result.output
    assert "2. docs/missing.md — not found on main" in result.output
