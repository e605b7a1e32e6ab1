"""`symphony-bot autorun` runs the agent CLI behind the metering proxy by default (real claude, scripted model)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from symphony_bot.agents.build import UNMETERED_NOTICE
from symphony_bot.agents.metering.wiring import BUDGET_STOP, MODEL_KEY_VARIABLES
from symphony_bot.commands import exit_codes
from symphony_bot.sandbox.model_server import ModelServer, TurnUsage, shell, text
from tests.agent_cli_helpers import DO_AND_TICK, FINAL_TEXT, PLAN
from tests.autorun_helpers import AGENT_PYTHON, TICK, reachable_tmp
from tests.metering_helpers import REAL_KEY

BIN = Path(sys.executable).parent / "symphony-bot"
# The tool shell's environment, its parent's (the CLI, or a shell it started) and every process's it can read,
# the bot's included (its initial environment holds the donor's key).
PROBE = (
    "(env; echo; tr '\\0' '\\n' </proc/$PPID/environ; cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n')"
    " > env.txt; " + DO_AND_TICK
)
MODEL = "claude-sonnet-4-5"


@pytest.fixture(name="tmp_path")
def reachable_tmp_path():
    """Run as root, the command starts agents as an unprivileged user: their work trees must be reachable."""
    with reachable_tmp() as path:
        yield path


def autorun(tmp_path: Path, server: ModelServer, npm_modules: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    repo = tmp_path / "repo"
    repo.mkdir(exist_ok=True)
    (repo / "plan.md").write_text(PLAN)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    environ = {name: value for name, value in os.environ.items() if name not in MODEL_KEY_VARIABLES}
    environ |= {"ANTHROPIC_API_KEY": REAL_KEY, "ANTHROPIC_BASE_URL": server.url}
    argv = [str(BIN), "autorun", "plan.md", "--agent", "claude", "--model", MODEL, "--json"]
    argv += ["--agent-executable", str(npm_modules / ".bin" / "claude"), *extra]
    return subprocess.run(argv, cwd=repo, env=environ, capture_output=True, text=True, timeout=120, check=False)


def events(completed: subprocess.CompletedProcess[str]) -> list[dict]:
    return [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]


def test_the_cli_gets_only_the_proxy_and_the_run_reports_what_the_proxy_counted(tmp_path, npm_modules) -> None:
    with ModelServer([shell(PROBE, TurnUsage(100, 10)), text(FINAL_TEXT, TurnUsage(200, 20, 50))]) as server:
        completed = autorun(tmp_path, server, npm_modules)
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "repo" / "plan.md").read_text().count("[x]") == 1
    seen = (tmp_path / "repo" / "env.txt").read_text()
    assert "ANTHROPIC_BASE_URL=http://127.0.0.1:" in seen and "ANTHROPIC_API_KEY=symphony-proxy-" in seen
    assert REAL_KEY not in seen and server.url not in seen
    (task,) = [event for event in events(completed) if event["type"] == "task_complete"]
    usage = task["usageStats"]
    assert (usage["inputTokens"], usage["outputTokens"], usage["cacheReadInputTokens"]) == (300, 30, 50)
    assert usage["costIsEstimate"] is True and usage["totalCostUsd"] > 0


def test_max_cost_spent_mid_task_stops_the_run_at_the_proxy(tmp_path, npm_modules) -> None:
    expensive = TurnUsage(input_tokens=100_000, output_tokens=10)
    with ModelServer([shell("true", expensive), shell(DO_AND_TICK), text(FINAL_TEXT)]) as server:
        completed = autorun(tmp_path, server, npm_modules, "--max-cost", "0.01")
        asked = [request.turn for request in server.conversation()]
    assert completed.returncode == exit_codes.BUDGET, completed.stderr
    assert asked == [0]  # the second turn was refused by the proxy
    assert (tmp_path / "repo" / "plan.md").read_text() == PLAN
    (task,) = [event for event in events(completed) if event["type"] == "task_complete"]
    assert task["success"] is False and BUDGET_STOP in task["summary"]
    assert events(completed)[-1]["stopReason"] == "max_cost"


def test_without_the_proxy_the_cli_gets_the_key_itself(tmp_path, npm_modules) -> None:
    with ModelServer([shell(PROBE), text(FINAL_TEXT)]) as server:
        completed = autorun(tmp_path, server, npm_modules, "--no-metering-proxy")
    assert completed.returncode == 0, completed.stderr
    assert f"ANTHROPIC_API_KEY={REAL_KEY}" in (tmp_path / "repo" / "env.txt").read_text()


def test_an_agent_that_cannot_be_metered_runs_as_today_and_says_so(tmp_path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "plan.md").write_text("- [ ] one\n")
    (tmp_path / "agent.py").write_text(TICK)
    argv = [str(BIN), "autorun", "plan.md", "--agent", "command", "--agent-command", f"{AGENT_PYTHON} ../agent.py"]
    completed = subprocess.run(argv, cwd=repo, capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    notice = UNMETERED_NOTICE.split("{reason}")[0]
    assert notice in completed.stderr and "no base-URL switch" in completed.stderr
