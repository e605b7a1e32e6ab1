"""The registry check on `pull_request`, in a real git workspace (the checkout actions/checkout makes with
fetch-depth: 2: the head commit, with the base commit present): validation, then the change between the base and
the head through `registry diff --base-rev` — a valid change passes, a change only the diff can judge fails."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.action_helpers import World, example, make_world, readdress, schema_errors
from tests.registry_helpers import entry, registry_with

REGISTRY = "symphony-registry.json"
OTHER = entry(slug="octo/other", name="Other", url="https://github.com/octo/other")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def git(world: World, *arguments: str) -> str:
    identity = ["-c", "user.name=Maintainer", "-c", "user.email=m@example.com"]
    return subprocess.run(
        ["git", "-C", str(world.workspace), *identity, *arguments], capture_output=True, text=True, check=True
    ).stdout.strip()


def commit_registry(world: World, registry: dict[str, Any], message: str) -> str:
    (world.workspace / REGISTRY).write_text(json.dumps(registry, indent=2) + "\n")
    git(world, "add", REGISTRY)
    git(world, "commit", "-q", "-m", message)
    return git(world, "rev-parse", "HEAD")


def pull_request_from(world: World, head: dict[str, Any]) -> dict[str, Any]:
    git(world, "init", "-q", "-b", "main")
    base_sha = commit_registry(world, registry_with(entry()), "base")
    head_sha = commit_registry(world, head, "the change")
    payload = readdress(example("pull_request", "synchronize"), sender="writer")
    payload["pull_request"]["base"]["sha"], payload["pull_request"]["head"]["sha"] = base_sha, head_sha
    assert schema_errors("pull_request$synchronize", payload) == []
    return payload


def test_a_valid_change_is_checked_against_its_base(world: World) -> None:
    step = world.act("pull_request", pull_request_from(world, registry_with(entry(), OTHER)))
    assert step.outcome.status == "checked" and not step.outcome.failed, step.log[-3000:]
    assert "not in the checkout" not in step.outcome.message  # the diff ran
    assert "octo/other" in step.summary  # the job summary lists the added project


def test_a_change_only_the_diff_refuses_fails_with_an_annotation(world: World) -> None:
    renamed = entry(slug="octo/hello-renamed")  # same project (same url), new slug: valid alone, not as a change
    step = world.act("pull_request", pull_request_from(world, registry_with(renamed)))
    assert step.outcome.status == "findings" and step.outcome.failed, step.log[-3000:]
    assert f"::error file={REGISTRY}" in step.log and "slug changed" in step.log


def test_a_broken_project_added_is_annotated_once_per_problem(world: World) -> None:
    # validate and the diff both see the new project's empty name; only the diff marks it (one annotation per
    # problem on the pull request), and the check fails.
    broken = entry(slug="octo/other", name="", url="https://github.com/octo/other")
    step = world.act("pull_request", pull_request_from(world, registry_with(entry(), broken)))
    assert step.outcome.status == "findings" and step.outcome.failed, step.log[-3000:]
    annotations = [line for line in step.log.splitlines() if line.startswith("::error ")]
    assert annotations and len(annotations) == len(set(annotations)), annotations
    assert any("schema-min-length" in line for line in annotations)
