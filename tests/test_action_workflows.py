"""The workflows this repository ships and users copy: pinned actions, no expressions in scripts, least
permissions, the maintainer workflow's guard and per-issue concurrency, the donor's matrix fan-out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
MINE = ("ci.yml", "symphony.yml", "donor.yml", "release.yml")
PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.load((WORKFLOWS / name).read_text(), Loader=yaml.BaseLoader)  # "on" stays a key
    return document


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize("name", MINE)
def test_every_action_is_pinned_by_sha_or_is_this_repository(name: str) -> None:
    for step in steps(load(name)):
        uses = step.get("uses")
        if uses is not None:
            assert uses == "$/." or PINNED.match(uses), f"{name}: {uses} is not pinned by a full commit SHA"


@pytest.mark.parametrize("name", MINE)
def test_no_expression_inside_run(name: str) -> None:
    for step in steps(load(name)):
        assert "${{" not in step.get("run", ""), f"{name}: {step.get('name')} interpolates into a script"


@pytest.mark.parametrize("name", MINE)
def test_least_permissions(name: str) -> None:
    workflow = load(name)
    assert workflow["permissions"] == {}, f"{name}: the workflow default must be no permissions"
    for job_name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{name}: job {job_name} must say what it needs"
        assert "write-all" not in str(job["permissions"])
        checkouts = [step for step in job.get("steps", []) if str(step.get("uses", "")).startswith("actions/checkout")]
        assert all(step["with"]["persist-credentials"] == "false" for step in checkouts)


def test_maintainer_workflow_guard_and_concurrency() -> None:
    workflow = load("symphony.yml")
    assert workflow["on"] == {"issues": {"types": ["labeled", "unlabeled"]}, "issue_comment": {"types": ["created"]}}
    job = workflow["jobs"]["symphony"]
    assert "github.event.label.name == 'runmaestro.ai'" in job["if"]
    assert "contains(github.event.comment.body, '/symphony')" in job["if"]
    assert "author_association" in job["if"]
    group = workflow["concurrency"]["group"]
    assert "github.event.issue.number" in group and workflow["concurrency"]["cancel-in-progress"] == "false"
    assert job["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
        "issues": "write",
        "actions": "write",
    }


def test_donor_fans_out_over_the_scan_matrix() -> None:
    workflow = load("donor.yml")
    assert set(workflow["on"]) == {"workflow_dispatch", "schedule"}
    scan = workflow["jobs"]["scan"]
    assert [step["with"]["mode"] for step in scan["steps"] if step.get("uses") == "$/."] == ["scan"]
    run = workflow["jobs"]["run"]
    assert run["strategy"]["matrix"] == "${{ fromJSON(needs.scan.outputs.matrix) }}"
    assert run["strategy"]["fail-fast"] == "false"
    [symphony] = [step for step in run["steps"] if step.get("uses") == "$/."]
    assert symphony["with"]["issue"] == "${{ matrix.repo }}#${{ matrix.issue }}"
    assert "matrix.repo" in run["concurrency"]["group"] and "matrix.issue" in run["concurrency"]["group"]


def test_release_pushes_images_without_third_party_actions() -> None:
    workflow = load("release.yml")
    assert workflow["on"] == {"push": {"tags": ["v*.*.*"]}}
    assert workflow["jobs"]["image"]["permissions"] == {"contents": "read", "packages": "write"}
