"""Run the demo and show what GitHub would show: the status comment as it changes, the PR, its commits."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from symphony_bot.demo import scenario

COMMENT_INTERVAL_SECONDS = 0.3  # a sandbox, not GitHub: show the comment changing within a short demo
Echo = Callable[..., None]


def run_demo(agent_name: str, *, json_lines: bool, echo: Echo) -> int:
    from symphony_bot.agents.command import CommandAgent

    with contextlib.ExitStack() as stack:
        if agent_name == "demo":
            agent: Any = CommandAgent(scenario.demo_agent_command())
            kind = "command"
        else:
            from symphony_bot.demo.real_agents import scripted_agent

            try:
                agent = stack.enter_context(scripted_agent(agent_name))
            except LookupError as error:
                echo(f"error: {error}", fg="red", err=True)
                return 2
            kind = agent_name
        return _run(agent, kind, json_lines=json_lines, echo=echo)


def _run(agent: Any, kind: str, *, json_lines: bool, echo: Echo) -> int:
    from symphony_bot.commands.run_support import EXIT_BY_PHASE, run_contribution
    from symphony_bot.github.client import GitHubClient
    from symphony_bot.sandbox import Sandbox

    with Sandbox() as sandbox, tempfile.TemporaryDirectory(prefix="symphony-demo-") as work:
        number, trigger_id = scenario.seed(sandbox)
        echo(f"sandbox GitHub at {sandbox.api_url}", fg="cyan")
        echo(f"issue {scenario.SLUG}#{number}: {scenario.ISSUE_TITLE!r}, labelled runmaestro.ai, 2 documents")
        echo(f"@{scenario.OWNER} commented {scenario.TRIGGER!r}; running as @{scenario.BOT_LOGIN}\n")
        shown: list[str] = []

        def on_event(event: dict[str, Any]) -> None:
            if json_lines:
                return
            if event["type"] == "comment_updated":
                _show_comment(sandbox, number, shown, echo)
            else:
                _show_progress(event, echo)

        with GitHubClient(sandbox.api_url, sandbox.graphql_url, scenario.BOT_TOKEN) as client:
            options = {
                "agent_name": kind,
                "json_lines": json_lines,
                "comment_id": trigger_id,
                "requested_by": scenario.OWNER,
                "task_timeout": 120.0,
                "inactivity_timeout": 120.0,
                "extra_listeners": [on_event],
                "quiet": True,
            }
            state = run_contribution(
                client,
                scenario.SLUG,
                number,
                agent,
                scenario.BOT_TOKEN,
                options=options,
                comment_interval_s=COMMENT_INTERVAL_SECONDS,
                work_root=Path(work),
            )
        if not json_lines:
            _show_comment(sandbox, number, shown, echo, final=True)
            _show_pull(sandbox, echo)
    return EXIT_BY_PHASE.get(str(state.phase), 1)


def _show_comment(sandbox: Any, number: int, shown: list[str], echo: Echo, final: bool = False) -> None:
    from symphony_bot.contribution.status_comment import STATUS_MARKER

    bodies = [c.body for c in sandbox.comments(scenario.OWNER, scenario.REPO, number) if STATUS_MARKER in c.body]
    if not bodies or (shown and shown[-1] == bodies[-1] and not final):
        return
    shown.append(bodies[-1])
    if final:
        echo("── status comment (final) " + "─" * 50, fg="green")
        echo(bodies[-1].replace(STATUS_MARKER + "\n", ""))
        return
    lines = [line for line in bodies[-1].splitlines() if line.startswith(("###", "**", "`"))]
    echo(f"── status comment, edit {len(shown)} ──", fg="yellow")
    for line in lines[:3]:
        echo(f"   {line}")


def _show_progress(event: dict[str, Any], echo: Echo) -> None:
    kind = event["type"]
    if kind == "task_start":
        echo(f"▶ {event['document']}: {event['task']}")
    elif kind == "pushed":
        echo(f"  ↑ pushed {event['sha'][:7]} to {event['branch']}")
    elif kind == "claimed":
        echo(f"  ⚑ the first push opened draft PR #{event['pullNumber']}: the issue is claimed", fg="magenta")


def _show_pull(sandbox: Any, echo: Echo) -> None:
    from symphony_bot.stats.pr_metadata import parse_block

    pulls = sandbox.pulls(scenario.OWNER, scenario.REPO)
    if not pulls:
        echo("no pull request was opened", fg="red")
        return
    pull = pulls[-1]
    assert pull.pull is not None
    echo("── pull request " + "─" * 60, fg="green")
    echo(f"#{pull.number} {pull.title}  [{'draft' if pull.pull.draft else 'ready for review'}, {pull.state}]")
    echo(f"branch {pull.pull.head_ref} → {pull.pull.base_ref}")
    metadata = parse_block(pull.body)
    if metadata is not None:
        echo(f"metadata: {metadata.tasks_done}/{metadata.tasks_total} tasks, state {metadata.state}")
    echo("── commits " + "─" * 65, fg="green")
    repositories = sandbox.repositories
    repo = sandbox.repo(scenario.OWNER, scenario.REPO)
    sha: str | None = pull.pull.head_sha
    lines: list[str] = []
    while sha is not None and len(lines) < 50:
        info = repositories.commit_info(repo, sha)
        message = str((info or {}).get("message") or "").splitlines()
        if info is None or not message or not message[0].startswith("symphony:"):
            break
        lines.append(f"  {sha[:7]} {message[0]}")
        parents = info.get("parents") or []
        sha = parents[0] if parents else None
    for line in reversed(lines):
        echo(line)
