"""Auto Run engine overhead and memory.

1. A 200-task document run with the real `command` agent (a Python script that ticks its box): the engine's own
   time per task is the time between two task starts minus the agent run (process start to reap), as a median.
2. At 100 and at 10,000 tasks, each in a fresh process, with an IN-PROCESS fake agent that ticks the box in
   Python (no process spawn, so only the engine's own cost shows): the engine's overhead per task (same
   measure), the peak RSS of the process (and its growth over the run), and, in another fresh process under
   tracemalloc, the Python heap peak.
Targets: <= 5 ms median overhead per task (200-task run); overhead per task at 10,000 tasks <= 1.5x the overhead
at 100 (issue 21: the engine re-counts only the line an agent changed); peak memory at 10,000 tasks <= 1.2x the
peak at 100.
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
    """A fake agent: ticks the box on its task line, in Python."""

    name = "in-process"

    def run(self, request: TaskRequest, stop: threading.Event, on_output=None) -> AgentResult:
        path = request.document_path
        lines = path.read_text().split("\n")
        index = request.task_line - 1
        lines[index] = lines[index].replace("[ ]", "[x]", 1)
        path.write_text("\n".join(lines))
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


def overhead_per_task(agent: TimedAgent, tasks: int, scratch: Path) -> tuple[float, list[float]]:
    starts: list[float] = []
    total = run(agent, tasks, scratch, lambda e: e["type"] == "task_start" and starts.append(time.perf_counter()))
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    return total, [gap - agent_time for gap, agent_time in zip(gaps, agent.runs, strict=False)]


def ms(values: list[float], quantile: float = 0.5) -> str:
    return f"{sorted(values)[int(len(values) * quantile)] * 1000:.2f} ms"


def command_agent_run(scratch: Path, tasks: int = 200) -> float:
    script = scratch / "tick.py"
    script.write_text(TICK)
    agent = TimedAgent(CommandAgent([sys.executable, str(script)]))
    total, per_task = overhead_per_task(agent, tasks, scratch)
    print(f"{tasks} tasks with the real command agent: {total:.2f} s in all, agent processes {sum(agent.runs):.2f} s")
    print(f"  engine overhead per task: median {ms(per_task)}, p90 {ms(per_task, 0.9)} (target <= 5 ms)")
    return statistics.median(per_task)


def measure_in_fresh_process(tasks: int, heap: bool) -> None:
    """Child mode: print either `rss_peak_kib rss_before_kib overhead_median_s` or `heap_peak retained`."""
    with tempfile.TemporaryDirectory() as name:
        if heap:
            tracemalloc.start()
            run(InProcessTicker(), tasks, Path(name))
            retained, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(peak, retained)
            return
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        _, per_task = overhead_per_task(TimedAgent(InProcessTicker()), tasks, Path(name))
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, before, statistics.median(per_task))


def child(tasks: int, heap: bool) -> list[float]:
    args = [sys.executable, __file__, "--child", str(tasks), *(["--heap"] if heap else [])]
    return [float(value) for value in subprocess.run(args, capture_output=True, text=True, check=True).stdout.split()]


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        measure_in_fresh_process(int(sys.argv[2]), heap="--heap" in sys.argv)
        return
    with tempfile.TemporaryDirectory() as name:
        median = command_agent_run(Path(name))
    print("In-process fake agent (ticks the box in Python; no process spawn), each size in a fresh process:")
    figures = {}
    overheads = {}
    for tasks in (100, 10_000):
        rss, before, overhead = child(tasks, heap=False)
        heap_peak, retained = child(tasks, heap=True)
        figures[tasks] = rss
        overheads[tasks] = overhead
        print(
            f"  {tasks:>6,} tasks: engine overhead per task median {overhead * 1000:.2f} ms; peak RSS "
            f"{rss / 1024:.1f} MiB (+{(rss - before) / 1024:.1f} MiB during the run); Python heap peak "
            f"{heap_peak / 1024:.0f} KiB, retained after the run {retained / 1024:.0f} KiB"
        )
    ratio = figures[10_000] / figures[100]
    print(
        f"peak memory ratio 10,000 / 100 tasks: {ratio:.2f}x (target <= 1.2x). The heap peak grows with the "
        f"document itself ({len(document(10_000)) / 1024:.0f} KiB at 10,000 tasks, re-read after every task), not "
        "with the number of tasks run."
    )
    flat = overheads[10_000] / overheads[100]
    print(f"overhead per task ratio 10,000 / 100 tasks: {flat:.2f}x (target <= 1.5x)")
    verdict = "OK" if median <= 0.005 and ratio <= 1.2 and flat <= 1.5 else "MISSED"
    print(f"targets: {verdict}")


if __name__ == "__main__":
    main()
