"""`symphony-bot autorun`: run Auto Run documents on a local checkout, with no GitHub at all."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

import click

from symphony_bot.agents.build import PASS_SECRET_OPTION
from symphony_bot.agents.catalogue import AGENT_NAMES
from symphony_bot.autorun.document_files import MAX_DOCUMENT_BYTES
from symphony_bot.autorun.summary import StopReason
from symphony_bot.commands import exit_codes

AGENT_CHOICES = AGENT_NAMES
AGENT_USER_DEFAULT = "private-uid"  # = agents.agent_user.AGENT_USER (not imported: --help stays light)
ALLOW_WEAK_ENV = "SYMPHONY_ALLOW_WEAK_CONTAINMENT"  # = agents.posture.ALLOW_ENV; the action's input sets it
TRAVERSE_ONLY = 0o711
# How each way a run can end becomes the process's exit status (documented in the README and in --help).
EXIT_CODES: dict[StopReason, int] = {
    StopReason.COMPLETED: exit_codes.OK,
    StopReason.NO_TASKS: exit_codes.USAGE,
    StopReason.HALTED: exit_codes.HALTED,
    StopReason.HALT_MARKER_PRESENT: exit_codes.HALTED,
    StopReason.TASKS_LEFT: exit_codes.TASKS_LEFT,
    StopReason.CANCELLED: exit_codes.TASKS_LEFT,
    StopReason.MAX_TASKS: exit_codes.BUDGET,
    StopReason.MAX_COST: exit_codes.BUDGET,
    StopReason.MAX_MINUTES: exit_codes.BUDGET,
    StopReason.TIMEOUT: exit_codes.BUDGET,
    StopReason.AGENT_FAILED: exit_codes.FINDINGS,
    StopReason.MODEL_API_FAILED: exit_codes.FINDINGS,
    StopReason.DOCUMENT_UNREADABLE: exit_codes.FINDINGS,
}


@click.command()
@click.argument("documents", nargs=-1, required=True, metavar="DOC...")
@click.option(
    "--repo-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The checkout the agent works in; every DOC must be inside it.",
)
@click.option(
    "--agent", "agent_name", type=click.Choice(AGENT_CHOICES), required=True, help="Which agent does the tasks."
)
@click.option(
    "--agent-command", metavar="CMD", help="For --agent command: the executable (and arguments) to run per task."
)
@click.option("--agent-executable", metavar="PATH", help="Path of the agent CLI when it is not on PATH.")
@click.option(
    "--pass-env",
    "pass_env",
    multiple=True,
    metavar="NAME",
    help="For --agent command: also pass this environment variable to it (repeatable). Names that look like "
    "credentials (*TOKEN*, *SECRET*, *PASSWORD*, *_KEY, *CREDENTIAL*, ...) are refused: see "
    "--dangerously-pass-secret.",
)
@click.option(
    PASS_SECRET_OPTION,
    "pass_secrets",
    multiple=True,
    metavar="NAME",
    help="For --agent command: pass this credential-looking variable anyway (repeatable). The agent runs the "
    "repository's code and can send it anywhere. GitHub, Actions and git credentials are refused even here.",
)
@click.option(
    "--allow-weak-containment",
    is_flag=True,
    envvar=ALLOW_WEAK_ENV,
    help="Run agents even where a containment promise cannot hold (not root: no uid of its own; no Landlock; a "
    "mounted socket or runner file open to every user), saying each on stderr, in the status comment and the job "
    "summary. Without it such a run is refused. (As root each agent task gets a fresh uid of its own.)",
)
@click.option("--model", metavar="M", help="Model to ask the agent CLI for.")
@click.option("--json", "json_lines", is_flag=True, help="Print the event stream as JSON Lines on stdout.")
@click.option("--dry-run", is_flag=True, help="List the tasks that would run, run nothing.")
@click.option("--max-tasks", type=click.IntRange(min=1), help="Stop after this many tasks are done.")
@click.option(
    "--max-cost", type=click.FloatRange(min=0), metavar="USD", help="Stop once the agents have cost this much."
)
@click.option("--max-minutes", type=click.FloatRange(min=0), metavar="M", help="Stop after this much wall-clock time.")
@click.option(
    "--task-timeout",
    type=click.FloatRange(min=0.1),
    metavar="S",
    default=3600,
    show_default=True,
    help="Kill an agent run that takes longer than this.",
)
@click.option(
    "--inactivity-timeout",
    type=click.FloatRange(min=0.1),
    metavar="S",
    default=900,
    show_default=True,
    help="Kill an agent run that prints nothing for this long.",
)
@click.option(
    "--metering-proxy/--no-metering-proxy",
    default=True,
    show_default=True,
    help="Hold the model API key in a loopback proxy that meters every model request and enforces --max-cost "
    "mid-task; the agent CLI gets only the proxy's URL and a dummy key.",
)
@click.option("--loop", is_flag=True, help="Run the documents again after each pass while tasks get done.")
@click.option("--max-loops", type=click.IntRange(min=1), help="At most this many passes (implies --loop).")
@click.option(
    "--reset-on-completion",
    is_flag=True,
    help="Run fresh copies under runs/ each pass, leaving the documents themselves untouched.",
)
def autorun(  # noqa: PLR0917 (click passes every option as an argument)
    documents: tuple[str, ...],
    repo_dir: Path,
    agent_name: str,
    agent_command: str | None,
    agent_executable: str | None,
    pass_env: tuple[str, ...],
    pass_secrets: tuple[str, ...],
    allow_weak_containment: bool,
    model: str | None,
    json_lines: bool,
    dry_run: bool,
    max_tasks: int | None,
    max_cost: float | None,
    max_minutes: float | None,
    task_timeout: float,
    inactivity_timeout: float,
    loop: bool,
    max_loops: int | None,
    reset_on_completion: bool,
    metering_proxy: bool,
) -> None:
    """Run the tasks of each DOC, in order, with a fresh agent process per task.

    Exit status: 0 all tasks done; 1 agent or infrastructure error; 2 usage; 3 halted;
    4 stalled or tasks left; 5 budget or timeout reached.
    """
    import os
    import signal
    import tempfile

    from symphony_bot.agents.build import AgentOptionError, build_agent, metered_agent
    from symphony_bot.agents.guard import guard_containment, say_how_agents_are_contained
    from symphony_bot.autorun import events
    from symphony_bot.autorun.engine import Budget, Engine, RunOptions
    from symphony_bot.commands.agent_start import agent_can_start
    from symphony_bot.commands.output import say_on_stderr, usage_error
    from symphony_bot.report.workflow_commands import neutralize

    repo = repo_dir.resolve()
    if not repo.is_dir():
        usage_error(f"--repo-dir {repo_dir} is not a directory")
    resolved = []
    for document in documents:
        path = (Path(document) if Path(document).is_absolute() else Path.cwd() / document).resolve()
        if not path.is_relative_to(repo):
            usage_error(f"{document} is outside the repository {repo}; documents must live in the checkout")
        if not path.is_file():
            usage_error(f"{document} does not exist or is not a file")
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            usage_error(
                f"{document} is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB; split it into smaller documents"
            )
        resolved.append(path)
    try:
        agent = build_agent(
            agent_name,
            command=agent_command,
            executable=agent_executable,
            model=model,
            pass_env=pass_env,
            pass_secrets=pass_secrets,
        )
    except AgentOptionError as error:
        usage_error(str(error))

    from symphony_bot.agents.agent_user import running_as_root

    run_as = AGENT_USER_DEFAULT if running_as_root() else None
    if not dry_run:
        say_how_agents_are_contained(say_on_stderr)
        if guard_containment(allow_weak_containment, agent_name, say_on_stderr) is None:
            sys.exit(exit_codes.USAGE)
        if not agent_can_start(agent, agent_name, per_task_uid=run_as is not None, cwd=repo, json_lines=json_lines):
            sys.exit(exit_codes.FINDINGS)
    with contextlib.ExitStack() as resources:
        metering = metering_proxy and not dry_run
        agent = resources.enter_context(
            metered_agent(agent, agent_name, max_cost=max_cost, enabled=metering, model=model, say=say_on_stderr)
        )
        scratch = resources.enter_context(tempfile.TemporaryDirectory(prefix="symphony-autorun-"))
        if run_as is not None:
            # The agent's user must reach its own folder inside; it may not list what else is there.
            os.chmod(scratch, TRAVERSE_ONLY)
        options = RunOptions(
            repo_dir=repo,
            documents=tuple(resolved),
            scratch_dir=Path(scratch),
            model=model,
            task_timeout_s=task_timeout,
            inactivity_timeout_s=inactivity_timeout,
            budget=Budget(max_tasks=max_tasks, max_cost_usd=max_cost, max_minutes=max_minutes),
            loop=loop or max_loops is not None,
            max_loops=max_loops,
            reset_on_completion=reset_on_completion,
            dry_run=dry_run,
            agent_user=run_as,
        )
        engine = Engine(agent, options, exit_code_for=exit_code_for)
        if json_lines:
            engine.subscribe(lambda event: click.echo(neutralize(events.to_json_line(event))))
        else:
            engine.subscribe(_human_progress)

        interrupts = 0

        def on_signal(signum: int, _frame: Any) -> None:
            # SIGINT once: finish the current task, then stop. SIGTERM, or SIGINT twice: kill it now.
            nonlocal interrupts
            interrupts += 1
            engine.request_stop(abort=signum == signal.SIGTERM or interrupts > 1)

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        summary = engine.run()
    sys.exit(exit_code_for(summary.stop_reason))


def exit_code_for(reason: StopReason) -> int:
    return EXIT_CODES[reason]


def _human_progress(event: dict[str, Any]) -> None:
    kind = event["type"]
    line = None
    if kind == "document_start":
        line = f"▶ {event['document']}: {event['taskCount']} open tasks"
    elif kind == "task_start":
        line = f"  • line {event['taskLine']}: {event['task']}"
    elif kind == "task_preview":
        line = f"  ○ line {event['taskLine']}: {event['task']}"
    elif kind == "task_complete":
        mark = "✓" if event["tasksCompleted"] else "✗"
        line = f"    {mark} {event['summary']} ({event['elapsedMs'] / 1000:.1f} s)"
    elif kind == "document_complete" and event.get("stalled"):
        line = f"  ⚠ {event['document']} stalled: {event['tasksRemaining']} tasks left after 3 runs without progress"
    elif kind == "halt":
        line = f"■ halted in {event['document']}: {event['reason']}"
    elif kind == "error":
        line = f"error [{event['code']}]: {event['message']}"
    elif kind == "complete":
        cost = event["totalCost"]
        line = (
            f"{'done' if event['success'] else 'stopped'} ({event['stopReason']}): "
            f"{event['totalTasksCompleted']} tasks done, {event['tasksRemaining']} left, "
            f"{event['totalElapsedMs'] / 1000:.1f} s, ${cost:.4f}"
        )
    if line is not None:
        from symphony_bot.report.workflow_commands import neutralize

        click.echo(neutralize(line), err=True)
