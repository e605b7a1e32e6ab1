import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from symphony_bot.cli import cli
from tests.test_gitops import git

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


def test_diff_reads_a_revision_from_git(tmp_path, monkeypatch) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    write(tmp_path / "symphony-registry.json", VALID)
    git(tmp_path, "add", "symphony-registry.json")
    git(tmp_path, "commit", "-qm", "base")
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
        "main:symphony-registry.json",
        "symphony-registry.json",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.exit_code == 0, result.output
    assert "::warning file=symphony-registry.json,line=3,col=3,title=last-updated-not-bumped::" in result.output
    assert "### Added" in summary.read_text()
    bad_revision = run("diff", "nope:symphony-registry.json", "symphony-registry.json")
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
