import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.autorun_helpers import HANG_WITH_GRANDCHILD, TICK

BIN = Path(sys.executable).parent / "symphony-bot"


def setup(tmp_path, text="- [ ] one\n- [ ] two\n", script=TICK):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "plan.md").write_text(text)
    agent = tmp_path / "agent.py"
    agent.write_text(script)
    return repo, f"{sys.executable} {agent}"


def run(args, cwd):
    return subprocess.run(
        [str(BIN), "autorun", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_json_event_stream_and_exit_code(tmp_path) -> None:
    repo, command = setup(tmp_path)
    completed = run(["plan.md", "--agent", "command", "--agent-command", command, "--json"], repo)
    assert completed.returncode == 0, completed.stderr
    stream = [json.loads(line) for line in completed.stdout.splitlines()]
    assert stream[0]["type"] == "start" and stream[-1]["type"] == "complete"
    assert stream[-1]["totalTasksCompleted"] == 2
    assert (repo / "plan.md").read_text() == "- [x] one\n- [x] two\n"


def test_human_progress_goes_to_stderr(tmp_path) -> None:
    repo, command = setup(tmp_path)
    completed = run(["plan.md", "--agent", "command", "--agent-command", command], repo)
    assert completed.stdout == ""
    assert "▶ plan.md: 2 open tasks" in completed.stderr and "done (completed)" in completed.stderr


def test_usage_errors_exit_2(tmp_path) -> None:
    repo, command = setup(tmp_path)
    outside = tmp_path / "outside.md"
    outside.write_text("- [ ] x\n")
    assert run([str(outside), "--agent", "command", "--agent-command", command], repo).returncode == 2
    assert (
        "outside the repository" in run([str(outside), "--agent", "command", "--agent-command", command], repo).stderr
    )
    assert run(["missing.md", "--agent", "command", "--agent-command", command], repo).returncode == 2
    missing_command = run(["plan.md", "--agent", "command"], repo)
    assert missing_command.returncode == 2 and "--agent-command" in missing_command.stderr
    assert run(["plan.md", "--agent", "nope"], repo).returncode == 2


def test_sigterm_stops_with_a_complete_event(tmp_path) -> None:
    repo, command = setup(tmp_path, script=HANG_WITH_GRANDCHILD)
    with subprocess.Popen(
        [str(BIN), "autorun", "plan.md", "--agent", "command", "--agent-command", command, "--json"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if json.loads(line)["type"] == "task_start":
                break
        deadline = time.monotonic() + 10
        while not (repo / "grandchild.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        rest = [json.loads(line) for line in process.stdout]
        assert process.wait(timeout=30) == 4
    assert rest[-1]["type"] == "complete" and rest[-1]["stopReason"] == "cancelled"
    assert rest[0]["type"] == "task_complete" and rest[0]["outcome"] == "cancelled"


def test_dry_run_lists_tasks(tmp_path) -> None:
    repo, command = setup(tmp_path)
    completed = run(["plan.md", "--agent", "command", "--agent-command", command, "--dry-run"], repo)
    assert completed.returncode == 0
    assert "○ line 1: one" in completed.stderr and "○ line 2: two" in completed.stderr
    assert (repo / "plan.md").read_text() == "- [ ] one\n- [ ] two\n"
