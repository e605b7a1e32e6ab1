"""Running the real agent CLIs (pinned in tests/npm) against the scripted model server."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

from symphony_bot.agents.base import AgentResult, Outcome, TaskRequest
from symphony_bot.autorun.document import parse
from symphony_bot.autorun.prompt import task_prompt
from symphony_bot.sandbox.model_server import ModelServer, Turn, TurnUsage, shell, text

PLAN = "# Plan\n\n- [ ] Create hello.txt containing hi\n"
FINAL_TEXT = "Created hello.txt and ticked the box"
# The scripted model's tool call: do the task and tick the box, as a real model would.
DO_AND_TICK = "echo hi > hello.txt && sed -i 's/- \\[ \\]/- [x]/' plan.md"
DUMP_ENV = "env > env.txt && sed -i 's/- \\[ \\]/- [x]/' plan.md"
TOOL_TURN_USAGE = TurnUsage(input_tokens=100, output_tokens=10)
FINAL_TURN_USAGE = TurnUsage(input_tokens=200, output_tokens=20, cache_read_tokens=50, reasoning_tokens=5)
CREDENTIALS = {
    "GITHUB_TOKEN": "ghs_secret1",
    "GH_TOKEN": "ghp_secret2",
    "INPUT_GITHUB-TOKEN": "ghs_secret3",
    "ACTIONS_RUNTIME_TOKEN": "secret4",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "secret5",
    "GIT_CONFIG_VALUE_0": "AUTHORIZATION: basic c2VjcmV0NQ==",
}
# Proxy and certificate settings of a runner behind a proxy (the proxy is never used: the model is on loopback).
TASK_TIMEOUT_S = 90
INACTIVITY_S = 60
START_UP_FACTOR = 10  # a run prints its first line within this many `--version`s of its CLI
WATCH_INTERVAL_S = 0.1  # how often stop_when_sleeping looks for the sleeps
NETWORK = {
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
    "NODE_EXTRA_CA_CERTS": "/etc/ssl/certs/ca-certificates.crt",
}
RATE_LIMIT_MESSAGE = "Rate limit reached: you exceeded your current quota, please check your plan and billing details"


def task_script(command: str = DO_AND_TICK) -> list[Turn]:
    """The model calls the CLI's own shell tool with `command`, then answers."""
    return [shell(command, TOOL_TURN_USAGE), text(FINAL_TEXT, FINAL_TURN_USAGE)]


def make_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "plan.md").write_text(PLAN)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    return repo


def run_task(  # noqa: PLR0917 (test helper)
    agent,
    tmp_path: Path,
    setup=None,
    task_timeout_s: float = TASK_TIMEOUT_S,
    run_as: str | None = None,
    stop: threading.Event | None = None,
) -> tuple[AgentResult, Path]:
    """Run the plan's one task. No wall-clock bound on the CLI (its speed on a loaded machine is not the
    contract): what a test promises shows in the outcome (a silent retry ends as TIMEOUT or INACTIVE, never as
    UNREACHABLE or AUTH_FAILED) and in the model server's requests. `stop` lets a test stop it on an event.
    The silence allowed (and the task timeout) grow with the CLI's start-up measured on this machine now: at
    load 18 opencode printed nothing for 60 s before its first line."""
    quiet_allowed = max(INACTIVITY_S, START_UP_FACTOR * cli_start_up_s(agent))
    task_timeout_s = max(task_timeout_s, quiet_allowed + INACTIVITY_S / 2)
    repo = make_repo(tmp_path)
    if setup is not None:
        setup(repo)
    document = repo / "plan.md"
    task = parse(PLAN).first_unchecked
    assert task is not None
    request = TaskRequest(
        prompt=task_prompt(repo, document, task),
        repo_dir=repo,
        document_path=document,
        task_text=task.text,
        task_line=task.line,
        scratch_dir=tmp_path / "scratch",
        task_timeout_s=task_timeout_s,
        inactivity_timeout_s=quiet_allowed,
        run_as=run_as,
    )
    result = agent.run(request, stop or threading.Event())
    return result, repo


@functools.cache
def _version_seconds(executable: str) -> float:
    started = time.monotonic()
    subprocess.run([executable, "--version"], capture_output=True, check=False, timeout=600)
    return time.monotonic() - started


def cli_start_up_s(agent) -> float:
    """How long the agent's CLI takes to print its version on this machine (once per test process), 0 for an
    agent without an executable of its own."""
    executable = getattr(agent, "executable", None) or getattr(getattr(agent, "inner", None), "executable", None)
    return _version_seconds(executable) if isinstance(executable, str) else 0.0


def assert_task_done(repo: Path) -> None:
    assert (repo / "hello.txt").read_text().strip() == "hi"
    assert parse((repo / "plan.md").read_text()).unchecked == 0


def assert_task_untouched(repo: Path) -> None:
    assert not (repo / "hello.txt").exists()
    assert parse((repo / "plan.md").read_text()).unchecked == 1


def assert_no_credentials(repo: Path) -> None:
    seen = (repo / "env.txt").read_text()
    assert "PATH=" in seen  # the probe really ran
    for name, value in CREDENTIALS.items():
        assert value not in seen, f"{name} reached the agent"
    # Gemini CLI sets GIT_CONFIG_VALUE_0= (empty) for its own shell: a name without a value carries nothing.
    carried = {line.split("=", 1)[0] for line in seen.splitlines() if "=" in line and line.split("=", 1)[1]}
    assert not carried & set(CREDENTIALS)


def probe_credentials(make_agent, tmp_path: Path, monkeypatch) -> None:
    """The real CLI runs `env` through its shell tool with GitHub and Actions credentials set in the parent:
    none of them may reach it. `make_agent(server)` builds the adapter pointed at the scripted server. The
    proxy and certificate variables a runner behind a proxy needs do reach it, and its temporary directory is
    the run's private one."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    for name, value in NETWORK.items():
        monkeypatch.setenv(name, value)
    with ModelServer(task_script(DUMP_ENV)) as server:
        result, repo = run_task(make_agent(server), tmp_path)
    assert result.outcome is Outcome.OK, result.error
    assert_no_credentials(repo)
    seen = dict(line.split("=", 1) for line in (repo / "env.txt").read_text().splitlines() if "=" in line)
    for name, value in NETWORK.items():
        assert seen.get(name) == value, f"{name} did not reach the agent's tools"
    assert seen.get("TMPDIR") == str(tmp_path / "scratch" / "tmp")


def assert_only_loopback_home(scratch: Path) -> None:
    """No npm cache appeared in the agent's private HOME: nothing was fetched from a registry at run time."""
    assert not (scratch / "home" / ".npm").exists()


def fixture(name: str) -> str:
    return (Path(__file__).parent / "fixtures" / "agents" / name).read_text()


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def background_sleep(seconds: str) -> str:
    """A tool command part that starts `sleep SECONDS` in a session of its own, in the background (what a
    test suite's server or a forgotten watcher does), and records that it started."""
    # The tool command waits until the background process has written its mark: otherwise the end of the task
    # (and its sweep) could come before the mark is written, and the test would race the machine's speed.
    return (
        f"setsid sh -c 'echo started > background.txt; exec sleep {seconds}' </dev/null >/dev/null 2>&1 & "
        "until [ -s background.txt ]; do sleep 0.05; done; "
    )


def stop_when_sleeping(stop: threading.Event, *durations: str) -> threading.Thread:
    """Set `stop` once a `sleep` of every one of `durations` is running (the tool is hung, with what it
    started): a scripted event, however long the CLI takes to start its tool. Ends by itself once `stop` is set
    by anyone."""

    def watch() -> None:
        while not stop.wait(WATCH_INTERVAL_S):
            if all(sleeping(duration) for duration in durations):
                stop.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    return watcher


def unique_seconds() -> str:
    """A sleep duration no other process on the machine uses: how the tests find that very `sleep`."""
    return f"1000.{uuid.uuid4().int % 10**9:09d}"


def sleeping(seconds: str) -> list[int]:
    """Host process ids of living `sleep SECONDS` processes (zombies count as gone)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if argv[:2] == [b"sleep", seconds.encode()] and state != "Z":
            found.append(int(entry))
    return found
