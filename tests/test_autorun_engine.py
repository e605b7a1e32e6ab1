import threading
import time

from symphony_bot.agents.base import AgentResult, Outcome, Usage
from symphony_bot.agents.command import CommandAgent
from symphony_bot.agents.process import KILL_GRACE_SECONDS
from symphony_bot.autorun.engine import Budget, Engine, RunOptions, StopReason
from symphony_bot.commands.autorun import exit_code_for
from tests.autorun_helpers import (
    HALT,
    HANG_WITH_GRANDCHILD,
    NOTHING,
    QUIET_AFTER_HELLO,
    TICK,
    make_repo,
    run_engine,
    script_agent,
)
from tests.test_agents_process import grandchild_alive

TWO_TASKS = "# Plan\n\n- [ ] first\n- [ ] second\n"


def types(received):
    return [event["type"] for event in received]


def test_runs_every_task_and_reports_progress(tmp_path) -> None:
    summary, received, repo = run_engine(
        tmp_path, script_agent(tmp_path, "tick", TICK), {"a.md": TWO_TASKS, "docs/b.md": "- [x] done\n- [ ] third\n"}
    )
    assert (summary.stop_reason, exit_code_for(summary.stop_reason), summary.tasks_completed) == (
        StopReason.COMPLETED,
        0,
        3,
    )
    assert types(received) == [
        "start",
        *["document_start", "task_start", "task_complete", "task_start", "task_complete", "document_complete"],
        *["document_start", "task_start", "task_complete", "document_complete"],
        "complete",
    ]
    first = received[3]
    assert first["success"] is True and first["summary"] == "Ticked line 3" and first["taskLine"] == 3
    assert first["usageStats"]["inputTokens"] == 100
    assert received[-1]["totalCost"] == 0.03
    assert (repo / "docs/b.md").read_text() == "- [x] done\n- [x] third\n"
    assert all(isinstance(event["timestamp"], int) for event in received)


def test_three_runs_without_progress_stall_the_document_and_the_run_moves_on(tmp_path) -> None:
    agent = script_agent(tmp_path, "nothing", NOTHING)
    summary, received, _ = run_engine(tmp_path, agent, {"a.md": TWO_TASKS, "b.md": "- [ ] other\n"})
    assert summary.stop_reason is StopReason.TASKS_LEFT
    assert exit_code_for(summary.stop_reason) == 4
    assert summary.stalled_documents == ["a.md", "b.md"]
    assert types(received).count("task_start") == 6
    stalled = [e for e in received if e["type"] == "document_complete"]
    assert all(e["stalled"] for e in stalled)
    assert received[-1]["tasksRemaining"] == 3


def test_task_timeout_kills_the_whole_process_group(tmp_path, python_start_up_s) -> None:
    agent = script_agent(tmp_path, "hang", HANG_WITH_GRANDCHILD)
    started = time.monotonic()
    timeout = max(0.5, 4 * python_start_up_s)  # the script starts its grandchild first, however loaded the machine
    summary, received, repo = run_engine(tmp_path, agent, {"a.md": "- [ ] forever\n"}, task_timeout_s=timeout)
    # Three attempts, each killed at its timeout (SIGKILL after the grace), never left to the 120 s sleep.
    assert time.monotonic() - started < 3 * (timeout + KILL_GRACE_SECONDS + 4 * python_start_up_s)
    assert summary.stop_reason is StopReason.TIMEOUT
    assert exit_code_for(summary.stop_reason) == 5
    completes = [e for e in received if e["type"] == "task_complete"]
    assert [e["outcome"] for e in completes] == ["timeout"] * 3
    assert (repo / "grandchild.pid").exists()
    assert not grandchild_alive(repo), "the agent's grandchild outlived the timeout"


def test_inactivity_timeout(tmp_path) -> None:
    agent = script_agent(tmp_path, "quiet", QUIET_AFTER_HELLO)
    summary, received, _ = run_engine(tmp_path, agent, {"a.md": "- [ ] x\n"}, inactivity_timeout_s=0.4)
    assert [e["outcome"] for e in received if e["type"] == "task_complete"] == ["inactive"] * 3
    assert "printed nothing for 0.4 s" in next(e for e in received if e["type"] == "task_complete")["error"]
    assert exit_code_for(summary.stop_reason) == 5


def test_a_halt_marker_written_during_the_run_stops_everything(tmp_path) -> None:
    summary, received, _ = run_engine(
        tmp_path, script_agent(tmp_path, "halt", HALT), {"a.md": TWO_TASKS, "b.md": "- [ ] b\n"}
    )
    assert summary.stop_reason is StopReason.HALTED
    assert exit_code_for(summary.stop_reason) == 3
    assert types(received)[-2:] == ["halt", "complete"]
    assert received[-2]["reason"] == "needs a human to log in"
    assert received[-1]["halted"] is True and received[-1]["haltReason"] == "needs a human to log in"
    assert types(received).count("task_start") == 1


def test_a_halt_marker_already_present_refuses_to_start(tmp_path) -> None:
    agent = script_agent(tmp_path, "tick", TICK)
    summary, received, _ = run_engine(
        tmp_path, agent, {"a.md": "- [ ] x\n", "b.md": "- [ ] y\n<!-- maestro:halt: old -->\n"}
    )
    assert summary.stop_reason is StopReason.HALT_MARKER_PRESENT
    assert exit_code_for(summary.stop_reason) == 3
    assert types(received) == ["start", "error", "complete"]
    assert received[1]["code"] == "HALT_MARKER_PRESENT"
    assert "b.md line 2" in received[1]["message"]


def test_documents_already_done_are_a_success(tmp_path) -> None:
    summary, received, _ = run_engine(tmp_path, script_agent(tmp_path, "tick", TICK), {"a.md": "- [x] all done\n"})
    assert (summary.stop_reason, exit_code_for(summary.stop_reason)) == (StopReason.COMPLETED, 0)
    assert types(received) == ["start", "complete"]
    assert received[-1]["totalTasksCompleted"] == 0 and received[-1]["success"] is True


def test_documents_without_any_task_are_an_error(tmp_path) -> None:
    text = "# Plan\n1. [ ] numbered is not a task\n```\n- [ ] fenced example\n```\n- [ ]\n"
    summary, received, _ = run_engine(tmp_path, script_agent(tmp_path, "tick", TICK), {"a.md": text})
    assert (summary.stop_reason, exit_code_for(summary.stop_reason)) == (StopReason.NO_TASKS, 2)
    assert types(received) == ["start", "error", "complete"]
    assert received[1]["code"] == "NO_TASKS" and "- [ ] do something" in received[1]["message"]


def test_budget_max_tasks_and_max_cost(tmp_path) -> None:
    tick = script_agent(tmp_path, "tick", TICK)
    three = {"a.md": "- [ ] 1\n- [ ] 2\n- [ ] 3\n"}
    summary, _, _ = run_engine(tmp_path / "t", tick, three, budget=Budget(max_tasks=1))
    assert (summary.stop_reason, summary.tasks_completed, exit_code_for(summary.stop_reason)) == (
        StopReason.MAX_TASKS,
        1,
        5,
    )
    summary, received, _ = run_engine(tmp_path / "c", tick, three, budget=Budget(max_cost_usd=0.015))
    assert (summary.stop_reason, summary.tasks_completed) == (StopReason.MAX_COST, 2)
    assert received[-1]["tasksRemaining"] == 1


def test_budget_max_minutes_uses_the_clock(tmp_path) -> None:
    now = [0.0]

    class SlowAgent:
        name = "slow"

        def run(self, request, stop, on_output=None):
            now[0] += 40.0  # each task takes 40 s of (fake) wall clock
            path = request.document_path
            path.write_text(path.read_text().replace("[ ]", "[x]", 1))
            return AgentResult(Outcome.OK, text="done", usage=Usage(cost_usd=0.5))

    repo, paths = make_repo(tmp_path, {"a.md": "- [ ] 1\n- [ ] 2\n- [ ] 3\n"})
    options = RunOptions(repo, tuple(paths), tmp_path / "s", budget=Budget(max_minutes=1))
    summary = Engine(SlowAgent(), options, clock=lambda: now[0]).run()
    assert (summary.stop_reason, summary.tasks_completed) == (StopReason.MAX_MINUTES, 2)


def test_agent_that_cannot_run_stops_with_a_clear_error(tmp_path) -> None:
    agent = CommandAgent([str(tmp_path / "no-such-agent")])
    summary, received, _ = run_engine(tmp_path, agent, {"a.md": TWO_TASKS})
    assert (summary.stop_reason, exit_code_for(summary.stop_reason)) == (StopReason.AGENT_FAILED, 1)
    error = next(e for e in received if e["type"] == "error")
    assert error["code"] == "AGENT_NOT_FOUND"
    assert "no-such-agent" in error["message"]


def test_rate_limited_agent_stops_instead_of_looping(tmp_path) -> None:
    class Limited:
        name = "limited"
        calls = 0

        def run(self, request, stop, on_output=None):
            Limited.calls += 1
            return AgentResult(Outcome.RATE_LIMITED, error="You've hit your usage limit")

    summary, received, _ = run_engine(tmp_path, Limited(), {"a.md": TWO_TASKS})
    assert Limited.calls == 1
    assert exit_code_for(summary.stop_reason) == 1
    assert next(e for e in received if e["type"] == "error")["code"] == "AGENT_RATE_LIMITED"


def test_stop_request_aborts_the_running_agent(tmp_path) -> None:
    agent = script_agent(tmp_path, "hang", HANG_WITH_GRANDCHILD)
    repo, paths = make_repo(tmp_path, {"a.md": TWO_TASKS})
    received: list = []
    engine = Engine(agent, RunOptions(repo, tuple(paths), tmp_path / "s"), listeners=[received.append])
    threading.Timer(0.5, engine.request_stop).start()
    summary = engine.run()
    assert summary.stop_reason is StopReason.CANCELLED
    assert exit_code_for(summary.stop_reason) == 4
    assert received[-1]["type"] == "complete" and received[-1]["stopReason"] == "cancelled"
    assert (repo / "grandchild.pid").exists() and not grandchild_alive(repo)


def test_dry_run_previews_without_running(tmp_path) -> None:
    summary, received, repo = run_engine(
        tmp_path, script_agent(tmp_path, "tick", TICK), {"a.md": TWO_TASKS}, dry_run=True
    )
    assert types(received) == [
        "start",
        "document_start",
        "task_preview",
        "task_preview",
        "document_complete",
        "complete",
    ]
    assert received[-1]["dryRun"] is True and received[-1]["wouldProcess"] == 2
    assert (repo / "a.md").read_text() == TWO_TASKS
    assert exit_code_for(summary.stop_reason) == 0


def test_loop_with_reset_runs_copies_and_keeps_the_original(tmp_path) -> None:
    summary, received, repo = run_engine(
        tmp_path,
        script_agent(tmp_path, "tick", TICK),
        {"a.md": TWO_TASKS},
        loop=True,
        max_loops=2,
        reset_on_completion=True,
    )
    assert (repo / "a.md").read_text() == TWO_TASKS
    copies = sorted((repo / "runs").glob("a-*-loop-*.md"))
    assert [p.name.rsplit("-", 1)[-1] for p in copies] == ["1.md", "2.md"]
    assert all(p.read_text().count("[x]") == 2 for p in copies)
    assert types(received).count("loop_complete") == 1
    assert summary.tasks_completed == 4 and exit_code_for(summary.stop_reason) == 0


def test_loop_without_reset_stops_when_everything_is_done(tmp_path) -> None:
    summary, received, _ = run_engine(tmp_path, script_agent(tmp_path, "tick", TICK), {"a.md": TWO_TASKS}, loop=True)
    assert types(received).count("loop_complete") == 0
    assert exit_code_for(summary.stop_reason) == 0


HALT_IN_LATER_DOC = """
import os
doc = os.environ["SYMPHONY_DOC"]
lines = open(doc).read().split("\\n")
line = int(os.environ["SYMPHONY_TASK_LINE"])
lines[line - 1] = lines[line - 1].replace("[ ]", "[x]", 1)
open(doc, "w").write("\\n".join(lines))
with open(os.path.join(os.environ["SYMPHONY_REPO"], "b.md"), "a") as other:
    other.write("<!-- maestro:halt: b.md needs a database -->\\n")
print("done, but b.md cannot run")
"""


def test_a_halt_marker_written_into_a_later_document_stops_before_it(tmp_path) -> None:
    agent = script_agent(tmp_path, "later", HALT_IN_LATER_DOC)
    summary, received, _ = run_engine(tmp_path, agent, {"a.md": "- [ ] a\n", "b.md": "- [ ] b\n"})
    assert (summary.stop_reason, exit_code_for(summary.stop_reason)) == (StopReason.HALTED, 3)
    assert types(received)[-2:] == ["halt", "complete"]
    assert received[-2]["document"] == "b.md" and received[-2]["reason"] == "b.md needs a database"
    assert types(received).count("task_start") == 1


def test_agent_failures_count_as_runs_without_progress_unless_the_box_got_ticked(tmp_path) -> None:
    fails_but_ticks = TICK + "\nimport sys\nsys.exit(1)\n"
    summary, received, _ = run_engine(tmp_path, script_agent(tmp_path, "ft", fails_but_ticks), {"a.md": TWO_TASKS})
    completes = [e for e in received if e["type"] == "task_complete"]
    assert [(e["outcome"], e["tasksCompleted"]) for e in completes] == [("agent_error", 1)] * 2
    assert (exit_code_for(summary.stop_reason), summary.tasks_completed) == (0, 2)

    crash = "import sys\nsys.stderr.write('model overloaded')\nsys.exit(1)\n"
    summary, received, _ = run_engine(tmp_path / "x", script_agent(tmp_path, "crash", crash), {"a.md": TWO_TASKS})
    completes = [e for e in received if e["type"] == "task_complete"]
    assert len(completes) == 3 and all("model overloaded" in e["error"] for e in completes)
    assert (summary.stop_reason, exit_code_for(summary.stop_reason)) == (StopReason.TASKS_LEFT, 4)


def test_loop_skips_stalled_documents_and_ends_when_a_pass_completes_nothing(tmp_path) -> None:
    agent = script_agent(tmp_path, "nothing", NOTHING)
    summary, received, _ = run_engine(tmp_path, agent, {"a.md": TWO_TASKS}, loop=True)
    assert types(received).count("task_start") == 3
    assert summary.stalled_documents == ["a.md"] and exit_code_for(summary.stop_reason) == 4


def test_reset_on_completion_runs_a_cleared_copy_of_a_finished_document(tmp_path) -> None:
    done = "- [x] one\n- [x] two\n"
    summary, received, repo = run_engine(
        tmp_path,
        script_agent(tmp_path, "tick", TICK),
        {"a.md": done, "empty.md": "# nothing\n"},
        reset_on_completion=True,
    )
    assert (repo / "a.md").read_text() == done  # the original is never touched
    (copy,) = (repo / "runs").glob("a-*-loop-1.md")
    assert copy.read_text() == done and summary.tasks_completed == 2
    assert not list((repo / "runs").glob("empty-*"))
    assert received[1]["document"] == f"runs/{copy.name}"


def test_events_carry_injected_timestamps(tmp_path) -> None:
    repo, paths = make_repo(tmp_path, {"a.md": "- [ ] x\n"})
    received: list = []
    stamps = iter(range(1_000, 2_000))
    engine = Engine(
        script_agent(tmp_path, "tick", TICK),
        RunOptions(repo, tuple(paths), tmp_path / "s"),
        listeners=[received.append],
        wall_clock_ms=lambda: next(stamps),
    )
    engine.run()
    assert [e["timestamp"] for e in received] == list(range(1_000, 1_000 + len(received)))
    assert received[-1]["usage"] == received[-1]["usageStats"]


def test_a_cost_budget_with_an_unpriced_model_stops_after_the_first_task(tmp_path) -> None:
    class Unpriced:
        name = "unpriced"

        def run(self, request, stop, on_output=None):
            path = request.document_path
            path.write_text(path.read_text().replace("[ ]", "[x]", 1))
            return AgentResult(Outcome.OK, text="done", usage=Usage(cost_usd=0.01, unpriced_model="gpt-9-mystery"))

    summary, received, _ = run_engine(tmp_path / "b", Unpriced(), {"a.md": TWO_TASKS}, budget=Budget(max_cost_usd=5))
    assert (summary.stop_reason, summary.tasks_completed, exit_code_for(summary.stop_reason)) == (
        StopReason.AGENT_FAILED,
        1,
        1,
    )
    error = next(e for e in received if e["type"] == "error")
    assert error["code"] == "AGENT_PRICE_UNKNOWN" and "gpt-9-mystery" in error["message"]
    assert "--model" in error["message"] and "--max-cost" in error["message"]
    # Without a cost budget the estimate is only flagged, and the run goes on.
    summary, _, _ = run_engine(tmp_path / "n", Unpriced(), {"a.md": TWO_TASKS})
    assert summary.stop_reason is StopReason.COMPLETED and summary.usage.unpriced_model == "gpt-9-mystery"
