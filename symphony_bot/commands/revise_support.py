"""`revise` at work: the PR, the policy (whose threads are heard), the agent, the runner, and what to print."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

import click

from symphony_bot.commands.exit_codes import FINDINGS, USAGE
from symphony_bot.commands.run_support import ISSUE_PATTERN

PULL_PATTERN = ISSUE_PATTERN  # OWNER/REPO#N: a pull request is numbered as an issue is
MESSAGE_BAD_PULL = "{text!r} is not OWNER/REPO#NUMBER (for example octo/project#12)"
MESSAGE_NO_TOKEN = "a revision writes to GitHub: set GITHUB_TOKEN or SYMPHONY_GITHUB_TOKEN"  # noqa: S105
MESSAGE_DONE = "revision {number}: {commits} commit(s), {replies} thread(s) answered, {ignored} ignored"


def parse_pull(text: str) -> tuple[str, int] | None:
    found = PULL_PATTERN.match(text.strip())
    return (found.group("repo"), int(found.group("number"))) if found else None


def policy_check(client: Any, repository: str, who_can_run: Any, bot_login: str) -> Callable[[str], bool]:
    """`may_run(login)` under `who-can-run` (the Action's own rule, action/policy.py), answers cached per login."""
    from symphony_bot.action.policy import Actor, Permission, may_command, parse_who_can_run
    from symphony_bot.github.triggers import role_of

    policy = parse_who_can_run(who_can_run)
    known: dict[str, bool] = {}

    def may_run(login: str) -> bool:
        key = login.casefold()
        if key not in known:
            decision = may_command(
                Actor(login),
                policy,
                lambda who: Permission.parse(role_of(client, repository, who)),
                bot_login=bot_login,
                issue_labelled=False,
            )
            known[key] = decision.allowed
        return known[key]

    return may_run


def execute(options: dict[str, Any]) -> int:
    from symphony_bot.agents.build import metered_agent
    from symphony_bot.commands.output import say_on_stderr
    from symphony_bot.commands.run_support import (
        EXIT_BY_PHASE,
        _agent_can_start,
        _agent_user,
        _containment_notices,
        build_agent,
        usage_error,
    )
    from symphony_bot.contribution.revise_runner import RevisionRefused
    from symphony_bot.github.client import GitHubClient, GitHubError

    target = parse_pull(options["pull"])
    if target is None:
        return usage_error(MESSAGE_BAD_PULL.format(text=options["pull"]))
    repository, number = target
    with GitHubClient.from_env(options.get("github_url")) as client:
        if not client.authenticated:
            return usage_error(MESSAGE_NO_TOKEN)
        agent = build_agent(options)
        notices = _containment_notices(options)  # as `run`: weak containment is refused unless allowed
        if notices is None:
            return USAGE
        if not _agent_can_start(agent, options):  # as `run`: before any review is read or any reply written
            return FINDINGS
        token = client._token or ""
        name, max_cost, model = options["agent_name"], options.get("max_cost"), options.get("model")
        metering = options.get("metering_proxy", True)
        with metered_agent(agent, name, max_cost=max_cost, enabled=metering, model=model, say=say_on_stderr) as metered:
            try:
                outcome = run_revision(
                    client,
                    repository,
                    number,
                    metered,
                    token,
                    options=options,
                    agent_user=_agent_user(options),
                    containment_notes=tuple(notices),
                )
            except RevisionRefused as refused:
                click.echo(f"error: {refused}", err=True)
                return 1
            except GitHubError as error:
                click.echo(f"error: {error}", err=True)
                return EXIT_BY_PHASE["failed"]
    if outcome.nothing_to_do:
        click.echo(outcome.message)
        return 0
    plan = outcome.plan
    click.echo(
        MESSAGE_DONE.format(
            number=outcome.number,
            commits=len(outcome.commits),
            replies=len(outcome.replied),
            ignored=len(plan.ignored) if plan else 0,
        )
    )
    return 0 if plan is not None and len(outcome.commits) >= len(plan.tasks) else 4


def run_revision(
    client: Any, repository: str, number: int, agent: Any, token: str, *, options: dict[str, Any], **overrides: Any
) -> Any:
    from symphony_bot.commands.run_support import agent_config, json_listeners
    from symphony_bot.contribution.config import RunConfig
    from symphony_bot.contribution.revise_runner import ReviseRequest, RevisionRunner
    from symphony_bot.github import permissions

    # issue 0: read from the PR's metadata block
    config = RunConfig(repository=repository, issue=0, **agent_config(options, agent, token), **overrides)
    bot = permissions.viewer(client).login
    request = ReviseRequest(
        pull=number,
        may_run=options.get("may_run") or policy_check(client, repository, options.get("who_can_run"), bot),
        request=options.get("request_text") or "",
        request_id=options.get("request_id") or zlib.crc32(str(options.get("request_text") or "").encode()),
        request_author=options.get("request_author") or "",
        resolve_threads=bool(options.get("resolve")),
    )
    return RevisionRunner(client, config, request, json_listeners(options)).run()


__all__ = ["USAGE", "execute", "parse_pull", "policy_check", "run_revision"]
