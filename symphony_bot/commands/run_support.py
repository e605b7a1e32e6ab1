"""What `run` and `demo` share: building the agent from autorun's options, the runner, signals, output."""

from __future__ import annotations

import os
import re
import signal
import sys
from typing import Any

import click

from symphony_bot.commands.exit_codes import FINDINGS, USAGE

ISSUE_PATTERN = re.compile(
    r"^(?P<repo>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100})#(?P<number>[1-9][0-9]*)$"
)
MAX_ISSUE_NUMBER = 2**31 - 1  # GraphQL Int
NO_ISSUE_TO_PICK = (
    "no available issue in the {repositories} of the registry: each runmaestro.ai issue there is claimed, blocked "
    "or invalid, or none is labelled (`symphony-bot scan` lists them); name one with OWNER/REPO#N, or pick from "
    "another registry with --registry"
)
# Exit codes by final phase (as autorun's: 0 done, 1 failure, 3 halted, 4 tasks left or stopped, 5 budget).
EXIT_BY_PHASE = {
    "completed": 0,
    "failed": 1,
    "claim_lost": 1,
    "halted": 3,
    "stalled": 4,
    "stopped": 4,
    "cancelled": 4,
    "budget_reached": 5,
}


def parse_issue(text: str) -> tuple[str, int]:
    found = ISSUE_PATTERN.match(text.strip())
    if found is None:
        raise click.BadParameter(f"{text!r} is not OWNER/REPO#NUMBER (for example octo/project#12)")
    number = int(found.group("number"))
    if number > MAX_ISSUE_NUMBER:
        raise click.BadParameter(f"issue number {number} is larger than GitHub's {MAX_ISSUE_NUMBER}")
    return found.group("repo"), number


def usage_error(message: str) -> int:
    click.echo(f"error: {message}", err=True)
    return USAGE


def build_agent(options: dict[str, Any]) -> Any:
    """The agent autorun's options name (`agents.build`: the same refusals, the same messages as autorun's: one
    `error:` line, exit 2)."""
    from symphony_bot.agents.build import AgentOptionError
    from symphony_bot.agents.build import build_agent as from_options
    from symphony_bot.commands.output import usage_error as refuse

    try:
        return from_options(
            options["agent_name"],
            command=options.get("agent_command"),
            executable=options.get("agent_executable"),
            model=options.get("model"),
            pass_env=tuple(options.get("pass_env") or ()),
            pass_secrets=tuple(options.get("pass_secrets") or ()),
        )
    except AgentOptionError as error:
        refuse(str(error))


def execute(options: dict[str, Any]) -> int:
    from symphony_bot.agents.build import metered_agent
    from symphony_bot.commands.output import say_on_stderr
    from symphony_bot.github.client import GitHubClient

    if options.get("pick") == bool(options.get("issue")):
        return usage_error("name one issue (OWNER/REPO#N) or give --pick, not both")
    with GitHubClient.from_env(options.get("github_url")) as client:
        if not client.authenticated:
            return usage_error("a run writes to GitHub: set GITHUB_TOKEN or SYMPHONY_GITHUB_TOKEN")
        if options.get("pick"):
            picked, scanned = pick_issue(client, list(options.get("registries") or ()))
            if picked is None:
                from symphony_bot.report.words import plural

                click.echo(
                    NO_ISSUE_TO_PICK.format(repositories=plural(scanned, "active repository", "active repositories")),
                    err=True,
                )
                return 1
            repository, number = picked
            click.echo(f"picked {repository}#{number}, the first available issue of the scan", err=True)
        else:
            try:
                repository, number = parse_issue(options["issue"])
            except click.BadParameter as error:
                return usage_error(str(error.message))
        agent = build_agent(options)
        notices = _containment_notices(options)
        if notices is None:
            return USAGE
        if not options.get("dry_run") and not _agent_can_start(agent, options):
            return FINDINGS
        token = client._token or ""  # the same token the API uses: git sends it as a header
        metering = options.get("metering_proxy", True) and not options.get("dry_run")
        name, max_cost, model = options["agent_name"], options.get("max_cost"), options.get("model")
        with metered_agent(agent, name, max_cost=max_cost, enabled=metering, model=model, say=say_on_stderr) as agent:
            # The command line contains the agent as autorun does (in-process callers choose for themselves).
            state = run_contribution(
                client,
                repository,
                number,
                agent,
                token,
                options=options,
                agent_user=_agent_user(options),
                containment_notes=tuple(notices),
            )
    if options.get("dry_run") and not options.get("json_lines"):
        click.echo(dry_run_summary(state), err=True)
    return EXIT_BY_PHASE.get(str(state.phase), 1)


def dry_run_summary(state: Any) -> str:
    """What a dry run checked and what the run would do (a dry run writes nothing, so no `finalized` event)."""
    from symphony_bot.report.words import plural
    from symphony_bot.report.workflow_commands import neutralize

    issue = f"{state.repository}#{state.issue}"
    if str(state.phase) == "failed":
        return neutralize(f"dry run: {state.last_error}; nothing was written")
    documents = len(state.documents)
    tasks = sum(document.total - document.done for document in state.documents)
    return neutralize(
        f"dry run: {issue} checked (label, claim, documents); a run would do {plural(tasks, 'open task')} "
        f"in {plural(documents, 'document')}; nothing was written"
    )


def agent_config(options: dict[str, Any], agent: Any, token: str) -> dict[str, Any]:
    """The RunConfig fields `run` and `revise` take alike from their options: the agent, its model, time-outs and
    budget, the maintainers' `verify`, the token and the workflow run."""
    from symphony_bot.autorun.engine import Budget
    from symphony_bot.commands.verify_options import verify_settings
    from symphony_bot.contribution.config import run_url_from_env

    return {
        "agent": agent,
        "agent_name": options["agent_name"],
        "token": token,
        "model": options.get("model"),
        "task_timeout_s": options.get("task_timeout"),
        "inactivity_timeout_s": options.get("inactivity_timeout"),
        "budget": Budget(
            max_tasks=options.get("max_tasks"),
            max_cost_usd=options.get("max_cost"),
            max_minutes=options.get("max_minutes"),
        ),
        "run_url": run_url_from_env(),
        "verify": verify_settings(options),  # commands/verify_options.py
    }


def json_listeners(options: dict[str, Any]) -> list[Any]:
    """With `--json`, one listener printing each event as a JSON line (`##[` and `::` in agent output must not
    become workflow commands in an Actions log); else none."""
    from symphony_bot.autorun import events
    from symphony_bot.report.workflow_commands import neutralize

    if not options.get("json_lines"):
        return []
    return [lambda event: click.echo(neutralize(events.to_json_line(event)))]


def run_contribution(
    client: Any, repository: str, number: int, agent: Any, token: str, *, options: dict[str, Any], **overrides: Any
) -> Any:
    from symphony_bot.contribution.config import TRIGGERED_BY_ENV, RunConfig
    from symphony_bot.contribution.runner import ContributionRunner

    config = RunConfig(
        repository=repository,
        issue=number,
        **agent_config(options, agent, token),
        fork=options.get("fork") or "auto",
        dry_run=bool(options.get("dry_run")),
        trigger_comment_id=options.get("comment_id"),
        requested_by=options.get("requested_by") or os.environ.get(TRIGGERED_BY_ENV) or None,
        **({"comment_interval_s": options["comment_interval"]} if options.get("comment_interval") is not None else {}),
        **overrides,
    )
    listeners = json_listeners(options)
    if not listeners and not options.get("quiet"):
        listeners.append(_human)
    listeners += list(options.get("extra_listeners") or ())
    runner = ContributionRunner(client, config, listeners)

    def on_signal(signum: int, _frame: Any) -> None:
        runner.request_stop(signalled=True)

    # SIGTERM (the job's time-out or cancel) and Ctrl-C alike: stop the agent, push, finalise as stopped.
    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        return runner.run()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def pick_issue(client: Any, registries: list[str]) -> tuple[tuple[str, int] | None, int]:
    """The first available issue of a scan of the registry's repositories (or None), and how many were scanned."""
    from symphony_bot.github.registry_source import DEFAULT_REGISTRY_URL, load_registries
    from symphony_bot.github.scan import scan

    selection = load_registries(registries or [DEFAULT_REGISTRY_URL], None, client)
    for problem in selection.problems:
        click.echo(f"warning: {problem}", err=True)
    result = scan(client, selection.slugs, include_closed=False)
    for repository in result.repositories:
        for repository_problem in repository.problems:
            click.echo(f"warning: {repository.slug}: {repository_problem.message}", err=True)
    skipped = 0
    for issue in result.issues:
        if str(issue.status) == "available":
            return (issue.repo, issue.number), len(selection.slugs)
        if str(issue.status) == "invalid":  # say why it was passed over: its fix is the maintainer's
            if skipped < PICK_SKIPPED_SHOWN:
                reason = issue.classification.reasons[0] if issue.classification.reasons else None
                why = f"{reason.message} [{reason.code}]" if reason else PICK_NO_REASON
                click.echo(PICK_SKIPPED.format(issue=f"{issue.repo}#{issue.number}", why=why), err=True)
            skipped += 1
    return None, len(selection.slugs)


PICK_SKIPPED_SHOWN = 5  # invalid issues named before the pick; the rest are counted by `scan --status invalid`
PICK_SKIPPED = "skipped {issue} (invalid: {why})"
PICK_NO_REASON = "it lists no document"


def _human(event: dict[str, Any]) -> None:
    kind = event["type"]
    line = None
    if kind == "task_start":
        line = f"  • {event['document']}: {event['task']}"
    elif kind == "task_preview":
        line = f"  ○ {event['document']} line {event['taskLine']}: {event['task']}"
    elif kind == "task_complete":
        line = f"    {'✓' if event['tasksCompleted'] else '✗'} {event['summary']}"
    elif kind == "pushed":
        line = f"  ↑ pushed {event['sha'][:7]} to {event['branch']}"
    elif kind == "claimed":
        line = f"  ⚑ claimed with PR #{event['pullNumber']} {event['url']}"
    elif kind == "finalized":
        line = "\n".join(finalized_lines(event))
    if line is not None:
        from symphony_bot.report.workflow_commands import neutralize

        click.echo(neutralize(line), err=True)
    sys.stderr.flush()


def finalized_lines(event: dict[str, Any]) -> list[str]:
    """How a run ended, in words: the outcome, its cause and the next step (what the status comment says)."""
    from symphony_bot.contribution.state import Phase
    from symphony_bot.contribution.status_comment import NEXT_STEPS, PHASE_TITLES

    phase = Phase(event["phase"])
    lines = [f"{PHASE_TITLES[phase]}: {event['tasksDone']} of {event['tasksTotal']} tasks done"]
    if event.get("pullUrl"):
        lines[0] += f"; pull request {event['pullUrl']}"
    for label, key in (("cause", "error"), ("halt marker", "haltReason"), ("claimed by", "claimHolder")):
        if event.get(key):
            lines.append(f"  {label}: {event[key]}")
    lines.append(f"  next: {NEXT_STEPS[phase]}")
    return lines


def _agent_user(options: dict[str, Any]) -> str | None:
    """As autorun: a bot running as root starts each agent task under a fresh uid of its own."""
    from symphony_bot.agents.agent_user import AGENT_USER, running_as_root

    if options.get("dry_run") or not running_as_root():
        return None
    return AGENT_USER


def _agent_can_start(agent: Any, options: dict[str, Any]) -> bool:
    """As autorun: an agent its user cannot start is refused before anything is cloned or claimed. A relative
    agent path is the clone's, which does not exist yet: the first task finds out."""
    from symphony_bot.commands.agent_start import agent_can_start

    per_task_uid = _agent_user(options) is not None
    name, json_lines = options["agent_name"], bool(options.get("json_lines"))
    return agent_can_start(agent, name, per_task_uid=per_task_uid, cwd=None, json_lines=json_lines)


def _containment_notices(options: dict[str, Any]) -> list[str] | None:
    """As autorun: refuse where containment is weak unless allowed (None); say what is weaker, also in the job
    summary (the status comment gets them through the run's config)."""
    if options.get("dry_run"):
        return []
    from symphony_bot.agents.guard import guard_containment
    from symphony_bot.commands.output import say_on_stderr

    notices = guard_containment(bool(options.get("allow_weak_containment")), options["agent_name"], say_on_stderr)
    if notices:
        from symphony_bot.report.workflow_commands import append_summary

        append_summary("\n\n".join(f"> [!WARNING]\n> {notice}" for notice in notices))
    return notices
