"""`symphony-bot autorun` checks, before the first task, that the user the agent runs as can start it: real scripts,
real folder modes, the real command line (run as root, the agent runs as a fresh uid of its own)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from symphony_bot.agents.executable_check import PER_TASK_USER
from symphony_bot.commands import exit_codes
from tests.autorun_helpers import reachable_tmp

BIN = Path(sys.executable).parent / "symphony-bot"
ROOT = os.geteuid() == 0
CLOSED = 0o700 if ROOT else 0o000  # closed to the agent's user: the per-task uid (root), else the bot itself
SHELL = os.path.realpath(shutil.which("sh") or "/bin/sh")
TICK = 'sed -i "${SYMPHONY_TASK_LINE}s/\\[ \\]/[x]/" "$SYMPHONY_DOC"\necho ticked\n'
PLAN = "- [ ] one\n"


@pytest.fixture(name="tmp_path")
def reachable_tmp_path() -> Iterator[Path]:
    """A folder every user may enter: only what a test closes is closed (reopened after, to be removed)."""
    with reachable_tmp() as path:
        yield path
        for folder in path.rglob("*"):
            if folder.is_dir() and not folder.is_symlink():
                folder.chmod(0o755)


def agent_script(path: Path, interpreter: str = "/bin/sh") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{interpreter}\n{TICK}")
    path.chmod(0o755)
    return path


def autorun(tmp_path: Path, agent: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    repo = tmp_path / "repo"
    repo.mkdir(exist_ok=True)
    (repo / "plan.md").write_text(PLAN)
    argv = [str(BIN), "autorun", "plan.md", "--agent", "command", "--agent-command", str(agent)]
    argv += ["--allow-weak-containment", *extra]  # not root: the agent shares the bot's uid, said and allowed
    return subprocess.run(argv, cwd=repo, capture_output=True, text=True, timeout=120, check=False)


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


def test_a_script_in_a_closed_folder_is_refused_before_the_first_task(tmp_path) -> None:
    private = tmp_path / "private"
    agent = agent_script(private / "agent.sh")
    private.chmod(CLOSED)
    completed = autorun(tmp_path, agent)
    assert completed.returncode == exit_codes.FINDINGS, completed.stderr
    (sentence,) = errors(completed.stderr)  # one sentence: the file, the user, the fix
    assert str(agent) in sentence and str(private) in sentence and f"fix: `chmod o+x {private}`" in sentence
    assert (PER_TASK_USER if ROOT else "the bot's own user") in sentence
    assert "task" not in completed.stderr.replace(sentence, "")  # no task started, none retried
    assert (tmp_path / "repo" / "plan.md").read_text() == PLAN
    with_json = autorun(tmp_path, agent, "--json")
    assert with_json.returncode == exit_codes.FINDINGS
    (event,) = [json.loads(line) for line in with_json.stdout.splitlines()]
    assert event["type"] == "error" and event["code"] == "AGENT_NOT_FOUND"
    assert f"error: {event['message']}" == sentence  # the same sentence in both


def test_a_script_whose_interpreter_the_agents_user_cannot_reach(tmp_path) -> None:
    private = tmp_path / "private"
    private.mkdir()
    interpreter = private / "sh"
    shutil.copy(SHELL, interpreter)
    interpreter.chmod(0o700)
    agent = agent_script(tmp_path / "agent.sh", str(interpreter))
    private.chmod(CLOSED)
    completed = autorun(tmp_path, agent)
    if not ROOT:  # the agent runs as the bot, which may not enter the folder: refused at once
        assert completed.returncode == exit_codes.FINDINGS and str(interpreter) in errors(completed.stderr)[0]
        return
    # Root starts it: setpriv calls execve with root's rights still held, so the kernel reaches the interpreter,
    # and the task runs as the agent's uid. That the interpreter lies out of the uid's reach is said, not refused.
    assert completed.returncode == exit_codes.OK, completed.stderr
    assert (tmp_path / "repo" / "plan.md").read_text() == "- [x] one\n"
    warning = next(line for line in completed.stderr.splitlines() if line.startswith("warning: "))
    assert str(interpreter) in warning and str(private) in warning


def test_a_fine_script_runs_without_a_word_about_it(tmp_path) -> None:
    agent = agent_script(tmp_path / "tools" / "agent.sh")
    completed = autorun(tmp_path, agent)
    assert completed.returncode == exit_codes.OK, completed.stderr
    assert (tmp_path / "repo" / "plan.md").read_text() == "- [x] one\n"
    assert str(agent) not in completed.stderr


def test_a_dry_run_starts_no_agent_and_checks_none(tmp_path) -> None:
    private = tmp_path / "private"
    agent = agent_script(private / "agent.sh")
    private.chmod(CLOSED)
    completed = autorun(tmp_path, agent, "--dry-run")
    assert completed.returncode == exit_codes.OK, completed.stderr
    assert "○ line 1: one" in completed.stderr and errors(completed.stderr) == []
