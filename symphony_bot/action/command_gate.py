"""The gate every acting `/symphony` command passes, `run`, `stop`, `cancel` and `finalize` (commands.py) as
`revise` (revise.py): who wrote it, then `who-can-run`. One place, so the two can never drift apart."""

from __future__ import annotations

from symphony_bot.action.context import ActionContext
from symphony_bot.action.policy import Actor, identity_refusal, may_command
from symphony_bot.action.replies import Outcome, refusal_reply
from symphony_bot.github import triggers


def ignored_author(context: ActionContext, author: Actor, *, event: str, target: str) -> Outcome | None:
    """Ghost, the bot itself and unlisted bots are ignored silently (no reply: two bots never talk in a loop)."""
    refused = identity_refusal(author, context.bot().login, context.allowed_bots)
    return None if refused is None else Outcome("ignored", refused.reason, event=event, target=target)


def refused_by_policy(
    context: ActionContext,
    author: Actor,
    repo: str,
    number: int,
    command: str,
    *,
    labelled: bool,
    event: str,
    target: str,
) -> Outcome | None:
    """None when `author` may give `command` under `who-can-run`; else the refusal, replied on the issue or pull
    request (not in a dry run)."""
    decision = may_command(
        author,
        context.policy,
        context.lookup_for(repo),
        bot_login=context.bot().login,
        allowed_bots=context.allowed_bots,
        issue_labelled=labelled,
    )
    if decision.allowed:
        return None
    if not context.dry_run:
        triggers.reply(context.client, repo, number, refusal_reply(author.login, command, decision.reason))
    return Outcome("refused", decision.reason, event=event, target=target)
