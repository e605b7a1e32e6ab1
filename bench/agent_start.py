"""Agent start: what containment costs per task (issue 21 item 5, issue 17).

`CommandAgent.run` of `/bin/true`, median of N runs, as the bot's uid without Landlock, with Landlock, and (as
root) under a uid of its own with Landlock and the sweep — against `subprocess.run(["/bin/true"])` alone. Also
the libc handle: `ctypes.util.find_library` per call (what the bot did three times per task) against the
cached handle. Run: `.venv/bin/python bench/agent_start.py [N]`.
"""

from __future__ import annotations

import ctypes.util
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from symphony_bot.agents import containment, landlock, syscalls
from symphony_bot.agents.agent_user import AGENT_USER
from symphony_bot.agents.base import TaskRequest
from symphony_bot.agents.command import CommandAgent


def median_ms(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main(runs: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="symphony-bench-"))
    os.chmod(root, 0o711)
    (root / "repo").mkdir()
    agent = CommandAgent(["/bin/true"])

    def task(run_as: str | None) -> None:
        request = TaskRequest("p", root / "repo", root / "repo" / "d.md", "t", 1, root / "scratch", run_as=run_as)
        agent.run(request, threading.Event())

    bare = median_ms(lambda: subprocess.run(["/bin/true"], check=True), runs)
    figures = {"subprocess.run(/bin/true)": bare}
    namespace = containment.containment().namespace
    abi = landlock.abi
    landlock.abi = lambda: 0  # type: ignore[assignment]
    figures["CommandAgent.run, bot uid, no Landlock"] = median_ms(lambda: task(None), runs)
    landlock.abi = abi
    figures["CommandAgent.run, bot uid, Landlock"] = median_ms(lambda: task(None), runs)
    if os.geteuid() == 0:
        figures["CommandAgent.run, own uid + sweep + Landlock"] = median_ms(lambda: task(AGENT_USER), runs)
    figures["find_library('c') + CDLL, per call"] = median_ms(lambda: ctypes.CDLL(ctypes.util.find_library("c")), runs)
    figures["cached libc handle, per call"] = median_ms(syscalls.libc, runs)
    print(f"median of {runs} runs; PID namespace per agent here: {namespace}; Landlock ABI {abi()}")
    for name, value in figures.items():
        print(f"{name:50s} {value:8.2f} ms  ({value / bare:5.1f}x bare)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
