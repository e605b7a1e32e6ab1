"""Every text the action shows people: the offer written into the status comment, replies to commands, notices
and the job summary. Pure functions of their arguments."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from symphony_bot.action.slash import COMMAND_PREFIX, HELP_TEXT, PULL_REQUEST_SUBCOMMANDS, RUN

# The runner's status-comment marker (symphony_bot/contribution/status_comment.py): the action writes the offer
# into the same single comment the runner later takes over, so an issue never has two.
STATUS_MARKER = "<!-- symphony-bot:status v1 -->"
REPLY_MARKER = "<!-- symphony-bot:reply -->"
# The action's own offers carry this beside STATUS_MARKER: a comment without it is the runner's (a run's report),
# which the action never overwrites — it only puts a note at its top, between NOTE_START and NOTE_END.
OFFER_MARKER = "<!-- symphony-bot:offer -->"
NOTE_START = "<!-- symphony-bot:note -->"
NOTE_END = "<!-- /symphony-bot:note -->"
STALE_MARKER = "<!-- symphony-bot:stale-claim -->"
HEADING = "🎼 Symphony"
README_URL = "https://github.com/RunMaestro/symphony-bot#the-github_token-caveat"

READY = "ready"
AUTO_START_REFUSED = (
    "; the label did not start it, because `who-can-run` decides who starts runs, also with `auto-start` ({reason})"
)
INVALID = "invalid"
CLAIMED = "claimed"
BLOCKED = "blocked"
CLOSED = "closed"
WITHDRAWN = "withdrawn"
REFUSED = "refused"


@dataclass(frozen=True)
class OfferFacts:
    """What the label check found, for the status comment."""

    state: str  # READY, INVALID, CLAIMED, BLOCKED, CLOSED, REFUSED
    documents: int = 0
    tasks: int = 0
    open_tasks: int = 0
    problems: tuple[str, ...] = ()
    claim: str | None = None  # "#12 by alice (draft)"
    labelled_by: str | None = None
    refusal: str | None = None
    auto_start: bool = False
    auto_start_refusal: str | None = None  # why the label did not start the run (who-can-run refused the labeller)


def offer_comment(facts: OfferFacts) -> str:
    lines = [STATUS_MARKER, OFFER_MARKER, f"### {HEADING}", ""]
    if facts.state == READY:
        start = (
            "starting now (this repository starts runs on the label)"
            if facts.auto_start
            else f"comment `{COMMAND_PREFIX} {RUN}` to start"
        )
        if facts.auto_start_refusal:
            start += AUTO_START_REFUSED.format(reason=facts.auto_start_refusal)
        lines.append(
            f"**Ready**: {_count(facts.documents, 'document')}, {_count(facts.tasks, 'task')} "
            f"({facts.open_tasks} open) — {start}."
        )
    elif facts.state == INVALID:
        lines.append("**Not runnable yet**: the issue's documents cannot be used. Fix the issue body, then re-apply")
        lines.append("the label or comment `/symphony status`.")
        lines += ["", *[f"- {problem}" for problem in facts.problems[:20]]]
    elif facts.state == CLAIMED:
        lines.append(f"**Claimed**: pull request {facts.claim} already works on this issue.")
    elif facts.state == BLOCKED:
        lines.append("**Blocked**: the issue carries the blocking label; remove it to offer the issue.")
    elif facts.state == CLOSED:
        lines.append("**Closed**: the issue is closed or already done; nothing to run.")
    elif facts.state == REFUSED:
        lines.append(f"**Not offered**: {facts.refusal}.")
    elif facts.state == WITHDRAWN:
        lines.append(
            "**No longer offered**: the Symphony label was removed. A run in progress finishes its current "
            "task; re-apply the label to offer the issue again."
        )
    if facts.labelled_by and facts.state != WITHDRAWN:
        lines += ["", f"<sub>Label applied by @{facts.labelled_by}.</sub>"]
    return "\n".join(lines) + "\n"


def offer_note(body: str) -> str:
    """The headline of an offer (its first bold line), as a note for a comment the runner owns."""
    for line in body.splitlines():
        if line.startswith("**"):
            return line
    return body.strip().splitlines()[-1] if body.strip() else ""


def with_note(body: str, note: str) -> str:
    """`body` (a status comment) with `note` at its top, in place of any earlier note; the marker stays first."""
    start, end = body.find(NOTE_START), body.find(NOTE_END)
    if start != -1 and end > start:
        body = body[:start] + body[end + len(NOTE_END) :].lstrip("\n")
    head, marker, rest = body.partition(STATUS_MARKER)
    block = f"{NOTE_START}\n{note}\n{NOTE_END}\n"
    if not marker:
        return f"{STATUS_MARKER}\n{block}{body}"
    return f"{head}{marker}\n{block}{rest.lstrip(chr(10))}"


def withdrawn_comment(removed_by: str | None) -> str:
    body = offer_comment(OfferFacts(WITHDRAWN))
    return body + (f"\n<sub>Label removed by @{removed_by}.</sub>\n" if removed_by else "")


def help_reply(unknown: str | None) -> str:
    prefix = f"{_code(f'{COMMAND_PREFIX} {unknown}')} is not a command.\n\n" if unknown else ""
    return f"{REPLY_MARKER}\n{prefix}{HELP_TEXT}\n"


def _code(text: str) -> str:
    """`text` as one code span whatever backticks it holds (the commenter's word must not end the span)."""
    fence = "`" * (1 + max((len(run) for run in re.findall("`+", text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def refusal_reply(login: str, command: str, reason: str) -> str:
    return f"{REPLY_MARKER}\n@{login}: `{COMMAND_PREFIX} {command}` was not run — {reason}.\n"


def pull_request_reply(command: str) -> str:
    allowed = ", ".join(f"`{COMMAND_PREFIX} {name}`" for name in PULL_REQUEST_SUBCOMMANDS)
    return (
        f"{REPLY_MARKER}\n`{COMMAND_PREFIX} {command}` works on the issue, not on its pull request: comment it on "
        f"the issue. On a pull request only {allowed} apply.\n"
    )


def not_offered_reply(label: str) -> str:
    return (
        f"{REPLY_MARKER}\nThis issue is not offered to Symphony: it does not carry the `{label}` label. A "
        "maintainer (triage access or more) must apply it first.\n"
    )


def status_reply(status_url: str | None, summary: str) -> str:
    where = f" The live status is in [the status comment]({status_url})." if status_url else ""
    return f"{REPLY_MARKER}\n{summary}{where}\n"


def stop_reply(run_url: str | None, run_id: int | None, *, finished: bool = False) -> str:
    if run_id is None:
        return f"{REPLY_MARKER}\nNo running Symphony job was found for this issue; nothing to stop.\n"
    if finished:
        link = f"[{run_id}]({run_url})" if run_url else str(run_id)
        return f"{REPLY_MARKER}\nWorkflow run {link} has already finished; nothing to stop.\n"
    link = f"[{run_id}]({run_url})" if run_url else str(run_id)
    return (
        f"{REPLY_MARKER}\nStopping workflow run {link}. The claim and the draft pull request are kept; the status "
        f"comment says when it has stopped. Comment `{COMMAND_PREFIX} {RUN}` to resume.\n"
    )


def stale_comment(days: int) -> str:
    return (
        f"{STALE_MARKER}\nThis Symphony claim has had no activity for {days} days or more. Comment "
        f"`{COMMAND_PREFIX} {RUN}` on its issue to resume it, or `/symphony cancel` to release the issue.\n"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@dataclass
class Outcome:
    """The result of one action step: what the outputs, the summary and the exit code are made of."""

    status: str
    message: str
    failed: bool = False
    outputs: dict[str, Any] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)  # Markdown for the job summary
    event: str | None = None
    target: str | None = None  # OWNER/REPO#N when there is one


def summary_markdown(outcome: Outcome, *, token_caveat: str | None = None) -> str:
    lines = [f"## {HEADING}", "", "| | |", "| --- | --- |"]
    rows: list[tuple[str, Any]] = [
        ("event", outcome.event),
        ("target", outcome.target),
        ("status", f"**{outcome.status}**"),
        ("what happened", outcome.message),
    ]
    rows += [(name, value) for name, value in outcome.outputs.items() if name != "matrix"]
    lines += [f"| {name} | {_cell(value)} |" for name, value in rows if value not in (None, "")]
    if outcome.details:
        lines += ["", *outcome.details]
    if token_caveat:
        lines += ["", f"> [!WARNING]\n> {token_caveat}"]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def outputs_for(outcome: Outcome, names: Iterable[str]) -> Mapping[str, Any]:
    """The declared outputs, `status` always among them."""
    values = {name: outcome.outputs.get(name) for name in names}
    values["status"] = outcome.status
    return values


# `symphony-bot cancel` / `finalize` print one line saying what they did; when there was no claim to act on,
# that line says so (contribution/cancel.py, finalize.py: "nothing to cancel", "no open pull request of ours").
NOTHING_DONE = ("nothing to ", "no open pull request of ours")
FINISH_NEXT_STEPS = {
    ("cancel", True): f"Anyone allowed may start this issue again with `{COMMAND_PREFIX} {RUN}`.",
    ("cancel", False): f"There was no claim to release; `{COMMAND_PREFIX} {RUN}` starts a run.",
    ("finalize", True): "Review the pull request: it closes this issue when merged.",
    ("finalize", False): (
        f"Finalize hands over the draft pull request of a run that stopped short; start one with "
        f"`{COMMAND_PREFIX} {RUN}` first."
    ),
}
FINISH_FAILED = (
    "Nothing was changed on purpose; the job log has the details. Try again, or ask a maintainer to check the "
    "workflow's token and permissions."
)


def finish_reply(login: str, command: str, result_line: str, *, done: bool, failed: bool) -> str:
    """The answer to `/symphony cancel` or `finalize`: what the command did (its own one-line result, which names
    the issue, the PR and the branch), and the next step."""
    next_step = FINISH_FAILED if failed else FINISH_NEXT_STEPS[(command, done)]
    outcome = result_line.strip() or ("it failed" if failed else "done")
    return f"{REPLY_MARKER}\n@{login}: `{COMMAND_PREFIX} {command}` — {outcome}.\n\n**Next:** {next_step}\n"
