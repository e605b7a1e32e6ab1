"""The contribution runner's own cost: a 50-task run with a no-op `command` agent on the sandbox.

Prints the harness's overhead per task (from one task's start to the next, minus the agent's own time: the
engine's re-read, the commit, the push, the PR and comment bookkeeping) and the GitHub writes of the run
(REST POST/PATCH/PUT/DELETE and GraphQL mutations; git pushes are not API writes).

Targets: median overhead <= 150 ms per task; writes <= 5 + ceil(duration / 10 s).

    .venv/bin/python bench/run.py
"""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from pathlib import Path

from symphony_bot.agents.command import CommandAgent
from symphony_bot.contribution.config import RunConfig
from symphony_bot.contribution.runner import ContributionRunner
from symphony_bot.github.client import GitHubClient
from symphony_bot.sandbox import Sandbox

TASKS = 50
MEDIAN_TARGET_MS = 150.0
MUTATIONS = {"MarkReady"}
NO_OP_AGENT = 'sed -i "${SYMPHONY_TASK_LINE}s/\\[ \\]/[x]/" "$SYMPHONY_DOC"'


def main() -> int:
    with Sandbox() as sb, tempfile.TemporaryDirectory() as scratch:
        sb.add_user("owner", token="owner-token")
        sb.add_user("donor", token="donor-token")
        document = "# Bench\n\n" + "".join(f"- [ ] task {index}\n" for index in range(1, TASKS + 1))
        sb.create_repo("owner", "bench", files={"README.md": "bench\n", "docs/bench.md": document})
        sb.add_label("owner", "bench", "runmaestro.ai")
        sb.set_permission("owner", "bench", "donor", "write")
        issue = sb.create_issue("owner", "bench", "Bench", "docs/bench.md\n", labels=["runmaestro.ai"])
        agent_script = Path(scratch) / "noop.sh"
        agent_script.write_text(f"#!/bin/sh\n{NO_OP_AGENT}\n")
        agent_script.chmod(0o755)

        marks: list[tuple[str, float, float]] = []  # (event, perf_counter, agent seconds)

        def listen(event: dict) -> None:
            if event["type"] in ("task_start", "task_complete", "complete"):
                marks.append((event["type"], time.perf_counter(), event.get("elapsedMs", 0) / 1000))

        before = len(sb.requests)
        started = time.perf_counter()
        with GitHubClient(sb.api_url, sb.graphql_url, "donor-token") as client:  # GitHub's default spacing
            config = RunConfig(
                repository="owner/bench",
                issue=issue.number,
                agent=CommandAgent([str(agent_script)]),
                agent_name="command",
                token="donor-token",
                work_root=Path(scratch),
            )
            state = ContributionRunner(client, config, [listen]).run()
        duration = time.perf_counter() - started
        entries = list(sb.requests)[before:]

    starts = [when for kind, when, _ in marks if kind in ("task_start", "complete")]
    agent_seconds = [agent for kind, _, agent in marks if kind == "task_complete"]
    overheads = [
        (later - earlier - agent) * 1000
        for earlier, later, agent in zip(starts, starts[1:], agent_seconds, strict=False)
    ]
    writes = [
        entry
        for entry in entries
        if (entry.method in ("POST", "PATCH", "PUT", "DELETE") and not entry.path.startswith(("/git/", "/graphql")))
        or entry.graphql_operation in MUTATIONS
    ]
    allowed = 5 + math.ceil(duration / 10)
    median = statistics.median(overheads)
    print(f"run: {state.phase}, {state.tasks_done}/{state.tasks_total} tasks, {duration:.2f} s wall clock")
    print(
        f"harness overhead per task (agent time excluded): median {median:.1f} ms, "
        f"p90 {statistics.quantiles(overheads, n=10)[-1]:.1f} ms, max {max(overheads):.1f} ms "
        f"(target <= {MEDIAN_TARGET_MS:.0f} ms, ratio {median / MEDIAN_TARGET_MS:.2f})"
    )
    print(f"agent time per task: median {statistics.median(agent_seconds) * 1000:.1f} ms")
    kinds: dict[str, int] = {}
    for entry in writes:
        key = entry.operation or entry.graphql_operation or entry.path
        kinds[key] = kinds.get(key, 0) + 1
    print(
        f"GitHub writes: {len(writes)} (allowed 5 + ceil({duration:.1f} / 10) = {allowed}, "
        f"ratio {len(writes) / allowed:.2f}): {kinds}"
    )
    print(f"GitHub requests in all: {len(entries)}, of which git: {sum(e.path.startswith('/git/') for e in entries)}")
    ok = str(state.phase) == "completed" and median <= MEDIAN_TARGET_MS and len(writes) <= allowed
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
