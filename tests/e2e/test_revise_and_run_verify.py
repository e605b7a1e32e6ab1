"""`verify` in a contribution run on the sandbox: the check fails, the agent's retry (told the output) fixes it,
the task is committed; a check that never passes with `stop` commits nothing and stops the run, noted."""

from __future__ import annotations

import pytest

from symphony_bot.contribution.state import Phase
from symphony_bot.contribution.verification import COMMIT, STOP, VerifySettings
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox
from tests.e2e.contribution_helpers import OWNER, REPO, run_issue, script_agent, status_comments

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
    assert not any("Verify" in note for note in state.notes)  # it passed: nothing to mark


def test_a_check_that_never_passes_with_stop_commits_nothing_and_says_so(world, tmp_path):
    sb, number = world
    settings = VerifySettings("echo 'check says: never'; exit 1", 1, STOP)
    state = run_issue(sb, number, agent=script_agent(tmp_path, AGENT), verify=settings)
    assert state.phase is not Phase.COMPLETED
    assert sb.pulls(OWNER, REPO) == []  # nothing was committed, so nothing was pushed or claimed
    [comment] = status_comments(sb, number)
    assert "verify failed, run stopped" in comment.body
