"""`auto-start` obeys `who-can-run`: the label starts a run only when the labeller may also start one with
`/symphony run`; otherwise the offer says why and how to start it. A matrix of policies and labellers, against
the sandbox's collaborator permissions (the labeller needs triage access for the label to count at all)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from symphony_bot.action.replies import STATUS_MARKER
from tests.action_helpers import BOT, LABEL, OWNER, REPO, World, labeled, make_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


LABELLERS = (OWNER, "writer", "triager")  # admin (the owner), write, triage
# who-can-run -> the labellers whose label starts the run
MATRIX = {
    "write": {OWNER, "writer"},
    "maintain": {OWNER},
    "admin": {OWNER},
    "anyone": {OWNER, "writer", "triager"},  # anyone may run a labelled issue
    "writer": {"writer"},  # a list of logins: only they, not even the owner
}


@pytest.mark.parametrize("labeller", LABELLERS)
@pytest.mark.parametrize("who_can_run", list(MATRIX))
def test_the_label_starts_a_run_only_for_whom_who_can_run_allows(world: World, who_can_run: str, labeller: str) -> None:
    (world.workspace / ".github").mkdir()
    (world.workspace / ".github" / "symphony.yml").write_text(
        f"auto-start: true\nwho-can-run: {who_can_run}\nagent: command\n"
    )
    number = world.sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=[LABEL]).number
    step = world.act("issues", labeled(number, by=labeller))
    [offer] = [body for user, body in world.comments(number) if user == BOT and STATUS_MARKER in body]
    if labeller in MATRIX[who_can_run]:
        assert [kind for kind, _ in world.runner.requests] == ["run"]
        assert step.outputs["status"] == "completed" and "starting now" in offer
    else:
        assert world.runner.requests == []
        assert step.outputs["status"] == "ready"
        assert "comment `/symphony run` to start; the label did not start it" in offer and labeller in offer
