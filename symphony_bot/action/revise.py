"""`/symphony revise` in the Action: a comment on a pull request, or the body of a submitted review
(`pull_request_review`), asks for a review round on a PR this bot opened.

The same checks as `/symphony run`, in the same order (commands.py): the command is read with the same CommonMark
reader (slash.parse_command); ghost, the bot itself and unlisted bots are ignored silently; then `who-can-run`
(`anyone` hears nobody here: a revision is asked for on a pull request, which carries no maintainer's label).
Then 👀 on the comment and `symphony-bot revise OWNER/REPO#PR --json` in a child process, through the runner
seam as every run goes (the token and API keys in the child's environment only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from symphony_bot.action import slash
from symphony_bot.action.command_gate import ignored_author, refused_by_policy
from symphony_bot.action.context import ActionContext
from symphony_bot.action.events import Event, _actor
from symphony_bot.action.policy import WhoCanRun
from symphony_bot.action.replies import Outcome
from symphony_bot.action.runner_seam import RunRequest, RunResult, run_arguments
from symphony_bot.contribution.repository_config import SymphonyConfig
from symphony_bot.github import triggers

REVIEW_EVENT = "pull_request_review"
REVIEW_COMMENT_EVENT = "pull_request_review_comment"
LINE_COMMENT_IGNORED = (
    "a review comment on a line is a thread for the next revision, never a command: ask with /symphony revise "
    "in a comment on the pull request or in a review's body"
)
REPLY_NOT_A_PULL = (
    "`/symphony revise` works on a pull request this bot opened: comment there, or put it in a review's body."
)
NOTHING_TO_REVISE = "Nothing to revise"
# `run` flags that mean nothing to `revise` (each takes a value).
_RUN_ONLY_FLAGS = ("--comment-interval", "--comment-id", "--requested-by", "--registry")


def command_of(event: Event) -> slash.SlashCommand | None:
    """The `/symphony` command of the comment or of the submitted review's body."""
    if event.name == REVIEW_EVENT:
        review = event.payload.get("review")
        return slash.parse_command(str(review.get("body") or "")) if isinstance(review, dict) else None
    return slash.parse_command(str(event.comment.get("body") or ""))


def is_revise(event: Event) -> bool:
    command = command_of(event)
    return command is not None and command.name == slash.REVISE


def policy_text(policy: WhoCanRun) -> str:
    if policy.anyone:
        return "anyone"
    if policy.logins:
        return ",".join(sorted(policy.logins))
    return policy.minimum.label if policy.minimum is not None else "write"


def revise_request(request: RunRequest, config: SymphonyConfig) -> RunRequest:
    """The run's agent and options with the `budgets.revise` limits where the configuration sets them."""
    return replace(
        request,
        max_cost=config.revise_max_cost if config.revise_max_cost is not None else request.max_cost,
        max_minutes=config.revise_max_minutes if config.revise_max_minutes is not None else request.max_minutes,
        max_tasks=config.revise_max_tasks if config.revise_max_tasks is not None else request.max_tasks,
    )


def verify_flags(config: SymphonyConfig) -> tuple[str, ...]:
    """The configuration's `verify` for the child, as `--verify` and its companions."""
    if not config.verify:
        return ()
    return (
        "--verify",
        config.verify,
        "--verify-failure",
        config.verify_failure,
        "--verify-retries",
        str(config.verify_retries),
    )


def revise_arguments(
    request: RunRequest,
    pull: int,
    *,
    text: str,
    request_id: int,
    author: str,
    who: str,
    resolve: bool = False,
    verify: tuple[str, ...] = (),
) -> list[str]:
    """`symphony-bot revise` arguments: the run's agent and budget flags, the request, no secret."""
    run = run_arguments(request)[3:]  # drop "run", the target and "--json"
    kept: list[str] = []
    skip = False
    for item in run:
        if skip:
            skip = False
            continue
        if item in _RUN_ONLY_FLAGS:
            skip = True
            continue
        if item != "--dry-run":
            kept.append(item)
    return [
        "revise",
        f"{request.repo}#{pull}",
        "--json",
        "--who-can-run",
        who,
        "--request-id",
        str(request_id),
        "--request-author",
        author,
        *(["--request", text] if text else []),
        *(["--resolve"] if resolve else []),
        *verify,
        *kept,
    ]


def on_revise(context: ActionContext, event: Event) -> Outcome:
    name = f"{event.name}.{event.action}"
    repo = event.repository
    if event.name == REVIEW_EVENT:
        review = event.payload.get("review") if isinstance(event.payload.get("review"), dict) else {}
        assert isinstance(review, dict)
        number = event.pull_request.get("number")
        author, body, source_id, comment_id = _actor(review.get("user")), review.get("body"), review.get("id"), None
        on_pull = True
    else:
        number, author, body = event.issue_number, event.comment_author, event.comment.get("body")
        source_id = comment_id = event.comment.get("id")
        on_pull = event.is_pull_request
    if not repo or not isinstance(number, int) or author is None or not isinstance(source_id, int):
        return Outcome("failed", f"the {event.name} event has no repository, number, author or id", failed=True)
    target = f"{repo}#{number}"
    ignored = ignored_author(context, author, event=name, target=target)
    if ignored is not None:
        return ignored
    if not on_pull:
        if not context.dry_run:
            triggers.reply(context.client, repo, number, REPLY_NOT_A_PULL)
        return Outcome("refused", "/symphony revise applies on a pull request", event=name, target=target)
    refused = refused_by_policy(context, author, repo, number, slash.REVISE, labelled=False, event=name, target=target)
    if refused is not None:
        return refused
    if context.dry_run:
        return Outcome("dry-run", f"would revise {target}", event=name, target=target)
    if comment_id is not None:
        triggers.react(context.client, repo, comment_id)
    from symphony_bot.contribution.revision import request_text

    request = revise_request(context.run_request(repo, number, triggered_by=author.login), context.config)
    arguments = revise_arguments(
        request,
        number,
        text=request_text(str(body or "")),
        request_id=source_id,
        author=author.login,
        who=policy_text(context.policy),
        resolve=context.config.resolve_threads,
        verify=verify_flags(context.config),
    )
    result = _seam(context.runner)(arguments, request)
    if any(NOTHING_TO_REVISE in line for line in result.log_tail):
        message = next(line for line in result.log_tail if NOTHING_TO_REVISE in line).strip()
        triggers.reply(context.client, repo, number, message)
        return Outcome("nothing-to-revise", message, event=name, target=target)
    failed = result.exit_code not in (0,)
    return Outcome(result.status, f"revise: exit code {result.exit_code}", failed=failed, event=name, target=target)


def _seam(runner: Any) -> Callable[[list[str], RunRequest], RunResult]:
    """The runner seam's `revise`, or its child-process call for a seam that predates it."""
    revise = getattr(runner, "revise", None)
    if callable(revise):
        return revise  # type: ignore[no-any-return]
    invoke: Callable[[list[str], RunRequest], RunResult] = runner._invoke
    return invoke
