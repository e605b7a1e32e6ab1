"""How a cancelled job ends, without the image: `symphony-bot action` as a real process in the middle of a real
run (the runner in its child process, an agent blocked on its second task), signalled the way GitHub's runner
signals PID 1 — the signal goes to that one process, never to its children — and its post step after a SIGKILL.

The same sequences run against the built image in tests/image/test_image.py."""

from __future__ import annotations

import io
import os
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from symphony_bot.action import signals
from symphony_bot.action.main import run_action
from symphony_bot.action.outputs import parse_output_file
from symphony_bot.action.post import STATE_DONE, STATE_NAME, STOPPED_HEADLINE, stopped_comment
from symphony_bot.action.replies import STATUS_MARKER
from symphony_bot.action.runner_seam import RunRequest, RunResult
from symphony_bot.contribution.state import Phase
from symphony_bot.contribution.status_comment import PHASE_TITLES
from tests.action_helpers import BOT, LABEL, OWNER, REPO, RecordingRunner, World, commented, make_world
from tests.actions_runner import cancel_like_the_runner

ROOT = Path(__file__).resolve().parents[1]
POST_ENTRYPOINT = ROOT / "docker" / "post-entrypoint.py"
# A shell agent (it runs as the unprivileged agent user, who can read no Python virtualenv under /root): it ticks
# task "one" and writes a file; on task "three" it blocks, as a long task does, until it is stopped.
BLOCKING_AGENT = shlex.join(
    [
        "/bin/sh",
        "-c",
        'case "$SYMPHONY_TASK" in *three*) exec sleep 600;; esac; '
        'sed -i "${SYMPHONY_TASK_LINE}s/\\[ \\]/[x]/" "$SYMPHONY_DOC" && echo "$SYMPHONY_TASK" >> DONE.md',
    ]
)
TASK_START = '"type":"task_start"'


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


class Step:
    """A `symphony-bot action` process started on `/symphony run`, its output collected as it comes."""

    def __init__(self, world: World, number: int, *, new_session: bool = False) -> None:
        posted = world.sb.comment(OWNER, REPO, number, "/symphony run", author="writer")
        payload = commented(number, posted.id, "/symphony run", by="writer", labels=[LABEL])
        environ = world.environ(
            "issue_comment", payload, {"agent": "command", "agent-command": BLOCKING_AGENT, "task-timeout": "900"}
        )
        keep = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
        self.environ = environ
        self.process = subprocess.Popen(
            [sys.executable, "-m", "symphony_bot", "action"],
            env={**keep, **environ},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=new_session,
        )
        self.lines: list[str] = []
        self._started = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if sum(TASK_START in seen for seen in self.lines) >= 2:
                self._started.set()
        self._started.set()

    def wait_for_second_task(self) -> None:
        """Returns once the agent works on task "three" (task "one" is committed and pushed by then)."""
        self._started.wait(600)
        assert self.process.poll() is None, "".join(self.lines)[-3000:]

    def ended(self, seconds: float) -> bool:
        try:
            self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            return False
        self._reader.join(30)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return True

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def file(self, name: str) -> str:
        path = Path(self.environ[name])
        return path.read_text() if path.exists() else ""


def status_body(world: World, number: int) -> str:
    [body] = [body for user, body in world.comments(number) if user == BOT and STATUS_MARKER in body]
    return body


def assert_stopped_with_work_pushed(world: World, number: int, step: Step) -> None:
    outputs = parse_output_file(step.file("GITHUB_OUTPUT"))
    assert outputs.get("status") == "stopped", step.log[-3000:]
    assert "stopped" in step.file("GITHUB_STEP_SUMMARY")
    assert f"{STATE_DONE}<<" in step.file("GITHUB_STATE")  # the post step has nothing left to do
    body = status_body(world, number)
    assert PHASE_TITLES[Phase.STOPPED] in body and PHASE_TITLES[Phase.RUNNING] not in body
    [pull] = world.sb.pulls(OWNER, REPO)
    assert pull.state == "open" and outputs["pr-number"] == str(pull.number)  # the claim is kept
    assert "- [x] one" in (world.sb.file(OWNER, REPO, "docs/tasks.md", ref=outputs["branch"]) or "")


@pytest.mark.parametrize("first", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_to_the_step_stops_the_run_which_pushes_and_finalises(world: World, first: signal.Signals) -> None:
    number = world.sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=[LABEL]).number
    step = Step(world, number)
    step.wait_for_second_task()
    if first is signal.SIGINT:
        sent = cancel_like_the_runner(step.process.send_signal, step.ended)
        assert "SIGKILL" not in sent, step.log[-3000:]
    else:  # SIGTERM alone (PID 1 used to ignore it until the SIGKILL)
        step.process.send_signal(signal.SIGTERM)
        assert step.ended(600)
    assert "Aborted!" not in step.log
    assert_stopped_with_work_pushed(world, number, step)


def _descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def post_environ(step: Step) -> dict[str, str]:
    """What the runner gives the post step: the main step's inputs (hyphens kept) and its state as STATE_*."""
    state = parse_output_file(step.file("GITHUB_STATE"))
    keep = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return {**keep, **step.environ, **{f"STATE_{name}": value for name, value in state.items()}}


def test_after_a_sigkill_the_post_step_finalises_the_comment(world: World) -> None:
    number = world.sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=[LABEL]).number
    step = Step(world, number, new_session=True)
    step.wait_for_second_task()
    # What SIGKILL of a container's PID 1 does: every process in it dies at once, none finalises anything.
    everyone = [step.process.pid, *_descendants(step.process.pid)]
    for pid in everyone:
        os.kill(pid, signal.SIGSTOP)
    for pid in everyone:
        os.kill(pid, signal.SIGKILL)
    assert step.ended(60)
    assert PHASE_TITLES[Phase.RUNNING] in status_body(world, number)
    environ = post_environ(step)
    assert environ[f"STATE_{STATE_NAME}"] == f"{OWNER}/{REPO}#{number}" and f"STATE_{STATE_DONE}" not in environ
    assert "INPUT_GITHUB-TOKEN" in environ  # dash would have dropped it; the entrypoint is Python
    post = subprocess.run(
        [sys.executable, str(POST_ENTRYPOINT)], env=environ, capture_output=True, text=True, timeout=300, check=False
    )
    assert post.returncode == 0, post.stdout + post.stderr
    body = status_body(world, number)
    assert PHASE_TITLES[Phase.STOPPED] in body and PHASE_TITLES[Phase.RUNNING] not in body
    assert STOPPED_HEADLINE in body
    again = subprocess.run(
        [sys.executable, str(POST_ENTRYPOINT)], env=environ, capture_output=True, text=True, timeout=300, check=False
    )
    assert again.returncode == 0 and status_body(world, number) == body  # a finished comment is left alone


def test_the_post_step_leaves_a_finished_comment_alone() -> None:
    finished = f"{STATUS_MARKER}\n### 🎼 Symphony — {PHASE_TITLES[Phase.COMPLETED]}\n\n**All done.**\n"
    assert stopped_comment(finished) is None
    running = f"{STATUS_MARKER}\n### 🎼 Symphony — {PHASE_TITLES[Phase.RUNNING]}\n\n**Task 2 of 3.**\n\n**Next:** wait"
    rewritten = stopped_comment(running)
    assert rewritten is not None and PHASE_TITLES[Phase.STOPPED] in rewritten and "Task 2 of 3" not in rewritten


class SignalledRunner(RecordingRunner):
    """Stands where `symphony-bot run` would start: the job is cancelled before any child exists."""

    def run(self, request: RunRequest) -> RunResult:
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("the signal must stop the step before this line")


def test_a_signal_with_no_child_running_stops_the_step_and_writes_its_outputs(world: World) -> None:
    number = world.sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=[LABEL]).number
    posted = world.sb.comment(OWNER, REPO, number, "/symphony run", author="writer")
    environ = world.environ(
        "issue_comment",
        commented(number, posted.id, "/symphony run", by="writer", labels=[LABEL]),
        {"dry-run": "true"},  # no agent to install
    )
    signals.install()
    try:
        outcome = run_action(environ, io.StringIO(), runner=SignalledRunner())
    finally:
        signals.uninstall()
    assert outcome.status == "stopped" and "SIGTERM" in outcome.message
    assert parse_output_file(Path(environ["GITHUB_OUTPUT"]).read_text())["status"] == "stopped"
    assert "stopped" in Path(environ["GITHUB_STEP_SUMMARY"]).read_text()


def test_a_child_gets_the_signal_and_a_second_one_too() -> None:
    handler = signals.StepSignals()
    with pytest.raises(signals.StepStopped):
        handler.handle(signal.SIGINT)  # no child: the step stops where it is
    handler = signals.StepSignals()
    with handler.starting_child():
        handler.handle(signal.SIGINT)  # the child is being started: recorded, not raised
        child = subprocess.Popen(["sleep", "600"], text=True)
    with handler.forwarding_to(child):  # ... and forwarded once it exists
        assert child.wait(60) == -signal.SIGTERM
        handler.handle(signal.SIGTERM)  # the runner's second signal: no exception, the child is waited for
    handler = signals.StepSignals()
    with handler.shield():
        handler.handle(signal.SIGTERM)  # while outputs are written: nothing interrupts
    assert handler.name == "SIGTERM"
