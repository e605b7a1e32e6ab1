"""The pages workflow: trigger and schedule, least privilege, pinned actions, and its build step's exit-code
handling run for real in bash with a stand-in `symphony-bot`."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "pages.yml"


def load() -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return data


def test_scheduled_at_an_odd_minute_and_by_hand_only() -> None:
    triggers = load()[True]  # YAML 1.1 reads the key `on` as a boolean
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    (entry,) = triggers["schedule"]
    minute = entry["cron"].split()[0]
    assert minute.isdigit() and int(minute) % 2 == 1


def test_least_privilege() -> None:
    workflow = load()
    assert workflow["permissions"] == {}
    assert workflow["jobs"]["build"]["permissions"] == {"contents": "read"}
    assert workflow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert workflow["jobs"]["deploy"]["environment"]["name"] == "github-pages"
    assert all("run" not in step for step in workflow["jobs"]["deploy"]["steps"])  # deploy runs no code of ours


def test_actions_pinned_by_sha_and_no_expressions_in_run() -> None:
    for job in load()["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
            assert "${{" not in step.get("run", ""), step
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def build_step() -> dict[str, Any]:
    steps = load()["jobs"]["build"]["steps"]
    step: dict[str, Any] = next(s for s in steps if s.get("name") == "Build the site")
    return step


@pytest.mark.parametrize(("exit_code", "job_fails"), [(0, False), (1, False), (2, True)])
def test_build_step_publishes_a_partial_site_but_fails_on_usage_errors(
    tmp_path: Path, exit_code: int, job_fails: bool
) -> None:
    fake = tmp_path / "symphony-bot"
    fake.write_text(f'#!/bin/sh\necho "$@" > "{tmp_path}/args"\nexit {exit_code}\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "SYMPHONY_REGISTRY": "https://x/r.json"}
    completed = subprocess.run(
        ["bash", "-e", "-c", build_step()["run"]], env=env, capture_output=True, text=True, check=False, timeout=30
    )
    assert (completed.returncode != 0) is job_fails
    assert (tmp_path / "args").read_text().split() == ["site", "--out", "_site", "--registry", "https://x/r.json"]
    if exit_code == 1:
        assert completed.stdout.startswith("::warning::")
