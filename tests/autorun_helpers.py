"""Real command agents for the engine tests: small Python scripts the `command` agent runs per task."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from symphony_bot.agents.command import CommandAgent
from symphony_bot.autorun.engine import Engine, RunOptions
from symphony_bot.commands.autorun import exit_code_for

TICK = """
import os
path, line = os.environ["SYMPHONY_DOC"], int(os.environ["SYMPHONY_TASK_LINE"])
lines = open(path, encoding="utf-8").read().split("\\n")
lines[line - 1] = lines[line - 1].replace("[ ]", "[x]", 1)
open(path, "w", encoding="utf-8").write("\\n".join(lines))
print("Ticked line", line)
print('{"symphony_usage": {"input_tokens": 100, "output_tokens": 20, "cost_usd": 0.01}}')
"""

NOTHING = "print('I looked around and did nothing')\n"

HALT = """
import os
with open(os.environ["SYMPHONY_DOC"], "a") as doc:
    doc.write("\\n<!-- maestro:halt: needs a human to log in -->\\n")
print("Cannot do this")
"""

# Starts a grandchild that would outlive it, records its pid, then hangs.
HANG_WITH_GRANDCHILD = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "grandchild:" + os.getcwd()])
open(os.environ["SYMPHONY_REPO"] + "/grandchild.pid", "w").write(str(child.pid))
print("working", flush=True)
time.sleep(120)
"""

QUIET_AFTER_HELLO = """
import time
print("hello", flush=True)
time.sleep(120)
"""

ENV_PROBE = """
import json, os, sys
open(os.environ["SYMPHONY_REPO"] + "/env.json", "w").write(json.dumps(dict(os.environ)))
prompt = sys.stdin.read()
open(os.environ["SYMPHONY_REPO"] + "/stdin-length", "w").write(str(len(prompt)))
open(os.environ["SYMPHONY_REPO"] + "/file-length", "w").write(str(len(open(os.environ["SYMPHONY_PROMPT_FILE"]).read())))
"""


def script_agent(tmp_path: Path, name: str, source: str) -> CommandAgent:
    script = tmp_path / f"{name}.py"
    script.write_text(source)
    return CommandAgent([sys.executable, str(script)])


def make_repo(tmp_path: Path, documents: dict[str, str]) -> tuple[Path, list[Path]]:
    repo = tmp_path / "repo"
    repo.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in documents.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return repo, paths


def run_engine(tmp_path: Path, agent, documents: dict[str, str], **options):
    repo, paths = make_repo(tmp_path, documents)
    received: list[dict] = []
    engine = Engine(
        agent,
        RunOptions(repo_dir=repo, documents=tuple(paths), scratch_dir=tmp_path / "scratch", **options),
        listeners=[received.append],
        exit_code_for=exit_code_for,  # as the command runs it: the complete event carries the exit code
    )
    summary = engine.run()
    return summary, received, repo


def _python_for_agents() -> str:
    """An interpreter another user may run: run as root, the command starts agents as an unprivileged user,
    and this test venv's interpreter may live under /root (pyenv), which other users cannot enter."""
    for candidate in (sys.executable, "/usr/bin/python3"):
        resolved = Path(os.path.realpath(candidate))
        if all(folder.stat().st_mode & stat.S_IXOTH for folder in resolved.parents):
            return str(resolved)
    return sys.executable


AGENT_PYTHON = _python_for_agents()


@contextlib.contextmanager
def reachable_tmp() -> Iterator[Path]:
    """A fresh temporary folder other users may enter (`o+x`, no listing), as a runner's work folder is: run as
    root, the command starts each agent as an unprivileged user, which must reach the work tree. (pytest's own
    temporary root is 0700, and concurrent pytest sessions reset it.)"""
    path = Path(tempfile.mkdtemp(prefix="symphony-agent-test-"))
    os.chmod(path, 0o711)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
