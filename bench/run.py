"""What a contribution run costs beyond its agent, on the sandbox, each figure beside its floor in the same run.

1. A 1-task `symphony-bot run`, whole process (start-up, GitHub, git, the agent, the PR), against:
   - the same run in-process with all GitHub pacing off (an unlimited pacer): pacing may cost at most 1.3x;
   - the floor: its git work done by hand with git's own CLI (clone, commit, push): at most 4x.
   Target for the whole process: at most 1.5 s.
2. A TASKS-task run in-process: the harness's overhead per task (from one task's start to the next, minus the
   agent's own time) against a plain add/commit/push loop over the same sandbox remote: at most 1.1x.
3. The GitHub writes of the runs (REST POST/PATCH/PUT/DELETE, GraphQL mutations; git pushes are not API writes):
   at most 5 + ceil(duration / 10 s), and past the first five, never two less than 1 s apart (the sandbox's
   request log keeps when each request arrived).

    .venv/bin/python bench/run.py
"""

from __future__ import annotations

import itertools
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from symphony_bot.agents.command import CommandAgent
from symphony_bot.contribution.config import RunConfig
from symphony_bot.contribution.runner import ContributionRunner
from symphony_bot.github.client import GitHubClient
from symphony_bot.github.pacer import WRITE_BURST, Limits, Pacer
from symphony_bot.sandbox import Sandbox

TASKS = 30
WHOLE_PROCESS_TARGET_S = 1.5
PACING_RATIO_TARGET = 1.3
FLOOR_RATIO_TARGET = 4.0
PER_TASK_RATIO_TARGET = 1.1
NO_OP_AGENT = 'sed -i "${SYMPHONY_TASK_LINE}s/\\[ \\]/[x]/" "$SYMPHONY_DOC"\n'
BIN = Path(sys.executable).parent / "symphony-bot"
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")
MUTATIONS = {"MarkReady"}  # the GraphQL mutations the bot sends (github/pulls.py)


def seed(sb: Sandbox, name: str, tasks: int) -> int:
    document = "# Bench\n\n" + "".join(f"- [ ] task {index}\n" for index in range(1, tasks + 1))
    sb.create_repo("owner", name, files={"README.md": "bench\n", "docs/bench.md": document})
    sb.add_label("owner", name, "runmaestro.ai")
    sb.set_permission("owner", name, "donor", "write")
    return sb.create_issue("owner", name, "Bench", "docs/bench.md\n", labels=["runmaestro.ai"]).number


def agent_script(scratch: Path) -> Path:
    script = scratch / "noop.sh"
    script.write_text(NO_OP_AGENT)
    script.chmod(0o755)
    return script


def writes_of(sb: Sandbox, since: int) -> list[float]:
    """Arrival times of the API writes logged from `since` on (git's own HTTP is not an API write)."""
    with sb.requests.lock:
        entries = list(zip(list(sb.requests)[since:], sb.requests.arrivals[since:], strict=True))
    return [
        at
        for entry, at in entries
        if entry.graphql_operation in MUTATIONS
        or (entry.method in WRITE_METHODS and not entry.path.startswith(("/git/", "/graphql")))
    ]


def whole_process(sb: Sandbox, scratch: Path, script: Path) -> float:
    number = seed(sb, "whole", 1)
    env = {**os.environ, "GITHUB_TOKEN": "donor-token", "SYMPHONY_GITHUB_TOKEN": "donor-token"}
    argv = [str(BIN), "run", f"owner/whole#{number}", "--agent", "command", "--agent-command", f"sh {script}"]
    argv += ["--github-url", sb.api_url, "--no-metering-proxy"]
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False, cwd=scratch)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"the whole-process run failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return elapsed


def in_process(sb: Sandbox, scratch: Path, script: Path, name: str, *, tasks: int, pacer: Pacer | None) -> dict:
    number = seed(sb, name, tasks)
    (scratch / name).mkdir()
    marks: list[tuple[str, float, float]] = []

    def listen(event: dict) -> None:
        if event["type"] in ("task_start", "task_complete", "complete"):
            marks.append((event["type"], time.perf_counter(), event.get("elapsedMs", 0) / 1000))

    before = len(sb.requests)
    started = time.perf_counter()
    options = {} if pacer is None else {"pacer": pacer}
    with GitHubClient(sb.api_url, sb.graphql_url, "donor-token", **options) as client:
        config = RunConfig(
            repository=f"owner/{name}",
            issue=number,
            agent=CommandAgent(["sh", str(script)]),
            agent_name="command",
            token="donor-token",
            work_root=scratch / name,
        )
        state = ContributionRunner(client, config, [listen]).run()
    duration = time.perf_counter() - started
    if str(state.phase) != "completed":
        raise SystemExit(f"the in-process run {name} ended {state.phase}: {state.last_error}")
    starts = [when for kind, when, _ in marks if kind in ("task_start", "complete")]
    agent_seconds = [agent for kind, _, agent in marks if kind == "task_complete"]
    overheads = [
        later - earlier - agent for earlier, later, agent in zip(starts, starts[1:], agent_seconds, strict=False)
    ]
    return {"duration": duration, "overheads": overheads, "writes": writes_of(sb, before)}


def git(*args: str, cwd: Path | None = None, token: str = "donor-token") -> None:
    header = f"http.extraHeader=Authorization: bearer {token}"
    env = {"PATH": os.environ["PATH"], "HOME": str(cwd or "/"), "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}
    env |= {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@b"}
    subprocess.run(["git", "-c", header, *args], cwd=cwd, env=env, check=True, capture_output=True)


def git_floor(sb: Sandbox, scratch: Path, tasks: int) -> tuple[float, list[float]]:
    """(seconds for clone + one commit + push, seconds per add/commit/push for each of `tasks` tasks)."""
    seed(sb, "floor", tasks)
    work = scratch / "floor"
    started = time.perf_counter()
    git("clone", "--depth=1", sb.git_url("owner", "floor"), str(work))
    git("switch", "-c", "by-hand", cwd=work)
    document = work / "docs" / "bench.md"
    per_task: list[float] = []
    for index in range(tasks):
        task_started = time.perf_counter()
        document.write_text(document.read_text().replace("- [ ]", "- [x]", 1))
        git("add", "-A", cwd=work)
        git("commit", "-qm", f"task {index}", cwd=work)
        git("push", "-q", "origin", "by-hand", cwd=work)
        per_task.append(time.perf_counter() - task_started)
        if index == 0:
            first = time.perf_counter() - started
    return first, per_task


def spacing(writes: list[float]) -> float | None:
    """The smallest gap between two writes from the last of the first WRITE_BURST on (None: no such pair)."""
    after = sorted(writes)[WRITE_BURST - 1 :]
    gaps = [later - earlier for earlier, later in itertools.pairwise(after)]
    return min(gaps) if gaps else None


def main() -> int:
    with Sandbox() as sb, tempfile.TemporaryDirectory() as name:
        scratch = Path(name)
        os.chmod(scratch, 0o755)  # the agent runs under a uid of its own and must reach its script
        sb.add_user("owner", token="owner-token")
        sb.add_user("donor", token="donor-token")
        script = agent_script(scratch)
        in_process(sb, scratch, script, "warm-up", tasks=1, pacer=Pacer(Limits.unlimited()))  # imports, schema
        whole = whole_process(sb, scratch, script)
        unpaced = in_process(sb, scratch, script, "unpaced", tasks=1, pacer=Pacer(Limits.unlimited()))
        paced = in_process(sb, scratch, script, "paced", tasks=1, pacer=None)
        floor_first, floor_per_task = git_floor(sb, scratch, TASKS)
        long_run = in_process(sb, scratch, script, "long", tasks=TASKS, pacer=None)

    ok = True

    def report(label: str, value: float, target: float, unit: str = "x") -> None:
        nonlocal ok
        ok &= value <= target
        print(f"{label}: {value:.2f}{unit} (target <= {target}{unit}) {'OK' if value <= target else 'MISSED'}")

    print(f"1-task run, whole process: {whole:.2f} s")
    report("  whole process", whole, WHOLE_PROCESS_TARGET_S, " s")
    print(f"1-task run in-process: paced {paced['duration']:.2f} s, pacing off {unpaced['duration']:.2f} s")
    report("  paced / pacing off", paced["duration"] / unpaced["duration"], PACING_RATIO_TARGET)
    print(f"git floor (clone, commit, push by hand): {floor_first:.2f} s")
    report("  whole process / git floor", whole / floor_first, FLOOR_RATIO_TARGET)
    harness = statistics.median(long_run["overheads"])
    plain = statistics.median(floor_per_task)
    print(f"{TASKS}-task run: harness overhead per task median {harness * 1000:.1f} ms;", end=" ")
    print(f"plain add/commit/push loop {plain * 1000:.1f} ms")
    report("  harness / plain loop per task", harness / plain, PER_TASK_RATIO_TARGET)
    for label, run in (("1-task paced", paced), (f"{TASKS}-task", long_run)):
        allowed = 5 + math.ceil(run["duration"] / 10)
        gap = spacing(run["writes"])
        gap_text = "no write past the burst" if gap is None else f"closest writes past the burst {gap:.2f} s apart"
        writes = len(run["writes"])
        print(f"{label} run: {writes} GitHub writes in {run['duration']:.1f} s (allowed {allowed}); {gap_text}")
        ok &= len(run["writes"]) <= allowed and (gap is None or gap >= 1.0 - 0.01)
    print(f"targets: {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
