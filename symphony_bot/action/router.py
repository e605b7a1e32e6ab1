"""`symphony-bot action`'s event routing: which event (or `mode`) leads to which handler.

| event | handler |
| --- | --- |
| `issues` labeled (the Symphony label) | who labelled (triage+), the issue; the offer in the status comment |
| `issues` unlabeled (the Symphony label) | the status comment says the issue is no longer offered |
| `issue_comment` created, with a `/symphony` command | identity and permission checks, 👀, the command |
| `issue_comment` edited or deleted | nothing: edited comments never trigger (a TOCTOU door otherwise) |
| `issue_comment` / `pull_request_review` submitted, with `/symphony revise` | a review round (`revise.py`) |
| `pull_request` | the registry check, when the repository has a registry file |
| `schedule` | scan, and report stale claims in the job summary (`maintenance.py`) |
| `workflow_dispatch` | run the `issue` input (or `pick`) |
| anything else | a notice; exit 0 |

`mode` other than `auto` skips the routing: `run`, `scan` and `registry-check` do just that.
"""

from __future__ import annotations

from dataclasses import replace

from symphony_bot.action import commands, maintenance, revise
from symphony_bot.action.context import ActionContext
from symphony_bot.action.events import Event
from symphony_bot.action.offer import announce, check_issue, offer_message
from symphony_bot.action.policy import may_command, may_label
from symphony_bot.action.replies import READY, REFUSED, OfferFacts, Outcome, offer_comment, withdrawn_comment

IGNORED = "ignored"


def route(context: ActionContext, event: Event) -> Outcome:
    mode = context.inputs.mode
    if mode == "run":
        return commands.run_from_inputs(context, event)
    if mode == "scan":
        return maintenance.scan(context, event)
    if mode == "registry-check":
        return maintenance.registry_check(context, event)
    if event.name == "issues":
        if event.action == "labeled":
            return on_labeled(context, event)
        if event.action == "unlabeled":
            return on_unlabeled(context, event)
        return ignored(event, f"issues.{event.action} is not a Symphony trigger (only labeled and unlabeled are)")
    if event.name == "issue_comment":
        if event.action != "created":
            return ignored(event, f"issue_comment.{event.action}: only new comments trigger; edits never do")
        if revise.is_revise(event):
            return revise.on_revise(context, event)
        return commands.on_comment(context, event)
    if event.name == revise.REVIEW_EVENT:
        if event.action == "submitted" and revise.is_revise(event):
            return revise.on_revise(context, event)
        return ignored(event, "a review triggers only when submitted with /symphony revise in its body")
    if event.name == revise.REVIEW_COMMENT_EVENT:
        return ignored(event, revise.LINE_COMMENT_IGNORED)
    if event.name in ("pull_request", "pull_request_target"):
        return maintenance.registry_check(context, event)
    if event.name == "schedule":
        return maintenance.scheduled(context, event)
    if event.name == "workflow_dispatch":
        return commands.run_from_inputs(context, event)
    return ignored(event, f"the {event.name} event is not one Symphony acts on")


def ignored(event: Event, message: str) -> Outcome:
    return Outcome(IGNORED, message, event=_event_name(event))


def _event_name(event: Event) -> str:
    return f"{event.name}.{event.action}" if event.action else event.name


def _target(event: Event) -> str | None:
    number = event.issue_number
    return f"{event.repository}#{number}" if event.repository and number else event.repository


def _is_symphony_label(context: ActionContext, name: str | None) -> bool:
    return bool(name) and str(name).casefold() == context.config.symphony_label.casefold()


def on_labeled(context: ActionContext, event: Event) -> Outcome:
    if not _is_symphony_label(context, event.label):
        return ignored(event, f"the label {event.label!r} is not the Symphony label ({context.config.symphony_label})")
    repo, number, sender = event.repository, event.issue_number, event.sender
    if not repo or number is None or sender is None:
        return Outcome("failed", "the issues event has no repository, issue number or sender", failed=True)
    name, target = _event_name(event), _target(event)
    decision = may_label(
        sender, context.lookup_for(repo), bot_login=context.bot().login, allowed_bots=context.allowed_bots
    )
    if not decision.allowed:
        facts = OfferFacts(REFUSED, refusal=decision.reason, labelled_by=sender.login)
        announce(context, repo, number, offer_comment(facts))
        return Outcome(REFUSED, decision.reason, event=name, target=target)
    facts = check_issue(context, repo, number, labelled_by=sender.login)
    if facts.state == READY and context.config.auto_start:
        # The label starts a run only for someone `who-can-run` lets run it: triage access (enough to label)
        # must not start what `/symphony run` from the same person would be refused.
        allowed = may_command(
            sender,
            context.policy,
            context.lookup_for(repo),
            bot_login=context.bot().login,
            allowed_bots=context.allowed_bots,
            issue_labelled=True,
        )
        if not allowed.allowed:
            facts = replace(facts, auto_start=False, auto_start_refusal=allowed.reason)
    announce(context, repo, number, offer_comment(facts))
    outcome = Outcome(
        facts.state,
        offer_message(facts),
        event=name,
        target=target,
        outputs={"tasks-total": facts.tasks},
        details=[f"- {problem}" for problem in facts.problems],
    )
    if facts.state == READY and facts.auto_start:
        return commands.start_run(context, repo, number, triggered_by=sender.login, event=name)
    return outcome


def on_unlabeled(context: ActionContext, event: Event) -> Outcome:
    if not _is_symphony_label(context, event.label):
        return ignored(event, f"the label {event.label!r} is not the Symphony label")
    repo, number = event.repository, event.issue_number
    if not repo or number is None:
        return Outcome("failed", "the issues event has no repository or issue number", failed=True)
    sender = event.sender
    announce(context, repo, number, withdrawn_comment(sender.login if sender else None), create=False)
    return Outcome("withdrawn", "the issue is no longer offered", event=_event_name(event), target=_target(event))
