"""The workflows this repository ships and users copy: pinned actions, no expressions in scripts, least
permissions, the maintainer workflow's guard and per-issue concurrency, the donor's matrix fan-out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from symphony_bot.action.replies import READY, OfferFacts, help_reply, offer_comment, refusal_reply
from tests.actions_runner import evaluate, truthy

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


def test_maintainer_workflow_triggers_and_permissions() -> None:
    workflow = load("symphony.yml")
    assert workflow["on"] == {
        "issues": {"types": ["labeled", "unlabeled"]},
        "issue_comment": {"types": ["created"]},
        "schedule": [{"cron": "23 6 * * *"}],  # stale claims (maintenance.scheduled)
    }
    job = workflow["jobs"]["symphony"]
    assert "author_association" not in job["if"]  # private org members show as NONE/CONTRIBUTOR: the action decides
    assert workflow["concurrency"]["cancel-in-progress"] == "false"
    assert job["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
        "issues": "write",
        "actions": "write",
    }


def _comment(body: str, association: str = "NONE") -> dict[str, Any]:
    return {
        "event_name": "issue_comment",
        "event": {
            "action": "created",
            "issue": {"number": 7},
            "comment": {"body": body, "author_association": association, "user": {"login": "someone"}},
        },
    }


def _labeled(name: str, action: str = "labeled") -> dict[str, Any]:
    return {"event_name": "issues", "event": {"action": action, "issue": {"number": 7}, "label": {"name": name}}}


SCHEDULE: dict[str, Any] = {"event_name": "schedule", "event": {"schedule": "23 6 * * *"}}
# (what happened, the github context, starts a job?, joins the run group?)
EVENTS: list[tuple[str, dict[str, Any], bool, bool]] = [
    ("/symphony run", _comment("/symphony run"), True, True),
    ("/SYMPHONY RUN (expressions ignore case, as the action does)", _comment("/SYMPHONY RUN"), True, True),
    ("/symphony run by a private org member", _comment("/symphony run", "CONTRIBUTOR"), True, True),
    ("/symphony stop", _comment("/symphony stop"), True, False),
    ("/symphony status", _comment("/symphony status", "OWNER"), True, False),
    ("a later-line /symphony run (the stated cost)", _comment("Thanks!\n\n/symphony run"), True, False),
    ("the bot's offer", _comment(offer_comment(OfferFacts(READY, 1, 3, 2))), False, False),
    ("the bot's help reply", _comment(help_reply(None)), False, False),
    ("the bot's refusal", _comment(refusal_reply("x", "run", "no write access")), False, False),
    ("a comment without /symphony", _comment("LGTM"), False, False),
    ("the Symphony label", _labeled("runmaestro.ai"), True, True),
    ("another label", _labeled("bug"), False, False),
    ("the Symphony label removed", _labeled("runmaestro.ai", "unlabeled"), True, False),
    ("the schedule", SCHEDULE, True, False),
]


@pytest.mark.parametrize(("what", "github", "starts", "run_group"), EVENTS, ids=[case[0] for case in EVENTS])
def test_maintainer_workflow_guard_and_concurrency_groups(
    what: str, github: dict[str, Any], starts: bool, run_group: bool
) -> None:
    workflow = load("symphony.yml")
    context = {"github": {**github, "run_id": "4242"}}
    assert truthy(evaluate(workflow["jobs"]["symphony"]["if"], context)) == starts, what
    group = _interpolate(workflow["concurrency"]["group"], context)
    number = github["event"].get("issue", {}).get("number", "")
    assert group == f"symphony-{number}-" + ("run" if run_group else "4242"), what


def _interpolate(template: str, context: dict[str, Any]) -> str:
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(evaluate(m.group(1), context) or ""), template, flags=re.DOTALL)


def test_donor_reads_its_max_parallel_input() -> None:
    strategy = load("donor.yml")["jobs"]["run"]["strategy"]
    expression = re.fullmatch(r"\$\{\{(.*)\}\}", strategy["max-parallel"])
    assert expression is not None
    assert evaluate(expression.group(1).replace("fromJSON", ""), {"inputs": {"max-parallel": "2"}}) == "2"
    assert evaluate(expression.group(1).replace("fromJSON", ""), {"inputs": {}}) == "4"  # schedule: no inputs


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
    assert workflow["jobs"]["release"]["permissions"] == {"contents": "write"}  # the tagged release init pins to
    for job in ("release", "image"):
        assert any("docker/pin-release.py" in step.get("run", "") for step in workflow["jobs"][job]["steps"])
