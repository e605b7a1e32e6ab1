"""Shared by the containment tests: one agent task run as the bot runs it (as root: under a uid of its own)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from symphony_bot.agents import containment
from symphony_bot.agents.agent_user import AGENT_USER
from symphony_bot.agents.base import AgentResult, TaskRequest
from symphony_bot.agents.command import CommandAgent
from tests.autorun_helpers import AGENT_PYTHON

NO_NAMESPACE = containment.Containment(False, "forced by the test: as in the action's container")


def make_run(root: Path, name: str) -> TaskRequest:
    """A run's folders as the contribution runner lays them out: a traverse-only run folder holding the work
    tree and the agent's scratch folder."""
    run = root / name
    run.mkdir(mode=0o711)
    os.chmod(run, 0o711)
    repo = run / "work"
    repo.mkdir()
    (repo / "plan.md").write_text("- [ ] attack\n")
    return TaskRequest(
        prompt="attack",
        repo_dir=repo,
        document_path=repo / "plan.md",
        task_text="attack",
        task_line=1,
        scratch_dir=run / "agent",
        task_timeout_s=120,
        inactivity_timeout_s=120,
        run_as=AGENT_USER,
    )


def run_script(request: TaskRequest, source: str, *args: str, passthrough: tuple[str, ...] = ()) -> AgentResult:
    """Run `source` (Python) as a command agent for `request`."""
    script = request.repo_dir.parent / "agent.py"
    script.write_text(source)
    script.chmod(0o644)
    agent = CommandAgent([AGENT_PYTHON, str(script), *args], passthrough=passthrough)
    return agent.run(request, threading.Event())


def alive(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in {"Z", "X"}
