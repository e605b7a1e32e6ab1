"""kill -9 at every stage of a run, then a re-run: one PR, one comment, every task committed exactly once.
SIGTERM: the committed work is pushed, the comment says stopped, the claim is kept, a re-run finishes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from symphony_bot.contribution.state import Phase
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox
from tests.e2e.contribution_helpers import (
    BOT_TOKEN,
    OWNER,
    REPO,
    SLUG,
    run_issue,
    status_comments,
    symphony_commits,
)

ALL_TASKS = [
    "symphony: docs/autorun/1-greeting.md — Create `hello.txt` with a greeting",
    "symphony: docs/autorun/1-greeting.md — Add a farewell to `hello.txt`",
    "symphony: docs/autorun/1-greeting.md — List the greetings in `GREETINGS.md`",
    "symphony: docs/autorun/2-docs.md — Describe the greeting in `docs/usage.md`",
    "symphony: docs/autorun/2-docs.md — Add a changelog entry in `CHANGELOG.md`",
]
# The demo agent, except that the second task hangs once (until killed): a run we can stop mid-task.
SLOW_AGENT = """
import os, pathlib, runpy, sys, time
marker = pathlib.Path(sys.argv[1])
if os.environ["SYMPHONY_TASK"].startswith("Add a farewell") and not marker.exists():
    marker.write_text("hung once")
    time.sleep(60)
runpy.run_module("symphony_bot.demo.agent", run_name="__main__")
"""


@pytest.fixture
def world():
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        yield sb, number


@pytest.fixture
def shared(tmp_path):
    """A folder the agent's unprivileged user can enter (the CLI runs agents as `symphony-agent` under root):
    the run's temporary folders and the agent script go there; the hang marker is the agent's to write."""
    folder = Path(tempfile.mkdtemp(prefix="symphony-e2e-"))
    os.chmod(folder, 0o711)
    (folder / "markers").mkdir(mode=0o777)
    os.chmod(folder / "markers", 0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


class Run:
    """`symphony-bot run --json` in a child process, its events read as they come."""

    def __init__(self, sb, number, tmp_path, hang: bool = False) -> None:
        marker = tmp_path / "markers" / "hung"
        if not hang:
            marker.write_text("no hang in this run")
            marker.chmod(0o666)
        agent = tmp_path / "slow_agent.py"
        agent.write_text(SLOW_AGENT)
        agent.chmod(0o644)
        command = f"{sys.executable} {agent} {marker}"
        env = {
            "PATH": os.environ["PATH"],
            "GITHUB_TOKEN": BOT_TOKEN,
            "TMPDIR": str(tmp_path),
            "HOME": str(tmp_path),
            "PYTHONPATH": os.getcwd(),
        }
        argv = [sys.executable, "-m", "symphony_bot", "run", f"{SLUG}#{number}", "--agent", "command"]
        argv += ["--agent-command", command, "--json", "--github-url", sb.api_url, "--comment-interval", "0"]
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        self.events: list[dict] = []
        self._arrived = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            if line.startswith("{"):
                with self._arrived:
                    self.events.append(json.loads(line))
                    self._arrived.notify_all()

    def wait_for(self, predicate, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for event in self.events:
                    if predicate(event):
                        return event
                left = deadline - time.monotonic()
                assert left > 0 and (self.process.poll() is None or self.process.stdout.closed), self.events
                self._arrived.wait(left)

    def kill(self, signum: int = signal.SIGKILL) -> int:
        self.process.send_signal(signum)
        code = self.process.wait(timeout=60)
        self._reader.join(timeout=10)
        self.stderr = self.process.stderr.read()
        self.process.stdout.close()
        self.process.stderr.close()
        return code


def _converged(sb, number) -> None:
    state = run_issue(sb, number)
    assert state.phase is Phase.COMPLETED, (state.last_error, state.notes)
    open_pulls = [pull for pull in sb.pulls(OWNER, REPO) if pull.state == "open"]
    assert len(open_pulls) == 1, [(p.number, p.state, p.title) for p in sb.pulls(OWNER, REPO)]
    assert symphony_commits(sb, open_pulls[0].pull.head_sha) == ALL_TASKS
    assert not open_pulls[0].pull.draft
    assert len(status_comments(sb, number)) == 1


def _task(name: str):
    return lambda event: event.get("type") == "task_start" and event.get("task", "").startswith(name)


def test_kill_mid_task(world, shared) -> None:
    sb, number = world
    run = Run(sb, number, shared, hang=True)
    run.wait_for(_task("Add a farewell"))
    assert run.kill() == -signal.SIGKILL
    _converged(sb, number)


def test_kill_between_commit_and_push(world, shared) -> None:
    sb, number = world
    sb.faults.inject("git/receive-pack", "delay", delay=3, nth=3)  # the second push: info/refs, then POST
    run = Run(sb, number, shared)
    run.wait_for(
        lambda e: e.get("type") == "task_complete" and e.get("summary", "").startswith("Wrote hello.txt for: Add")
    )
    time.sleep(1.0)  # committed; the push is held by the server
    run.kill()
    # Whatever the killed run had sent may still land once the server's hold is over: wait until the remote
    # has settled (the hold is 3 s; then nothing new for 2 s), so the re-run starts from what will stay.
    time.sleep(3.0)  # the hold
    settled, seen = time.monotonic(), _git_requests(sb)
    while time.monotonic() - settled < 2.0:
        time.sleep(0.2)  # polling the request log
        if _git_requests(sb) != seen:
            settled, seen = time.monotonic(), _git_requests(sb)
    _converged(sb, number)


def _git_requests(sb) -> int:
    return sum(1 for r in sb.requests if r.operation == "git/receive-pack")


def test_kill_between_push_and_pull_request(world, shared) -> None:
    sb, number = world
    sb.faults.inject("pulls/create", "delay", delay=2, nth=1)
    run = Run(sb, number, shared)
    run.wait_for(lambda e: e.get("type") == "pushed")
    run.kill()
    assert sb.pulls(OWNER, REPO) == []
    _converged(sb, number)  # resumes the pushed branch and opens the PR (the delayed POST may race it)


def test_kill_during_a_comment_edit(world, shared) -> None:
    sb, number = world
    sb.faults.inject("issues/update-comment", "delay", delay=2)
    run = Run(sb, number, shared)
    run.wait_for(lambda e: e.get("type") == "claimed")
    time.sleep(0.5)  # the next comment edit is now held by the server's 2 s delay
    run.kill()
    sb.faults.clear()
    _converged(sb, number)


def test_sigterm_pushes_finalises_as_stopped_and_keeps_the_claim(world, shared) -> None:
    sb, number = world
    run = Run(sb, number, shared, hang=True)
    run.wait_for(_task("Add a farewell"))
    assert run.kill(signal.SIGTERM) == 4
    finalized = run.wait_for(lambda e: e.get("type") == "finalized", timeout=5)
    assert finalized["phase"] == "stopped"
    [pull] = sb.pulls(OWNER, REPO)
    assert pull.state == "open" and pull.pull.draft and pull.title.startswith("[WIP]")
    [comment] = status_comments(sb, number)
    assert "⏸️ stopped" in comment.body and "The claim is kept" in comment.body
    _converged(sb, number)
