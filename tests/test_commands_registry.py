import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphony_bot.cli import cli
from tests.actions_runner import command_lines, forged_commands
from tests.test_workspace_gitops import git

REPO_ROOT = Path(__file__).resolve().parent.parent

VALID = {
    "schemaVersion": "1.0",
    "lastUpdated": "2026-05-09T00:00:00Z",
    "repositories": [
        {
            "slug": "octo/hello",
            "name": "Hello",
            "description": "A small project.",
            "url": "https://github.com/octo/hello",
            "category": "web",
            "maintainer": {"name": "Octo"},
            "isActive": True,
            "addedAt": "2026-01-02",
        }
    ],
}


def write(path, data):
    path.write_text(json.dumps(data, indent=2))
    return path


def commit_valid_registry(repo) -> None:
    """A git repository on branch main whose one commit holds VALID as symphony-registry.json."""
    git(repo, "init", "-q", "-b", "main")
    write(repo / "symphony-registry.json", VALID)
    git(repo, "add", "symphony-registry.json")
    git(repo, "commit", "-qm", "base")


def run(*args, env=None):
    return CliRunner().invoke(cli, ["registry", *args], env=env)


def invalid_copy():
    data = json.loads(json.dumps(VALID))
    data["repositories"][0]["category"] = "Web"
    return data


def test_validate_exit_codes(tmp_path) -> None:
    good = write(tmp_path / "good.json", VALID)
    bad = write(tmp_path / "bad.json", invalid_copy())
    assert run("validate", str(good)).exit_code == 0
    result = run("validate", str(good), str(bad))
    assert result.exit_code == 1
    assert f"{bad}:10:7: error[unknown-category]" in result.output
    missing = run("validate", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2
    assert "does not exist" in missing.output
    assert run("validate", str(tmp_path)).exit_code == 2


def test_validate_defaults_to_the_registry_in_the_current_directory(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("validate").exit_code == 2
    write(tmp_path / "symphony-registry.json", VALID)
    result = run("validate")
    assert result.exit_code == 0
    assert "symphony-registry.json: valid" in result.output


def test_validate_json_format(tmp_path) -> None:
    bad = write(tmp_path / "bad.json", invalid_copy())
    result = run("validate", "--format", "json", str(bad))
    assert result.exit_code == 1
    payload = json.loads(result.output)
    [file_report] = payload["files"]
    assert file_report["path"] == str(bad)
    assert file_report["valid"] is False
    [finding] = file_report["findings"]
    assert list(finding) == ["severity", "code", "json_path", "line", "column", "message", "hint"]
    assert finding == {
        "severity": "error",
        "code": "unknown-category",
        "json_path": "$.repositories[0].category",
        "line": 10,
        "column": 7,
        "message": 'unknown category "Web"; Maestro shows it as an unknown category (did you mean "web"?)',
        "hint": "web",
    }


def test_validate_github_format_writes_annotations_and_summary(tmp_path) -> None:
    bad = write(tmp_path / "bad.json", invalid_copy())
    summary = tmp_path / "summary.md"
    result = run("validate", "--format", "github", str(bad), env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1
    assert f"::error file={bad},line=10,col=7,title=unknown-category::" in result.output
    text = summary.read_text()
    assert "❌ invalid" in text and "`unknown-category`" in text


def test_malformed_inputs_never_show_a_traceback(tmp_path) -> None:
    cases = {
        "syntax.json": b'{"a": 1,,}',
        "array.json": b"[]",
        "latin1.json": b'{"a": "caf\xe9"}',
        "empty.json": b"",
    }
    for name, raw in cases.items():
        path = tmp_path / name
        path.write_bytes(raw)
        result = run("validate", str(path))
        assert result.exit_code == 1, name
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_diff_between_two_files(tmp_path) -> None:
    base = write(tmp_path / "base.json", VALID)
    head_data = json.loads(json.dumps(VALID))
    head_data["repositories"][0]["slug"] = "octo/renamed"
    head = write(tmp_path / "head.json", head_data)
    result = run("diff", str(base), str(head))
    assert result.exit_code == 1
    assert "error[slug-changed]" in result.output
    markdown = run("diff", "--format", "markdown", str(base), str(head))
    assert "## Registry changes" in markdown.output
    assert "| `octo/hello` | `slug` |" in markdown.output
    same = run("diff", "--format", "json", str(base), str(base))
    assert same.exit_code == 0
    assert json.loads(same.output) == {"added": [], "removed": [], "changed": [], "findings": []}


def test_diff_reports_the_problems_a_change_brings_in_and_not_the_old_ones(tmp_path) -> None:
    # A pull request adding a broken project must not pass the diff (it passed with exit 0 when only the rules
    # of a change were checked); a problem the base already had is the base's, not the change's.
    base_data = json.loads(json.dumps(VALID))
    base_data["repositories"][0]["name"] = ""
    base = write(tmp_path / "base.json", base_data)
    head_data = json.loads(json.dumps(base_data))
    head_data["repositories"].append({"slug": "not a slug", "name": ""})
    head = write(tmp_path / "head.json", head_data)
    result = run("diff", "--format", "json", str(base), str(head))
    assert result.exit_code == 1, result.output
    findings = json.loads(result.output)["findings"]
    codes = [finding["code"] for finding in findings]
    assert "schema-pattern" in codes and "schema-required" in codes
    assert codes.count("schema-min-length") == 1  # the new empty name; the base's old one is not the change's
    assert all(
        finding["json_path"].startswith("$.repositories[1]")
        for finding in findings
        if finding["code"].startswith("schema-")
    )
    unchanged = run("diff", str(base), str(base))
    assert unchanged.exit_code == 0, unchanged.output  # the base's own problem is not a finding of an empty change


def test_diff_reads_a_revision_from_git(tmp_path, monkeypatch) -> None:
    commit_valid_registry(tmp_path)
    head_data = json.loads(json.dumps(VALID))
    head_data["repositories"].append(
        {**VALID["repositories"][0], "slug": "octo/two", "url": "https://github.com/octo/two", "name": "Two"}
    )
    write(tmp_path / "symphony-registry.json", head_data)
    monkeypatch.chdir(tmp_path)
    summary = tmp_path / "summary.md"
    result = run(
        "diff",
        "--format",
        "github",
        "--base-rev",
        "main",
        "symphony-registry.json",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.exit_code == 0, result.output
    assert "::warning file=symphony-registry.json,line=3,col=3,title=last-updated-not-bumped::" in result.output
    assert "### Added" in summary.read_text()
    bad_revision = run("diff", "--base-rev", "nope", "symphony-registry.json")
    assert bad_revision.exit_code == 2
    assert "cannot read nope:symphony-registry.json" in bad_revision.output


def test_the_installed_command_validates_the_repository_registry() -> None:
    executable = Path(sys.executable).parent / "symphony-bot"
    assert executable.exists(), "symphony-bot is not installed beside this Python: run make setup"
    completed = subprocess.run(
        [str(executable), "registry", "validate", str(REPO_ROOT / "symphony-registry.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_a_50_mb_file_is_refused_without_being_read(tmp_path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:  # sparse: 50 MB on paper; reading it would take visible time and memory
        handle.truncate(50 * 1024 * 1024)
    good = write(tmp_path / "good.json", VALID)
    validated = run("validate", "--format", "json", str(big))
    diffed = run("diff", str(good), str(big))
    assert validated.exit_code == 1
    [finding] = json.loads(validated.output)["files"][0]["findings"]
    assert finding["code"] == "too-large"
    assert "52,428,800 bytes" in finding["message"]
    assert diffed.exit_code == 1
    assert "too-large" in diffed.output


def test_an_endless_device_is_refused(tmp_path) -> None:
    result = run("validate", "/dev/zero")
    assert result.exit_code == 1
    assert "error[too-large]" in result.output


def test_unreadable_files_are_annotated_in_github_format(tmp_path) -> None:
    result = run("validate", "--format", "github", str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert f"::error file={tmp_path}/nope.json,title=unreadable::" in result.output


def test_a_missing_format_checker_stops_validation_with_exit_2(tmp_path, monkeypatch) -> None:
    from symphony_bot.registry import validate as registry

    def missing(module):
        raise registry.FormatCheckerMissing('the JSON Schema validator does not check format "date"')

    good = write(tmp_path / "good.json", VALID)
    registry._validator.cache_clear()
    monkeypatch.setattr(registry, "_assert_format_checkers", missing)
    try:
        result = run("validate", str(good))
    finally:
        registry._validator.cache_clear()
    assert result.exit_code == 2
    assert 'does not check format "date"' in result.output


def test_findings_beyond_the_annotation_cap_are_in_the_summary(tmp_path) -> None:
    data = json.loads(json.dumps(VALID))
    data["repositories"] = [
        {**VALID["repositories"][0], "slug": f"o/p{i}", "url": f"https://github.com/o/p{i}", "category": "Web"}
        for i in range(15)
    ]
    bad = write(tmp_path / "bad.json", data)
    summary = tmp_path / "summary.md"
    result = run("validate", "--format", "github", str(bad), env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1
    assert result.output.count("::error ") == 10
    text = summary.read_text()
    assert "5 more findings could not be shown as annotations" in text
    assert text.count("`unknown-category`") == 15


def test_diff_refuses_a_revision_that_looks_like_an_option(tmp_path, monkeypatch) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    write(tmp_path / "symphony-registry.json", VALID)
    monkeypatch.chdir(tmp_path)
    result = run("diff", "--base-rev=--output=x", "symphony-registry.json")
    assert result.exit_code == 2
    assert "is not a revision" in result.output
    assert not (tmp_path / "x").exists()
    as_path = run("diff", "--", "--output=x:symphony-registry.json", "symphony-registry.json")
    assert as_path.exit_code == 2  # a path, and no such file: git never sees it
    assert "does not exist in the work tree" in as_path.output and "--base-rev" in as_path.output
    assert not (tmp_path / "x").exists()


def test_diff_reports_a_broken_head_with_its_line(tmp_path) -> None:
    base = write(tmp_path / "base.json", VALID)
    head = tmp_path / "head.json"
    head.write_text('{\n  "schemaVersion": "1.0",\n  "repositories": [,]\n}')
    result = run("diff", "--format", "github", str(base), str(head))
    assert result.exit_code == 1
    assert f"::error file={head},line=3,col=20,title=invalid-json::" in result.output


# ------------------------------------------------------------------------- issue 9, item 5: crashes found by fuzzing


def _no_traceback(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    result.output.encode("utf-8")  # nothing unprintable reached the output


@pytest.mark.parametrize("output_format", ["text", "json", "github"])
def test_a_duplicated_lone_surrogate_key_is_a_finding_in_every_format(tmp_path, output_format) -> None:
    hostile = tmp_path / "surrogate.json"
    hostile.write_text('{"\\ud800":1,"\\ud800":2}')
    summary = tmp_path / "summary.md"
    result = run("validate", "--format", output_format, str(hostile), env={"GITHUB_STEP_SUMMARY": str(summary)})
    _no_traceback(result)
    assert result.exit_code == 1
    assert "duplicate-key" in result.output and "lone-surrogate" in result.output
    assert "\\ud800" in result.output  # shown as an escape, never as the raw half character
    if output_format == "github":
        summary.read_text(encoding="utf-8")


@pytest.mark.parametrize("output_format", ["text", "markdown", "json", "github"])
def test_a_duplicated_lone_surrogate_key_is_a_finding_in_the_diff(tmp_path, output_format) -> None:
    base = write(tmp_path / "base.json", VALID)
    hostile = tmp_path / "surrogate.json"
    hostile.write_text('{"\\ud800":1,"\\ud800":2}')
    result = run("diff", "--format", output_format, str(base), str(hostile), env={"GITHUB_STEP_SUMMARY": ""})
    _no_traceback(result)
    assert result.exit_code == 1
    assert "duplicate-key" in result.output


HEADER = '{"schemaVersion": "1.0", "lastUpdated": "2026-05-09T00:00:00Z", "repositories": '


@pytest.mark.parametrize("repositories", ["null", "5", "true", '"x"', "{}"])
@pytest.mark.parametrize("output_format", ["text", "json", "github"])
def test_repositories_of_the_wrong_type_is_a_finding_not_a_traceback(tmp_path, repositories, output_format) -> None:
    hostile = tmp_path / "registry.json"
    hostile.write_text(HEADER + repositories + "}")
    result = run("validate", "--format", output_format, str(hostile), env={"GITHUB_STEP_SUMMARY": ""})
    _no_traceback(result)
    assert result.exit_code == 1
    assert "schema-type" in result.output
    diff_format = "markdown" if output_format == "github" else output_format
    diff = run("diff", "--format", diff_format, str(hostile), str(hostile))
    _no_traceback(diff)
    assert diff.exit_code == 0


# ------------------------------------------------------------------ issue 9, item 3: no forged workflow commands


def _changed(**fields):
    data = json.loads(json.dumps(VALID))
    data["repositories"][0].update(fields)
    return data


FORGED_HEADS = {
    "a changed key after leading spaces": _changed(**{"::error file=x,line=1::forged": 1}),
    "a changed key after U+2028": _changed(**{"x\u2028::error::forged": 1}),
    "a changed key after U+0085": _changed(**{"x\u0085::error::forged": 1}),
    "a changed value with a line feed": _changed(name="n\n::error::forged"),
    "the legacy form in schema-valid data": _changed(
        name="##[error]forged", description="##[add-mask]forged", tags=["##[warning]x"]
    ),
}


@pytest.mark.parametrize("head_data", FORGED_HEADS.values(), ids=FORGED_HEADS.keys())
@pytest.mark.parametrize("output_format", ["text", "github", "markdown", "json"])
def test_no_value_from_the_file_becomes_a_workflow_command_in_the_diff(tmp_path, head_data, output_format) -> None:
    base = write(tmp_path / "base.json", VALID)
    head = write(tmp_path / "head.json", head_data)
    result = run("diff", "--format", output_format, str(base), str(head), env={"GITHUB_STEP_SUMMARY": ""})
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "forged" in result.output or "\\u" in result.output  # the value is shown, inert
    assert forged_commands(result.output) == []


def test_no_value_from_the_file_becomes_a_workflow_command_in_validation(tmp_path) -> None:
    hostile = tmp_path / "hostile.json"
    hostile.write_text(
        '{"schemaVersion": "1.0", "lastUpdated": "2026-05-09T00:00:00Z", "repositories": [],\n'
        ' "a\\n::error::forged": 1, "a\\n::error::forged": 2, "    ::error::x": 3, "##[add-mask]y": 4,\n'
        ' "z\\u2028::warning::w": 5}'
    )
    for output_format in ("text", "github", "json"):
        result = run("validate", "--format", output_format, str(hostile), env={"GITHUB_STEP_SUMMARY": ""})
        assert result.exit_code == 1
        assert "duplicate-key" in result.output
        assert forged_commands(result.output) == []
        if output_format == "github":
            assert command_lines(result.output)  # the real annotations are still there
    as_json = run("validate", "--format", "json", str(hostile))
    assert json.loads(as_json.output)["files"][0]["valid"] is False  # neutralized JSON is still JSON


# ------------------------------------------------------------------ issue 9, item 2: a path is never a revision


def test_a_decoy_file_cannot_stand_in_for_the_base_revision(tmp_path, monkeypatch) -> None:
    commit_valid_registry(tmp_path)
    head = json.loads(json.dumps(VALID))
    head["repositories"][0]["slug"] = "someone/hello"
    write(tmp_path / "symphony-registry.json", head)
    write(tmp_path / "main:symphony-registry.json", head)  # the decoy: the head itself, named like the base
    monkeypatch.chdir(tmp_path)
    honest = run("diff", "--base-rev", "main", "symphony-registry.json")
    assert honest.exit_code == 1, honest.output
    assert "error[slug-changed]" in honest.output
    from_a_subfolder = tmp_path / "sub"
    from_a_subfolder.mkdir()
    monkeypatch.chdir(from_a_subfolder)
    assert "error[slug-changed]" in run("diff", "--base-rev", "main", "../symphony-registry.json").output


def test_base_rev_takes_a_revision_only_and_head_only(tmp_path, monkeypatch) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    write(tmp_path / "symphony-registry.json", VALID)
    monkeypatch.chdir(tmp_path)
    for revision in ("main:other.json", "a b", "x\ny", ""):
        result = run("diff", "--base-rev", revision, "symphony-registry.json")
        assert result.exit_code == 2, revision
        assert "is not a revision" in result.output
    assert run("diff", "--base-rev", "main", "a.json", "b.json").exit_code == 2
    assert run("diff", "symphony-registry.json").exit_code == 2
    outside = run("diff", "--base-rev", "main", str(tmp_path.parent / "x.json"))
    assert outside.exit_code == 2 and "outside the repository" in outside.output


# ------------------------------------------------------------------ the property, end to end through the CLI

cli_values = st.one_of(
    st.lists(
        st.sampled_from(["::", "##[", "\n", "\r", "\u2028", "\u0085", " ", "\u00ad", "\ud800", "error", "|", "<!--"])
        | st.text(max_size=3),
        max_size=8,
    ).map("".join),
    st.none(),
    st.integers(),
    st.lists(st.text(max_size=3), max_size=2),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(["slug", "name", "url", "category", "tags", "k"]), st.text(max_size=4), cli_values),
        min_size=1,
        max_size=4,
    )
)
def test_no_registry_value_becomes_a_workflow_command_through_the_cli(edits) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        head_data = json.loads(json.dumps(VALID))
        for field, suffix, value in edits:
            head_data["repositories"][0][field if field != "k" else suffix or "k"] = value
        base = write(folder / "base.json", VALID)
        head = folder / "head.json"
        head.write_text(json.dumps(head_data, indent=2, ensure_ascii=False), encoding="utf-8", errors="surrogatepass")
        summary = folder / "summary.md"
        for args in (
            ("validate", "--format", "github", str(head)),
            ("diff", "--format", "github", str(base), str(head)),
        ):
            result = run(*args, env={"GITHUB_STEP_SUMMARY": str(summary)})
            assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
            assert result.exit_code in (0, 1)
            assert forged_commands(result.output) == []
        summary.read_text(encoding="utf-8")
