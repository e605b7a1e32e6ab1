"""`/symphony` commands in comments, and runs started by a dispatch or the `run` mode.

A command is checked in this order: is there one (`slash.parse_command`); who wrote it (ghost, the bot itself and
unlisted bots are ignored silently — no reply, so two bots can never talk to each other in a loop); on a pull
request only `status` and `help` apply; `help` and `status` are for anyone; `run`, `stop`, `cancel` and
`finalize` need the `who-can-run` policy. Then 👀 on the comment, then the action.
"""

from __future__ import annotations

import re

from symphony_bot.action import agents, body_edits, slash
from symphony_bot.action.command_gate import ignored_author, refused_by_policy
from symphony_bot.action.context import ActionContext
from symphony_bot.action.events import Event
from symphony_bot.action.offer import check_issue, offer_message
from symphony_bot.action.policy import Actor, may_label
from symphony_bot.action.replies import (
    NOTHING_DONE,
    STATUS_MARKER,
    Outcome,
    finish_reply,
    help_reply,
    not_offered_reply,
    pull_request_reply,
    refusal_reply,
    status_reply,
    stop_reply,
)
from symphony_bot.action.runner_seam import RunRequest
from symphony_bot.github import triggers

ISSUE_REFERENCE = re.compile(r"^(?:(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)#)?#?(?P<number>[1-9][0-9]{0,9})$")
PICK = "pick"
ERROR_PREFIX = "error: "  # how symphony-bot's commands print a failure (commands/output.py)
DRY_RUN = "dry-run"  # the status of a run with `dry-run: true`: checked, nothing run, pushed or commented
# The status comment's own links line (status.py): the workflow run is its last link. Text quoted from agents,
# documents and errors is rendered after that line or inside single-line cells, so only this line is read.
LINKS_LINE_PREFIX = "**Links** "
_RUN_LINK = re.compile(r"\[workflow run\]\(https?://[^\s()]+/actions/runs/(?P<id>[0-9]{1,20})\)$")
_CLOSES = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s+#(?P<number>[0-9]{1,10})\b", re.IGNORECASE)


def on_comment(context: ActionContext, event: Event) -> Outcome:
    name = f"{event.name}.{event.action}"
    repo, number, author = event.repository, event.issue_number, event.comment_author
    command = slash.parse_command(str(event.comment.get("body") or ""))
    if command is None:
        return Outcome("ignored", "the comment has no /symphony command", event=name)
    if not repo or number is None or author is None or not isinstance(event.comment.get("id"), int):
        return Outcome("failed", "the issue_comment event has no repository, issue, comment id or author", failed=True)
    target = f"{repo}#{number}"
    ignored = ignored_author(context, author, event=name, target=target)
    if ignored is not None:
        return ignored
    comment_id = int(event.comment["id"])

    def react_and_reply(body: str) -> None:
        if context.dry_run:
            context.log("dry run: would react 👀 and reply:\n" + body)
            return
        triggers.react(context.client, repo, comment_id)
        triggers.reply(context.client, repo, number, body)

    if event.is_pull_request and command.name not in slash.PULL_REQUEST_SUBCOMMANDS:
        react_and_reply(pull_request_reply(command.name))
        return Outcome(
            "refused", f"/symphony {command.name} does not apply on a pull request", event=name, target=target
        )
    if command.name == slash.HELP:
        react_and_reply(help_reply(command.unknown))
        return Outcome("help", "answered with the list of commands", event=name, target=target)
    if command.name == slash.STATUS:
        issue_number = _issue_of_pull(context, repo, number) if event.is_pull_request else number
        react_and_reply(_status_text(context, repo, issue_number))
        return Outcome("status", f"reported the status of #{issue_number}", event=name, target=target)

    labelled = context.config.symphony_label.casefold() in (label.casefold() for label in event.issue_labels)
    if labelled and context.policy.anyone:
        # `anyone` runs only issues a maintainer offered: an issue form, or a labeller workflow reading the
        # issue's words, applies the label without anyone with triage access having looked at it.
        refusal = _label_refusal(context, repo, number)
        if refusal is not None:
            if not context.dry_run:
                triggers.reply(context.client, repo, number, refusal_reply(author.login, command.name, refusal))
            return Outcome("refused", refusal, event=name, target=target)
    refused = refused_by_policy(
        context, author, repo, number, command.name, labelled=labelled, event=name, target=target
    )
    if refused is not None:
        return refused
    if not context.dry_run:
        triggers.react(context.client, repo, comment_id)
    if command.name == slash.RUN:
        if not labelled:
            if not context.dry_run:
                triggers.reply(context.client, repo, number, not_offered_reply(context.config.symphony_label))
            return Outcome("refused", "the issue is not labelled for Symphony", event=name, target=target)
        return start_run(context, repo, number, triggered_by=author.login, event=name, comment_id=comment_id)
    if command.name == slash.STOP:
        return _stop(context, repo, number, name)
    if command.name == slash.CANCEL:
        return _finish(context, "cancel", repo, number, login=author.login, event=name)
    return _finish(context, "finalize", repo, number, login=author.login, event=name)


def _label_refusal(context: ActionContext, repo: str, number: int) -> str | None:
    """Why the Symphony label on the issue does not count as an offer, or None when someone with triage access
    (or the bot, or a listed bot) applied it last."""
    applier = triggers.label_applier(context.client, repo, number, context.config.symphony_label)
    if applier is None:
        return "nobody is recorded applying the Symphony label to this issue; a maintainer must label it"
    login, kind = applier
    decision = may_label(
        Actor(login, kind), context.lookup_for(repo), bot_login=context.bot().login, allowed_bots=context.allowed_bots
    )
    if decision.allowed:
        return None
    return f"the Symphony label was applied by {login}, not by someone with triage access ({decision.reason})"


def start_run(
    context: ActionContext,
    repo: str,
    number: int | None,
    *,
    triggered_by: str | None,
    event: str,
    pick: bool = False,
    comment_id: int | None = None,
) -> Outcome:
    if (refused := body_edits.check_before_run(context, repo, number, triggered_by, event)) is not None:
        return refused
    request = context.run_request(repo, number, triggered_by=triggered_by, pick=pick, comment_id=comment_id)
    target = f"{repo}#{number}" if number else repo
    agent = request.agent or "claude"
    if not request.dry_run:
        try:
            installed = agents.ensure_agent(agent)
        except agents.AgentInstallError as error:
            return Outcome("failed", str(error), failed=True, event=event, target=target)
        if installed.bin_dir is not None:
            context.log(
                f"agent {agent}: "
                + ("preinstalled" if installed.preinstalled else f"installed in {installed.seconds:.1f} s")
            )
            request = _with_path(request, str(installed.bin_dir))
    result = context.runner.run(request)
    if request.dry_run and result.exit_code == 0:
        result.status = DRY_RUN
    failed = result.exit_code != 0 and result.status in ("failed", "error")
    message = f"the run ended {result.status} (exit code {result.exit_code})" + (
        f": {result.error}" if result.error else ""
    )
    details = [f"> {note}" for note in result.notes]  # e.g. why there is no status comment on the issue
    details += ["```", *result.log_tail[-20:], "```"] if failed and result.log_tail else []
    return Outcome(
        result.status, message, failed=failed, outputs=dict(result.outputs), details=details, event=event, target=target
    )


def _with_path(request: RunRequest, folder: str) -> RunRequest:
    from dataclasses import replace

    return replace(request, extra_path=(folder, *request.extra_path))


def run_from_inputs(context: ActionContext, event: Event) -> Outcome:
    """`mode: run`, or `workflow_dispatch`: the `issue` input (N, OWNER/REPO#N or `pick`), else the dispatch's."""
    name = f"{event.name}.{event.action}" if event.action else event.name
    raw = context.inputs.issue or str(event.inputs.get("issue") or "").strip() or None
    pick_input = str(event.inputs.get(PICK) or "").strip().lower() in ("true", "1", "yes")
    if (raw is not None and raw.lower() == PICK) or (raw is None and pick_input):
        return start_run(context, event.repository or "", None, triggered_by=None, event=name, pick=True)
    if raw is None:
        return Outcome("ignored", "nothing to run: give the `issue` input (N, OWNER/REPO#N or pick)", event=name)
    matched = ISSUE_REFERENCE.match(raw)
    repo = (matched.group("repo") if matched else None) or event.repository
    if matched is None or not repo:
        return Outcome(
            "failed", f"input `issue` is {raw[:60]!r}; give N, OWNER/REPO#N or pick", failed=True, event=name
        )
    sender = event.sender
    return start_run(
        context, repo, int(matched.group("number")), triggered_by=sender.login if sender else None, event=name
    )


def _finish(context: ActionContext, what: str, repo: str, number: int, *, login: str, event: str) -> Outcome:
    """`/symphony cancel` or `finalize` through the runner's command, and one reply saying what it did."""
    request = context.run_request(repo, number, triggered_by=login)
    runner_call = context.runner.cancel if what == "cancel" else context.runner.finalize
    target = f"{repo}#{number}"
    result = runner_call(request)
    line = _result_line(result.log_tail)
    if line:
        context.log(f"{what}: {line}")
    nothing = any(phrase in line for phrase in NOTHING_DONE)
    done = result.exit_code == 0 and not nothing
    failed = result.exit_code != 0 and not nothing
    if not context.dry_run:
        triggers.reply(context.client, repo, number, finish_reply(login, what, line, done=done, failed=failed))
    status = result.status if done else (f"nothing-to-{what}" if nothing else "failed")
    return Outcome(
        status,
        f"{what}: {line or status}",
        failed=failed,
        event=event,
        target=target,
        outputs=dict(result.outputs),
    )


def _result_line(log_tail: list[str]) -> str:
    """The last line the command printed: its result, or its error without the `error:` prefix."""
    for line in reversed(log_tail):
        if line.strip():
            return line.strip().removeprefix(ERROR_PREFIX)
    return ""


def _status_comment(context: ActionContext, repo: str, number: int) -> dict[str, object] | None:
    return triggers.find_comment(context.client, repo, number, STATUS_MARKER, context.bot().login)


def run_id_in(body: str) -> int | None:
    """The workflow run a status comment links in its first links line; None when that line has no run link."""
    for line in body.splitlines():
        if line.startswith(LINKS_LINE_PREFIX):
            found = _RUN_LINK.search(line.rstrip())
            return int(found.group("id")) if found else None
    return None


def _stop(context: ActionContext, repo: str, number: int, event: str) -> Outcome:
    comment = _status_comment(context, repo, number)
    run_id = run_id_in(str(comment.get("body") or "")) if comment else None
    own_run = context.environ.get("GITHUB_RUN_ID")
    if run_id is not None and own_run and str(run_id) == own_run:
        run_id = None  # never cancel ourselves
    server = context.environ.get("GITHUB_SERVER_URL", "https://github.com")
    run_url = f"{server}/{repo}/actions/runs/{run_id}" if run_id else None
    finished = False
    if not context.dry_run:
        if run_id is not None:
            finished = not triggers.cancel_workflow_run(context.client, repo, run_id)
        triggers.reply(context.client, repo, number, stop_reply(run_url, run_id, finished=finished))
    if run_id is None or finished:
        return Outcome("nothing-to-stop", "no running job found", event=event, target=f"{repo}#{number}")
    return Outcome("stop-requested", f"workflow run {run_id} cancelled", event=event, target=f"{repo}#{number}")


def _issue_of_pull(context: ActionContext, repo: str, number: int) -> int:
    """The issue a pull request closes (`Closes #N` in its body), else the pull request itself."""
    body = triggers.pull_body(context.client, repo, number)
    found = _CLOSES.search(body or "")
    return int(found.group("number")) if found else number


def _status_text(context: ActionContext, repo: str, number: int) -> str:
    comment = _status_comment(context, repo, number)
    facts = check_issue(context, repo, number, labelled_by=None)
    url = str(comment.get("html_url")) if comment and comment.get("html_url") else None
    return status_reply(url, f"#{number}: {offer_message(facts)}.")
