"""`symphony-bot issue parse|show` from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from symphony_bot.cli import cli
from symphony_bot.sandbox import Sandbox
from tests.actions_runner import command_lines
from tests.issue_helpers import FORGED_TEXTS, FORGING_BODY, forging_world, issue_world, run

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


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_parse_prints_no_workflow_command_from_the_body(output_format: str) -> None:
    # Issue 9, item 3: document names and problems quote the body; none of it may act as a command in Actions.
    body = FORGING_BODY + "".join(f"- docs/{text}.md\n" for text in FORGED_TEXTS)
    result = run("issue", "parse", "--format", output_format, stdin=body)
    assert result.exit_code == 1  # the ../ reference
    assert "forged" in result.stdout  # shown, inert
    assert command_lines(result.stdout + result.stderr) == []
    if output_format == "json":  # neutralized JSON is still JSON, and decodes to the body's own text
        names = [document["name"] for document in json.loads(result.stdout)["documents"]]
        assert "##[error]forged.md" in names


# --- against the sandbox -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Sandbox, dict[str, str]]]:
    with issue_world() as built:
        yield built


@pytest.mark.parametrize(
    ("reference", "lines"),
    [
        # status and claim
        ("alice/proj#2", ["status: in_progress", "claim: draft PR #4 by @bob (open, branch symphony/2)"]),
        # task counts on the default branch
        (
            "alice/proj#1",
            [
                "status: invalid",
                "1. docs/task.md — 2 of 3 tasks open",
                "2. docs/missing.md — not found on main; commit it or fix the path",
                "invalid: line 2: docs/missing.md is not on the default branch (main); commit it there or fix the "
                "path in the issue [document-missing]",
            ],
        ),
    ],
)
def test_issue_show(world: tuple[Sandbox, dict[str, str]], reference: str, lines: list[str]) -> None:
    sb, env = world
    result = run("issue", "show", reference, "--github-url", sb.api_url, env=env)
    assert result.exit_code == 0, result.output
    for line in lines:
        assert line in result.output


def test_issue_show_json_says_why_an_issue_is_invalid(world: tuple[Sandbox, dict[str, str]]) -> None:
    sb, env = world
    result = run("issue", "show", "alice/proj#1", "--format", "json", "--github-url", sb.api_url, env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "invalid" and data["defaultBranch"] == "main"
    assert [(reason["line"], reason["code"]) for reason in data["invalidReasons"]] == [(2, "document-missing")]
    views = {view["document"]["path"]: view for view in data["documentViews"]}
    assert views["docs/task.md"]["unchecked"] == 2 and views["docs/missing.md"]["note"].startswith("not found")


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


def test_issue_show_says_why_a_document_has_no_counts() -> None:
    big = "- [ ] task\n" * 100_000  # 1.1 MB: over what the contents API serves inline
    with Sandbox() as sb:
        sb.add_user("alice", token="t-alice")
        files = {
            "docs/dir.md/inner.md": "- [ ] x\n",
            "docs/big.md": big,
            "docs/task.md": "- [ ] one\n",
            # over the 512,000 bytes GraphQL's Blob.text carries (sveltia/sveltia-cms#950), under the 1 MB the
            # contents API serves: read again through REST, where the fault below strikes
            "docs/other.md": "- [x] y\n" * 70_000,
        }
        sb.create_repo("alice", "proj", files=files)
        body = (
            "- docs/dir.md\n- docs/big.md\n- docs/task.md\n- docs/other.md\n"
            "- [spec.md](https://github.com/user-attachments/files/1/spec.md)\n"
        )
        sb.create_issue("alice", "proj", "Notes", body, labels=["runmaestro.ai"])
        sb.faults.inject("repos/get-content", status=409)  # the one REST read: docs/other.md, cut short by GraphQL
        result = run("issue", "show", "alice/proj#1", "--github-url", sb.api_url, env={"GITHUB_TOKEN": "t-alice"})
    assert result.exit_code == 0, result.output
    assert "1. docs/dir.md — is a directory, not a document" in result.output
    assert f"2. docs/big.md — is {len(big):,} bytes; documents over 1 MB are not read" in result.output
    assert "3. docs/task.md — 1 of 1 task open" in result.output
    assert "4. docs/other.md — cannot be read (HTTP 409)" in result.output
    assert "5. https://github.com/user-attachments/files/1/spec.md — attachment: downloaded when a run starts" in (
        result.output
    )


def test_issue_show_prints_no_workflow_command_from_the_issue() -> None:
    with forging_world() as (sb, env):
        for number in range(1, len(FORGED_TEXTS) + 1):
            result = run("issue", "show", f"mallory/proj#{number}", "--github-url", sb.api_url, env=env)
            assert result.exit_code == 0, result.output
            assert "forged" in result.stdout
            assert command_lines(result.stdout + result.stderr) == []
