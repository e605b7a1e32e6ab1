"""run_agent_process with real processes: process groups, timeouts, stop requests, output capture."""

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from symphony_bot.agents import containment
from symphony_bot.agents import process as agent_process
from symphony_bot.agents.base import Invocation, Outcome, ParsedOutput, TaskRequest, Usage
from symphony_bot.agents.cli_agent import CliAgent
from symphony_bot.agents.environment import agent_environment


def alive(pid: int) -> bool:
    """A zombie (killed, not yet reaped by init) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def grandchild_token(repo: Path) -> str:
    """What the test agents put in their grandchild's argv (`grandchild:<repo>`): an agent in a PID namespace
    sees (and would write down) only its namespace's process ids, so the tests find the grandchild by this."""
    return f"grandchild:{repo.resolve()}"


def grandchild_alive(repo: Path) -> bool:
    """Is any process started with `grandchild_token(repo)` in its argv still alive (zombies count as gone)?"""
    token = grandchild_token(repo).encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            if token in argv and alive(int(entry)):
                return True
        except OSError:
            continue
    return False


class ScriptAgent(CliAgent):
    """Runs a Python snippet; parse() reports success when stdout says "ok" and reads "usage=N" lines."""

    name = "script"
    install_hint = "pip install the-script"

    def __init__(self, source: str, stdin: bytes | None = None, argv: list[str] | None = None, parse_fails=False):
        self.source, self.stdin, self.argv, self.parse_fails = source, stdin, argv, parse_fails

    def invocation(self, request: TaskRequest) -> Invocation:
        argv = self.argv or [sys.executable, "-c", self.source]
        env = agent_environment(request.scratch_dir)
        return Invocation(argv=argv, env=env, cwd=request.repo_dir, stdin=self.stdin)

    def parse(self, stdout: str, stderr: str, exit_code: int | None) -> ParsedOutput:
        if self.parse_fails:
            raise KeyError("result")
        tokens = sum(int(line[6:]) for line in stdout.splitlines() if line.startswith("usage="))
        return ParsedOutput(
            success="ok" in stdout,
            text=stdout.strip(),
            session_id="s-1" if tokens else None,
            usage=Usage(input_tokens=tokens),
            rate_limited="quota" in stdout,
            error="parser says no" if "explain" in stdout else None,
        )


def request(tmp_path: Path, **timeouts) -> TaskRequest:
    repo = tmp_path / "repo"
    repo.mkdir(exist_ok=True)
    return TaskRequest(
        prompt="p",
        repo_dir=repo,
        document_path=repo / "d.md",
        task_text="t",
        task_line=1,
        scratch_dir=tmp_path / "scratch",
        **timeouts,
    )


GRANDCHILD = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "grandchild:" + os.getcwd()])
open("grandchild.pid", "w").write(str(child.pid))
print("usage=7", flush=True)
time.sleep(60)
"""


# No test here waits a fixed number of seconds for a script to get going: on a loaded machine starting Python
# takes a while. Timeouts are multiples of `start_up_s`, measured on this machine, under its load, right now.
MARGIN = 4


@pytest.fixture(scope="module")
def start_up_s(tmp_path_factory) -> float:
    """The slowest of three runs, through the real runner and its containment, of the heaviest start-up below:
    an agent script that starts three Pythons (two in sessions of their own), writes its file and exits."""
    slowest = 0.0
    for _ in range(3):
        started = time.monotonic()
        result = ScriptAgent("", argv=[sys.executable, "-c", SETSID_GRANDCHILD]).run(
            request(tmp_path_factory.mktemp("start-up")), threading.Event()
        )
        assert result.outcome is Outcome.OK, result.error
        slowest = max(slowest, time.monotonic() - started)
    return slowest


def stop_when_written(stop: threading.Event, path: Path, stopped_at: list[float]) -> threading.Thread:
    """Set `stop` once `path` exists (the agent has got as far as the test needs: an event, not a timer), and
    note when in `stopped_at`."""

    def watch() -> None:
        while not stop.wait(agent_process.POLL_SECONDS):
            if path.exists():
                stopped_at.append(time.monotonic())
                stop.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    return watcher


def test_timeout_kills_the_whole_group_and_keeps_what_was_printed(tmp_path, start_up_s) -> None:
    timeout = round(max(1.0, MARGIN * start_up_s), 1)
    started = time.monotonic()
    result = ScriptAgent(GRANDCHILD).run(request(tmp_path, task_timeout_s=timeout), threading.Event())
    assert result.outcome is Outcome.TIMEOUT
    assert f"task timeout of {timeout:g} s" in (result.error or "")
    # Killed, not left to its 60 s sleep: the grace period and a start-up's worth of slack.
    assert time.monotonic() - started < timeout + agent_process.KILL_GRACE_SECONDS + MARGIN * start_up_s
    assert (tmp_path / "repo" / "grandchild.pid").exists() and not grandchild_alive(tmp_path / "repo")
    assert (result.usage.input_tokens, result.session_id) == (7, "s-1")  # tokens spent before the kill still count


def test_inactivity_timeout(tmp_path) -> None:
    source = "import time\nprint('hello', flush=True)\ntime.sleep(60)"
    result = ScriptAgent(source).run(request(tmp_path, inactivity_timeout_s=0.5), threading.Event())
    assert result.outcome is Outcome.INACTIVE
    assert "printed nothing for 0.5 s" in (result.error or "")


def test_steady_output_is_not_inactivity(tmp_path, start_up_s) -> None:
    source = "import time\nfor _ in range(8):\n    print('tick', flush=True); time.sleep(0.1)\nprint('ok')"
    quiet_allowed = max(0.5, MARGIN * start_up_s)  # the start-up is a silence too
    result = ScriptAgent(source).run(request(tmp_path, inactivity_timeout_s=quiet_allowed), threading.Event())
    assert result.outcome is Outcome.OK


def test_stop_request_kills_at_once(tmp_path, start_up_s) -> None:
    stop, stopped_at = threading.Event(), []
    watcher = stop_when_written(stop, tmp_path / "repo" / "grandchild.pid", stopped_at)
    result = ScriptAgent(GRANDCHILD).run(request(tmp_path), stop)
    returned = time.monotonic()
    watcher.join()
    assert result.outcome is Outcome.CANCELLED
    # From the stop to the return: the grace period at most (and slack), never the script's 60 s sleep.
    assert returned - stopped_at[0] < agent_process.KILL_GRACE_SECONDS + MARGIN * start_up_s
    assert (tmp_path / "repo" / "grandchild.pid").exists() and not grandchild_alive(tmp_path / "repo")


def test_background_children_are_swept_after_a_normal_exit(tmp_path, start_up_s) -> None:
    # The agent exits at once but leaves a child that still holds its stdout: it must not survive us.
    source = (
        "import subprocess, sys\n"
        "import os\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', 'grandchild:' + os.getcwd()])\n"
        "open('grandchild.pid', 'w').write(str(child.pid))\nprint('ok')"
    )
    started = time.monotonic()
    result = ScriptAgent(source).run(request(tmp_path), threading.Event())
    assert result.outcome is Outcome.OK
    assert time.monotonic() - started < agent_process.KILL_GRACE_SECONDS + MARGIN * start_up_s  # not the 60 s
    assert (tmp_path / "repo" / "grandchild.pid").exists() and not grandchild_alive(tmp_path / "repo")


def test_missing_executable_is_not_found_with_the_install_hint(tmp_path) -> None:
    result = ScriptAgent("", argv=[str(tmp_path / "nope")]).run(request(tmp_path), threading.Event())
    assert result.outcome is Outcome.NOT_FOUND
    assert "nope" in (result.error or "") and "pip install the-script" in (result.error or "")


def test_non_executable_file_is_not_found(tmp_path) -> None:
    script = tmp_path / "agent.sh"
    script.write_text("#!/bin/sh\necho ok\n")
    result = ScriptAgent("", argv=[str(script)]).run(request(tmp_path), threading.Event())
    assert result.outcome is Outcome.NOT_FOUND
    assert "Permission denied" in (result.error or "")


def test_an_argument_past_the_kernel_limit_is_a_clear_failure(tmp_path) -> None:
    result = ScriptAgent("", argv=["echo", "x" * (200 * 1024)]).run(request(tmp_path), threading.Event())
    assert result.outcome is Outcome.AGENT_ERROR
    assert "E2BIG" in (result.error or "")


def test_missing_working_directory(tmp_path) -> None:
    req = request(tmp_path)
    req.repo_dir.rmdir()
    result = ScriptAgent("print('ok')").run(req, threading.Event())
    assert result.outcome is Outcome.AGENT_ERROR and "does not exist" in (result.error or "")


def test_parse_results_map_to_outcomes(tmp_path) -> None:
    run = lambda source: ScriptAgent(source).run(request(tmp_path), threading.Event())  # noqa: E731
    assert run("print('ok usage=0')").outcome is Outcome.OK
    limited = run("print('quota reached')")
    assert limited.outcome is Outcome.RATE_LIMITED
    explained = run("print('explain')")
    assert (explained.outcome, explained.error) == (Outcome.AGENT_ERROR, "parser says no")
    stderr_tail = run("import sys\nsys.stderr.write('boom: model missing\\n')\nsys.exit(2)")
    assert stderr_tail.error == "boom: model missing" and stderr_tail.exit_code == 2
    silent = run("import sys\nsys.exit(9)")
    assert silent.error == "the agent exited with code 9"


def test_a_parser_crash_fails_the_task_instead_of_the_run(tmp_path) -> None:
    result = ScriptAgent("print('ok')", parse_fails=True).run(request(tmp_path), threading.Event())
    assert result.outcome is Outcome.AGENT_ERROR
    assert "could not read the script agent's output: KeyError" in (result.error or "")


def test_large_stdin_and_large_output_on_both_streams_do_not_deadlock(tmp_path) -> None:
    # The child writes 3 MB to each stream before it reads a byte of its 2 MB stdin: pipes are ~64 KiB.
    source = (
        "import sys\n"
        "chunk = 'y' * 1023 + '\\n'\n"
        "for _ in range(3 * 1024):\n    sys.stdout.write(chunk); sys.stderr.write(chunk)\n"
        "sys.stdout.flush(); sys.stderr.flush()\n"
        "data = sys.stdin.buffer.read()\nprint('ok', len(data))"
    )
    prompt = b"p" * (2 * 1024 * 1024)
    lines: list[str] = []
    result = ScriptAgent(source, stdin=prompt).run(
        request(tmp_path, task_timeout_s=60), threading.Event(), lines.append
    )
    assert result.outcome is Outcome.OK, result.error
    assert result.text.endswith(f"ok {len(prompt)}")
    assert len(lines) == 3 * 1024 + 1


def test_captured_output_is_capped(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(agent_process, "KEEP_OUTPUT_BYTES", 1024 * 1024)
    source = "import sys\nfor _ in range(4096):\n    sys.stdout.write('z' * 1023 + '\\n')\nprint('the end ok')"
    result = ScriptAgent(source).run(request(tmp_path), threading.Event())
    assert result.outcome is Outcome.OK
    assert result.text.endswith("the end ok")
    assert len(result.text) <= 1024 * 1024 + 65536  # the tail is kept, in whole chunks


def test_an_endless_line_is_streamed_in_bounded_pieces(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(agent_process, "MAX_LINE_BYTES", 100_000)
    source = "import sys\nsys.stdout.write('w' * 1_000_000)\nsys.stdout.flush()\nprint(' ok')"
    pieces: list[str] = []
    result = ScriptAgent(source).run(request(tmp_path), threading.Event(), pieces.append)
    assert result.outcome is Outcome.OK
    assert len(pieces) > 5 and max(len(piece) for piece in pieces) < 100_000 + 65_536
    assert "".join(pieces) == "w" * 1_000_000 + " ok"


SETSID_GRANDCHILD = """
import os, subprocess, sys, time
token = "grandchild:" + os.getcwd()
# A session of its own, as the CLIs' tool shells do: killing the agent's process group misses it.
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", token], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
# And one that also lost its parent: re-parented away from the agent before the agent ends.
middle = subprocess.Popen([sys.executable, "-c",
    "import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', sys.argv[1]],"
    " start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)", token])
middle.wait()
open("grandchild.pid", "w").write("started")
print("usage=1", flush=True)
if sys.argv[1:] == ["hang"]:
    time.sleep(120)
print("ok")
"""

CONTAINMENTS = {
    "namespace": None,  # whatever this machine allows (a PID namespace here)
    "subreaper": containment.Containment(False, "forced by the test"),
}


@pytest.mark.parametrize("mode", CONTAINMENTS)
@pytest.mark.parametrize("hang", [False, True], ids=["exits", "hangs"])
def test_nothing_the_agent_started_outlives_it_not_even_in_a_session_of_its_own(
    tmp_path, monkeypatch, mode, hang, start_up_s
) -> None:
    forced = CONTAINMENTS[mode]
    if forced is not None:
        monkeypatch.setattr(containment, "containment", lambda: forced)
    argv = [sys.executable, "-c", SETSID_GRANDCHILD, *(["hang"] if hang else [])]
    timeout = max(3.0, MARGIN * start_up_s)  # time to start its three Pythons first
    result = ScriptAgent("", argv=argv).run(request(tmp_path, task_timeout_s=timeout), threading.Event())
    assert result.outcome is (Outcome.TIMEOUT if hang else Outcome.OK), result.error
    assert (tmp_path / "repo" / "grandchild.pid").exists()
    assert not grandchild_alive(tmp_path / "repo")


def test_the_pid_namespace_is_used_where_the_machine_allows_it() -> None:
    """This machine allows one (the tests run as root with util-linux): if this fails, the suite above only
    proves the fallback; the reason says why."""
    assert containment.containment().namespace, containment.containment().reason
