"""The registry-check workflow: its security rules, and its review step run for real on a merge commit."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.test_workspace_gitops import GIT_ENV, git

REPO_ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "registry-check.yml"
REGISTRY = json.loads((REPO_ROOT / "symphony-registry.json").read_text())


def load_workflow():
    return yaml.safe_load(WORKFLOW.read_text())


def steps():
    return load_workflow()["jobs"]["check"]["steps"]


def step(name):
    return next(s for s in steps() if s.get("name") == name)


def test_runs_on_pull_request_only_with_least_privilege() -> None:
    workflow = load_workflow()
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert set(triggers) == {"pull_request"}
    assert "symphony-registry.json" in triggers["pull_request"]["paths"]
    assert workflow["permissions"] == {}
    job = workflow["jobs"]["check"]
    assert job["permissions"] == {"contents": "read"}
    assert job["timeout-minutes"] <= 15


def test_actions_are_pinned_by_commit_and_keep_no_credential() -> None:
    text = WORKFLOW.read_text()
    for uses in re.findall(r"uses:\s*(\S+)", text):
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses), uses
    for entry in steps():
        if entry.get("uses", "").startswith("actions/checkout@"):
            assert entry["with"]["persist-credentials"] is False
        assert "${{" not in entry.get("run", ""), entry.get("name")


def _commit_registry(repo: Path, data, message) -> None:
    (repo / "symphony-registry.json").write_text(json.dumps(data, indent=2))
    git(repo, "add", "symphony-registry.json")
    git(repo, "commit", "-qm", message)


def _run_step(name: str, repo: Path, summary: Path) -> subprocess.CompletedProcess[str]:
    environment = {
        **GIT_ENV,
        **step(name).get("env", {}),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{GIT_ENV['PATH']}",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    return subprocess.run(
        ["bash", "-e", "-c", step(name)["run"]], cwd=repo, env=environment, capture_output=True, text=True, check=False
    )


def test_the_review_step_diffs_the_merge_commit_against_its_first_parent(tmp_path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    _commit_registry(repo, REGISTRY, "base")
    git(repo, "checkout", "-q", "-b", "contributor")
    head = json.loads(json.dumps(REGISTRY))
    head["repositories"][0]["category"] = "Desktop"  # the real 2026-05-09 mistake, without bumping lastUpdated
    _commit_registry(repo, head, "change")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge", "contributor")  # what refs/pull/N/merge holds

    summary = tmp_path / "summary.md"
    completed = _run_step("Review the changes against the base", repo, summary)
    # The change brings in an unknown category: the review fails and marks the line (validate leaves the
    # annotations of a change to it, see test_validate_annotates_only_without_a_base_or_with_a_schema_change).
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "::warning file=symphony-registry.json,line=3,col=3,title=last-updated-not-bumped::" in completed.stdout
    assert "::error file=symphony-registry.json,line=10,col=7,title=unknown-category::" in completed.stdout
    text = summary.read_text()
    assert "## Registry changes" in text
    assert '| `category` | "ai-ml" | "Desktop" |' in text


def test_validate_annotates_only_without_a_base_or_with_a_schema_change(tmp_path) -> None:
    # One annotation per problem: with a base to compare with, the review step marks what the pull request
    # brings in and validate only fails the job; without one (or with a new schema) validate marks every line.
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("x\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-qm", "no registry yet")
    broken = json.loads(json.dumps(REGISTRY))
    broken["repositories"][0]["category"] = "Desktop"
    _commit_registry(repo, broken, "the first registry")
    first = _run_step("Validate the registry", repo, tmp_path / "summary.md")
    assert first.returncode == 1 and "::error file=symphony-registry.json" in first.stdout
    broken["repositories"][0]["name"] = "Renamed"
    _commit_registry(repo, broken, "a change on a broken base")
    later = _run_step("Validate the registry", repo, tmp_path / "summary.md")
    assert later.returncode == 1 and "::error" not in later.stdout and "unknown-category" in later.stdout
    (repo / "schemas").mkdir()
    (repo / "schemas" / "x.schema.json").write_text("{}\n")
    git(repo, "add", "schemas")
    git(repo, "commit", "-qm", "a schema change")
    with_schema = _run_step("Validate the registry", repo, tmp_path / "summary.md")
    assert with_schema.returncode == 1 and "::error file=symphony-registry.json" in with_schema.stdout


def test_a_decoy_file_named_like_the_base_object_cannot_replace_it(tmp_path) -> None:
    """Issue 9, item 2: a pull request adds a file literally named "<base-sha>:symphony-registry.json" (a copy
    of its own registry) so that a path/revision mix-up would diff the head against itself."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    _commit_registry(repo, REGISTRY, "base")
    base_sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, env=GIT_ENV, capture_output=True, text=True, check=True
    ).stdout.strip()
    git(repo, "checkout", "-q", "-b", "contributor")
    head = json.loads(json.dumps(REGISTRY))
    head["repositories"][0]["slug"] = "someone-else/" + head["repositories"][0]["slug"].split("/")[1]
    (repo / f"{base_sha}:symphony-registry.json").write_text(json.dumps(head, indent=2))
    git(repo, "add", "--all")
    _commit_registry(repo, head, "change the slug, with a decoy")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge", "contributor")

    completed = subprocess.run(
        ["bash", "-e", "-c", step("Review the changes against the base")["run"]],
        cwd=repo,
        env={
            **GIT_ENV,
            **step("Review the changes against the base").get("env", {}),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{GIT_ENV['PATH']}",
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "title=slug-changed::" in completed.stdout
    assert "no project changed" not in completed.stdout
