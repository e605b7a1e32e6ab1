"""How a contribution ends when the run cannot say it itself (issue 19 items 2 and 4), end to end on the sandbox:
`cancel` during a run (the workflow run cancelled through the Actions API, the PR closed, nothing re-pushed),
`finalize` of a run that stopped short, cancel without a PR, and the Action's post step after the main step died.

The run goes on in a thread while its agent waits at a gate (a file the test creates), so the test decides when
each side moves; nothing here waits on a clock except a generous bound on the agent's arrival at the gate."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from symphony_bot.autorun.engine import Budget
from symphony_bot.cli import cli
from symphony_bot.contribution.config import RunConfig
from symphony_bot.contribution.endings import ENDING_POST_STEP, publish_stopped
from symphony_bot.contribution.runner import ContributionRunner
from symphony_bot.contribution.state import ContributionState, Phase
from symphony_bot.contribution.status_comment import NO_PULL_YET, STATUS_MARKER
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox
from symphony_bot.stats.pr_metadata import parse_block
from tests.e2e.contribution_helpers import BOT_TOKEN, OWNER, REPO, SLUG, client_for, run_issue, script_agent
from tests.e2e.contribution_helpers import status_comments as comments_of

WORKFLOW = "on:\n  workflow_dispatch:\njobs: {}\n"
ARRIVAL_BOUND_S = 600  # how long the agent may take to reach the gate on a loaded machine (never a speed claim)
# Ticks its box and writes a file; the second task first waits at the gate. The agent may write only its work
# tree (containment), so the gate is there: it writes WAITING, the test writes GO.
GATED_AGENT = """
import time
repo = pathlib.Path(os.environ["SYMPHONY_REPO"])
doc = pathlib.Path(os.environ["SYMPHONY_DOC"])
n = int(os.environ["SYMPHONY_TASK_LINE"]) - 1
if "[x]" in doc.read_text():
    (repo / "WAITING").write_text("at the gate")
    while not (repo / "GO").exists():
        time.sleep(0.05)
lines = doc.read_text().split("\\n")
lines[n] = lines[n].replace("[ ]", "[x]", 1)
doc.write_text("\\n".join(lines))
(repo / f"task-{n}.txt").write_text("done")
"""


@pytest.fixture
def world():
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        yield sb, number


def _workflow_run(sb) -> tuple[int, str]:
    """A workflow run in progress, as the job running the contribution would be (the sandbox executes nothing)."""
    sb.push_branch(OWNER, REPO, "main", {".github/workflows/symphony.yml": WORKFLOW})
    url = f"{sb.api_url}/repos/{OWNER}/{REPO}/actions/workflows/symphony.yml/dispatches"
    headers = {"Authorization": f"token {scenario.MAINTAINER_TOKEN}"}
    assert requests.post(url, json={"ref": "main"}, headers=headers, timeout=30).status_code == 204
    runs = sb.workflow_runs(OWNER, REPO)
    [run] = runs
    sb.set_run_status(OWNER, REPO, run.id, "in_progress")
    return run.id, f"{sb.api_url.rstrip('/')}/{OWNER}/{REPO}/actions/runs/{run.id}"


class GatedRun:
    """A contribution running in a thread, its agent held at the gate before its second task."""

    def __init__(self, sb, number: int, tmp_path: Path, run_url: str) -> None:
        runs = tmp_path / "runs"
        runs.mkdir()
        agent = script_agent(tmp_path, GATED_AGENT)
        self.client = client_for(sb)
        config = RunConfig(
            repository=SLUG,
            issue=number,
            agent=agent,
            agent_name="command",
            token=BOT_TOKEN,
            task_timeout_s=ARRIVAL_BOUND_S,
            inactivity_timeout_s=ARRIVAL_BOUND_S,
            run_url=run_url,
            comment_interval_s=0,
            work_root=runs,
        )
        self.runner = ContributionRunner(self.client, config)
        self.result: ContributionState | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + ARRIVAL_BOUND_S
        while not (waiting := list(runs.glob("symphony-run-*/work/WAITING"))):
            assert self.thread.is_alive() and time.monotonic() < deadline, "the agent never reached the gate"
            time.sleep(0.05)
        self.gate = waiting[0].with_name("GO")

    def _run(self) -> None:
        self.result = self.runner.run()

    def release(self) -> ContributionState:
        if self.thread.is_alive():  # a stopped run has removed its work tree already
            self.gate.write_text("go")
        self.thread.join(ARRIVAL_BOUND_S)
        self.client.close()
        assert self.result is not None
        return self.result


def _cli(sb, *arguments: str, token: str = BOT_TOKEN, own_run: str = ""):
    env = {"GITHUB_TOKEN": token, "SYMPHONY_GITHUB_TOKEN": "", "GITHUB_RUN_ID": own_run, "SYMPHONY_TRIGGERED_BY": ""}
    return CliRunner().invoke(cli, [*arguments, "--github-url", sb.api_url], env=env)


def test_cancel_during_a_run_cancels_the_job_closes_the_pr_and_nothing_is_pushed_again(world, tmp_path) -> None:
    sb, number = world
    run_id, run_url = _workflow_run(sb)
    run = GatedRun(sb, number, tmp_path, run_url)
    [pull] = sb.pulls(OWNER, REPO)  # the first task was pushed: the claim is open
    branch = pull.pull.head_ref
    result = _cli(sb, "cancel", f"{SLUG}#{number}", "--requested-by", "maintainer", "--wait", "30")
    assert result.exit_code == 0, result.output
    assert f"cancelled workflow run {run_id}" in result.output and f"closed PR #{pull.number}" in result.output
    [workflow_run] = sb.workflow_runs(OWNER, REPO)
    assert (workflow_run.status, workflow_run.conclusion) == ("completed", "cancelled")  # through the Actions API
    # The job outlived the cancel here (the sandbox runs nothing): the run goes on, ticks its second task, and
    # must find its PR closed before it pushes or edits anything.
    state = run.release()
    assert state.phase is Phase.CANCELLED and state.pull_closed and state.branch_deleted
    [closed] = sb.pulls(OWNER, REPO)
    assert closed.state == "closed" and closed.title.startswith("[WIP] ")  # not stripped by the run's end
    assert branch not in sb.branches(OWNER, REPO)  # not re-pushed
    [comment] = comments_of(sb, number)
    assert "✋ cancelled" in comment.body and "❌ failed" not in comment.body
    assert f"[PR #{pull.number}]" in comment.body and "(closed)" in comment.body
    assert f"branch `{branch}` (deleted)" in comment.body and NO_PULL_YET not in comment.body
    assert "| ✅ |" in comment.body  # the task table is kept


def test_finalize_of_a_run_that_stopped_short_says_it_is_a_hand_over(world) -> None:
    sb, number = world
    state = run_issue(sb, number, budget=Budget(max_tasks=1))
    assert state.phase is Phase.BUDGET_REACHED
    [before] = comments_of(sb, number)
    result = _cli(sb, "finalize", f"{SLUG}#{number}", "--requested-by", "maintainer")
    assert result.exit_code == 0, result.output
    assert "is ready for review (1 of 5 tasks done)" in result.output
    [pull] = sb.pulls(OWNER, REPO)
    assert not pull.pull.draft and not pull.title.startswith("[WIP]")
    [comment] = comments_of(sb, number)
    for text in (comment.body, pull.body):
        assert "📤 handed over for review" in text and "✅ completed" not in text
        assert "budget reached" not in text and "Run again" not in text
    assert "1 of 5 tasks done; 4 left undone" in comment.body
    assert "Elapsed** 0.0s" not in comment.body
    table = [line for line in before.body.splitlines() if line.startswith("| ")]
    assert len(table) == 6 and all(line in comment.body for line in table[1:])  # every row kept, as it was
    recorded = parse_block(pull.body)
    assert recorded is not None and recorded.state == "budget_reached" and len(recorded.tasks) == 5


def test_cancel_without_a_pull_request_keeps_the_table_and_names_no_pr(world, tmp_path) -> None:
    sb, number = world
    idle = script_agent(tmp_path, "print('nothing done')\n")
    state = run_issue(sb, number, agent=idle)
    assert state.pull_number is None and sb.pulls(OWNER, REPO) == []
    result = _cli(sb, "cancel", f"{SLUG}#{number}")
    assert result.exit_code == 0, result.output
    [comment] = comments_of(sb, number)
    assert "✋ cancelled" in comment.body and "no pull request had been opened" in comment.body
    assert "**Links** no pull request was opened" in comment.body and NO_PULL_YET not in comment.body
    assert sum(1 for line in comment.body.splitlines() if line.startswith("| ")) == 6


def test_the_post_step_after_the_main_step_died_says_stopped_with_the_table(world, tmp_path) -> None:
    sb, number = world
    _, run_url = _workflow_run(sb)
    run = GatedRun(sb, number, tmp_path, run_url)
    # The main step is gone (SIGKILL) as far as GitHub can tell: the comment and the PR still say running.
    with client_for(sb) as client:
        said = publish_stopped(client, SLUG, number, run_url=run_url)
    assert said is not None and "now says the run stopped" in said
    [comment] = comments_of(sb, number)
    [pull] = sb.pulls(OWNER, REPO)
    assert "⏸️ stopped" in comment.body and ENDING_POST_STEP.split(":")[0] in comment.body
    assert "⏸️ stopped" in pull.body and "🏃 running" not in pull.body
    assert "| ✅ |" in comment.body and run_url in comment.body
    with client_for(sb) as client:  # a second post step (or one after a clean end) writes nothing
        assert "nothing to finalise" in (publish_stopped(client, SLUG, number) or "")
    run.release()


def test_cancel_waits_for_the_job_to_stop_then_releases_the_claim(world, tmp_path, monkeypatch) -> None:
    """GitHub's order of things: the cancel is accepted (202), the job's runner stops the run (the Action forwards
    the signal: `request_stop`), the run finalises and the run reads completed; only then is the PR closed."""
    sb, number = world
    run_id, run_url = _workflow_run(sb)
    run = GatedRun(sb, number, tmp_path, run_url)
    store = sb.state

    def cancel_run(repo, workflow_run, actor) -> None:  # GitHub: 202 now, completed once the job has stopped
        store.require(repo, actor, "write")

        def job_ends() -> None:
            run.thread.join(ARRIVAL_BOUND_S)
            sb.set_run_status(OWNER, REPO, workflow_run.id, "completed", "cancelled")

        run.runner.request_stop()
        threading.Thread(target=job_ends, daemon=True).start()

    monkeypatch.setattr(store, "cancel_run", cancel_run)
    [pull] = sb.pulls(OWNER, REPO)
    result = _cli(sb, "cancel", f"{SLUG}#{number}", "--wait", str(ARRIVAL_BOUND_S))
    assert result.exit_code == 0, result.output
    assert f"cancelled workflow run {run_id} and closed PR #{pull.number}" in result.output
    run.thread.join(ARRIVAL_BOUND_S)
    assert run.result is not None and run.result.phase is Phase.STOPPED  # the run's own end, before the release
    [closed] = sb.pulls(OWNER, REPO)
    assert closed.state == "closed" and pull.pull.head_ref not in sb.branches(OWNER, REPO)
    [comment] = comments_of(sb, number)
    assert "✋ cancelled" in comment.body and "⏸️ stopped" not in comment.body
    assert "✋ cancelled" in closed.body
    run.release()


def test_the_post_step_leaves_a_comment_without_a_record_to_its_caller(world) -> None:
    """A status comment written before the metadata block was carried (an older release): nothing is rebuilt from
    nothing (that would show an empty table); None tells the caller to fall back to patching the text."""
    sb, number = world
    old = f"{STATUS_MARKER}\n### 🎼 Symphony — 🏃 running\n\n**Running task 2 of 5.**\n"
    sb.comment(OWNER, REPO, number, old, author=scenario.BOT_LOGIN)
    with client_for(sb) as client:
        assert publish_stopped(client, SLUG, number) is None
    assert [comment.body for comment in comments_of(sb, number)] == [old]


def test_cancel_never_cancels_the_job_it_runs_in(world, tmp_path) -> None:
    """`/symphony cancel` runs `symphony-bot cancel` inside a workflow run (GITHUB_RUN_ID); should the comment link
    that same run, it is not cancelled (the cancel would kill itself) — the claim is still released."""
    sb, number = world
    run_id, run_url = _workflow_run(sb)
    run = GatedRun(sb, number, tmp_path, run_url)
    result = _cli(sb, "cancel", f"{SLUG}#{number}", own_run=str(run_id))
    assert result.exit_code == 0, result.output
    assert "cancelled workflow run" not in result.output and "closed PR" in result.output
    [workflow_run] = sb.workflow_runs(OWNER, REPO)
    assert workflow_run.status == "in_progress"
    assert run.release().phase is Phase.CANCELLED
