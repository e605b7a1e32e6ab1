"""`verify` in a contribution run on the sandbox: the check fails, the agent's retry (told the output) fixes it,
the task is committed; a check that never passes commits each task marked (`commit`), commits nothing (`skip`), or
stops the run (`stop`). Each task's result is a cell of the status comment's Verify column and a marker in the PR
body's task list, and a later writer (finalize) shows them again."""

from __future__ import annotations

import pytest

from symphony_bot.contribution.finalize import finalize_claim
from symphony_bot.contribution.state import Phase
from symphony_bot.contribution.verification import COMMIT, SKIP, STOP, VerifySettings
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox
from tests.e2e.contribution_helpers import (
    OWNER,
    REPO,
    SLUG,
    client_for,
    run_issue,
    script_agent,
    status_comments,
    symphony_commits,
)

# Does each task (a line in work.txt, its box ticked); told that the check failed, it makes the check pass.
AGENT = """
prompt = pathlib.Path(os.environ["SYMPHONY_PROMPT_FILE"]).read_text()
repo = pathlib.Path(os.environ["SYMPHONY_REPO"])
if "failed after your change" in prompt:
    assert "check says: no ok.txt" in prompt, prompt
    (repo / "ok.txt").write_text("fixed\\n")
else:
    with open(repo / "work.txt", "a") as handle:
        handle.write(os.environ["SYMPHONY_TASK"][:40] + "\\n")
    doc = pathlib.Path(os.environ["SYMPHONY_DOC"])
    lines = doc.read_text().splitlines(keepends=True)
    line = int(os.environ["SYMPHONY_TASK_LINE"])
    lines[line - 1] = lines[line - 1].replace("- [ ]", "- [x]", 1)
    doc.write_text("".join(lines))
print("done")
"""
CHECK = "test -f ok.txt || { echo 'check says: no ok.txt'; exit 1; }"


@pytest.fixture
def world():
    with Sandbox() as sb:
        number, _trigger = scenario.seed(sb)
        yield sb, number


def test_a_check_failing_once_passes_after_the_retry_and_the_task_is_committed(world, tmp_path):
    sb, number = world
    state = run_issue(sb, number, agent=script_agent(tmp_path, AGENT), verify=VerifySettings(CHECK, 1, COMMIT))
    assert state.phase is Phase.COMPLETED
    [pull] = sb.pulls(OWNER, REPO)
    assert sb.file(OWNER, REPO, "ok.txt", ref=pull.pull.head_ref) == "fixed\n"
    assert not any("Verify" in note for note in state.notes)  # it passed: no note, only its cell
    [comment] = status_comments(sb, number)
    cells = verify_cells(comment.body)
    assert cells[0] == "✔️ passed on retry" and set(cells[1:]) == {"✔️ passed"}  # ok.txt is there from then on
    assert f"— *{cells[0]}*" in pull.body and pull.body.count("— *✔️ passed*") == len(cells) - 1


def verify_cells(comment: str) -> list[str]:
    """The Verify column of the status comment's task table (its last column)."""
    rows = [line for line in comment.splitlines() if line.startswith("| ")]
    assert rows[0].endswith("| Verify |"), rows[0]
    return [row.strip().strip("|").split("|")[-1].strip() for row in rows[1:]]


def test_a_check_that_never_passes_with_commit_commits_each_task_marked_and_finalize_keeps_the_marks(world, tmp_path):
    sb, number = world
    settings = VerifySettings("echo 'check says: never'; exit 1", 1, COMMIT)
    state = run_issue(sb, number, agent=script_agent(tmp_path, AGENT), verify=settings)
    assert state.phase is Phase.COMPLETED
    [pull] = sb.pulls(OWNER, REPO)
    assert len(symphony_commits(sb, pull.pull.head_sha)) == state.tasks_total  # committed anyway, one per task
    with client_for(sb) as client:
        finalize_claim(client, SLUG, number, requested_by=OWNER)  # renders anew from the metadata block
    [comment] = status_comments(sb, number)
    assert set(verify_cells(comment.body)) == {"⚠️ failed, committed"}
    body = sb.pulls(OWNER, REPO)[0].body
    assert body.count("— *⚠️ failed, committed*") == state.tasks_total


def test_a_check_that_never_passes_with_skip_commits_nothing_and_marks_each_task(world, tmp_path):
    sb, number = world
    settings = VerifySettings("echo 'check says: never'; exit 1", 0, SKIP)
    run_issue(sb, number, agent=script_agent(tmp_path, AGENT), verify=settings)
    assert sb.pulls(OWNER, REPO) == []  # no commit, so no claim
    [comment] = status_comments(sb, number)
    assert set(verify_cells(comment.body)) >= {"⏭️ failed, skipped"}


def test_a_check_that_never_passes_with_stop_commits_nothing_and_says_so(world, tmp_path):
    sb, number = world
    settings = VerifySettings("echo 'check says: never'; exit 1", 1, STOP)
    state = run_issue(sb, number, agent=script_agent(tmp_path, AGENT), verify=settings)
    assert state.phase is not Phase.COMPLETED
    assert sb.pulls(OWNER, REPO) == []  # nothing was committed, so nothing was pushed or claimed
    [comment] = status_comments(sb, number)
    assert "verify failed, run stopped" in comment.body
    assert verify_cells(comment.body)[0] == "🛑 failed, stopped"
