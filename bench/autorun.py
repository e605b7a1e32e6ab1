"""Auto Run engine overhead and memory.

1. A 200-task document run with the real `command` agent (a Python script that ticks its box): the engine's own
   time per task is the time between two task starts minus the agent run (process start to reap), as a median.
2. Peak memory of the engine (tracemalloc) at 100 and at 10,000 tasks, with an in-process agent that ticks the
   box in Python, so that only the engine's own allocations are measured.
Targets: <= 5 ms median overhead per task; peak at 10,000 tasks <= 1.2x the peak at 100.
"""

from __future__ import annotations

import itertools
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

from symphony_bot.agents.base import AgentResult, Outcome, TaskRequest, Usage
from symphony_bot.agents.command import CommandAgent
from symphony_bot.autorun.engine import Engine, RunOptions

TICK = """
import os
path, line = os.environ["SYMPHONY_DOC"], int(os.environ["SYMPHONY_TASK_LINE"])
lines = open(path).read().split("\\n")
lines[line - 1] = lines[line - 1].replace("[ ]", "[x]", 1)
open(path, "w").write("\\n".join(lines))
print("ticked", line)
"""


class TimedAgent:
    """Wraps an agent and records how long each run took."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.runs: list[float] = []

    def run(self, request: TaskRequest, stop: threading.Event, on_output=None) -> AgentResult:
        started = time.perf_counter()
        result = self.inner.run(request, stop, on_output)
        self.runs.append(time.perf_counter() - started)
        return result


class InProcessTicker:
    name = "in-process"

    def run(self, request: TaskRequest, stop: threading.Event, on_output=None) -> AgentResult:
        path = request.document_path
        text = path.read_text()
        start = 0
        for _ in range(request.task_line - 1):
            start = text.index("\n", start) + 1
        box = text.index("[ ]", start)
        path.write_text(text[:box] + "[x]" + text[box + 3 :])
        return AgentResult(Outcome.OK, text="ticked", usage=Usage(input_tokens=1, output_tokens=1))


def document(tasks: int) -> str:
    return "# Bench\n\n" + "".join(f"- [ ] make trivial edit number {n}\n" for n in range(tasks))


def run(agent, tasks: int, scratch: Path, listener=None) -> float:
    repo = scratch / f"repo-{tasks}-{agent.name}"
    repo.mkdir()
    doc = repo / "plan.md"
    doc.write_text(document(tasks))
    engine = Engine(agent, RunOptions(repo, (doc,), scratch / f"scratch-{tasks}-{agent.name}"))
    if listener:
        engine.subscribe(listener)
    started = time.perf_counter()
    summary = engine.run()
    assert summary.tasks_completed == tasks, summary
    return time.perf_counter() - started


def overhead(scratch: Path, tasks: int = 200) -> None:
    script = scratch / "tick.py"
    script.write_text(TICK)
    agent = TimedAgent(CommandAgent([sys.executable, str(script)]))
    starts: list[float] = []
    total = run(agent, tasks, scratch, lambda e: e["type"] == "task_start" and starts.append(time.perf_counter()))
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    per_task = [gap - agent_time for gap, agent_time in zip(gaps, agent.runs, strict=False)]
    print(f"{tasks} tasks with the command agent: {total:.2f} s in all, agent runs {sum(agent.runs):.2f} s")
    print(
        f"engine overhead per task: median {statistics.median(per_task) * 1000:.2f} ms, "
        f"p90 {sorted(per_task)[int(len(per_task) * 0.9)] * 1000:.2f} ms (target <= 5 ms)"
    )


def measure_memory(tasks: int) -> None:
    """Run in a fresh process: print peak RSS (KiB) and the Python heap peak and what stays after the run."""
    with tempfile.TemporaryDirectory() as name:
        tracemalloc.start()
        run(InProcessTicker(), tasks, Path(name))
        retained, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, peak, retained)


def memory_in_fresh_process(tasks: int) -> tuple[int, int, int]:
    out = subprocess.run(
        [sys.executable, __file__, "--memory", str(tasks)], capture_output=True, text=True, check=True
    ).stdout.split()
    rss, peak, retained = (int(value) for value in out)
    return rss, peak, retained


def main() -> None:
    if sys.argv[1:2] == ["--memory"]:
        measure_memory(int(sys.argv[2]))
        return
    with tempfile.TemporaryDirectory() as name:
        overhead(Path(name))
    small, large = memory_in_fresh_process(100), memory_in_fresh_process(10_000)
    print(
        f"peak RSS of the engine process: {small[0] / 1024:.1f} MiB at 100 tasks, {large[0] / 1024:.1f} MiB at "
        f"10,000 tasks: ratio {large[0] / small[0]:.2f}x (target <= 1.2x)"
    )
    print(
        f"Python heap peak: {small[1] / 1024:.0f} KiB vs {large[1] / 1024:.0f} KiB (the document itself is "
        f"{len(document(10_000)) / 1024:.0f} KiB and is read after every task); retained after the run: "
        f"{small[2] / 1024:.0f} KiB vs {large[2] / 1024:.0f} KiB "
    )


if __name__ == "__main__":
    main()
