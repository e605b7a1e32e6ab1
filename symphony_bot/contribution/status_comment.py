"""The status comment and the PR body, rendered from a `ContributionState` (pure functions, no I/O): the one
renderer for every writer — the run, its end, `stop`, `cancel`, `finalize` and the Action's post step.

One comment per issue carries STATUS_MARKER; the runner finds it by that marker plus its own login. Both the
comment and the PR body end with the metadata block (`stats/pr_metadata.py`), task table included, so whoever
writes next (a cancel, a finalize, the post step) rebuilds the state and renders the same table again
(`contribution/endings.py`). Every piece of text that came from outside (task text, agent output, errors) goes
through `redact` and `report.inert` (`_inline` / `_fold`): secrets and token-looking strings are replaced, and no
link, image, HTML, mention, reference or closing keyword survives. The comment stays under MAX_COMMENT_CHARS by
cutting the task table with a pointer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from symphony_bot.contribution.config import metadata_of
from symphony_bot.contribution.review_record import (
    EXTRA_REVISIONS,
    EXTRA_VERIFY,
    VERIFY_HEADER,
    render_revisions,
    revisions_json,
    verify_cell,
)
from symphony_bot.contribution.state import ContributionState, Phase, TaskRow, TaskStatus
from symphony_bot.report.inert import inert_inline, inert_references
from symphony_bot.stats.pr_metadata import (
    MAX_BLOCK_CHARACTERS,
    ContributionMetadata,
    TaskRecord,
    render_block,
    replace_block,
)

STATUS_MARKER = "<!-- symphony-bot:status v1 -->"
MAX_COMMENT_CHARS = 65_536
MAX_BODY_CHARS = 65_536
MAX_CELL_CHARS = 160
MAX_ERROR_CHARS = 2_000
PROGRESS_BAR_WIDTH = 20
REDACTED = "[REDACTED]"
TITLE_PREFIX_WIP = "[WIP] "
TITLE_TEMPLATE = "Symphony: {title} (#{issue})"
HEADING = "🎼 Symphony"
BLOCK_TASK_CHARS = 120  # a task's text in the metadata block (the PR body's task list has it in full)
BLOCK_MARGIN = 512
VERIFY_PAIR_CHARS = 16  # `[12,"retried"],` in the block
VERIFY_SUFFIX = " — *{cell}*"  # after a task in the PR body's list; `*` in task text is always escaped
_VERIFY_SUFFIX = re.compile(r" — \*[^*\\]*\*$")

PHASE_TITLES = {
    Phase.PREFLIGHT: "⏳ checking the issue",
    Phase.RUNNING: "🏃 running",
    Phase.COMPLETED: "✅ completed — ready for review",
    Phase.HALTED: "🛑 halted",
    Phase.STALLED: "⚠️ stalled",
    Phase.BUDGET_REACHED: "💰 budget reached",
    Phase.CANCELLED: "✋ cancelled",
    Phase.STOPPED: "⏸️ stopped",
    Phase.FAILED: "❌ failed",
    Phase.CLAIM_LOST: "🔒 claimed by another pull request",
}
NEXT_STEPS = {
    Phase.PREFLIGHT: "Nothing to do: the run starts once the checks pass.",
    Phase.RUNNING: "Nothing to do: this comment updates as tasks finish.",
    Phase.COMPLETED: "Review the pull request. It closes this issue when merged.",
    Phase.HALTED: "An agent wrote a halt marker: resolve what it says, remove the marker from the document on the "
    "branch, then run again (`/symphony run`); the run resumes at the first unchecked task.",
    Phase.STALLED: "Some tasks were not ticked after 3 attempts. Make them clearer or smaller in the document, then "
    "run again: finished tasks are kept and the run resumes at the first unchecked one.",
    Phase.BUDGET_REACHED: "The run stopped at its budget. Run again (with a larger budget) to continue from the "
    "first unchecked task; the draft pull request keeps the claim meanwhile.",
    Phase.CANCELLED: "Anyone may run this issue again (`/symphony run`): the run starts afresh.",
    Phase.STOPPED: "The job was stopped before the end. The claim is kept: run again to continue from the first "
    "unchecked task.",
    Phase.FAILED: "Fix the cause named above, then run again; committed work is kept on the branch.",
    Phase.CLAIM_LOST: "Another pull request claimed this issue first (lower number wins). Ours was closed and its "
    "branch deleted; nothing else to do.",
}
FINALIZED_TITLE = "📤 handed over for review"
FINALIZED_NEXT = (
    "Review the pull request as it is: it holds the tasks ticked in its task list, and closes this issue when "
    "merged. Unticked tasks were not done; merge it, or ask for changes and run again."
)
LINKS_PREFIX = "**Links** "
_RUN_LINK = re.compile(r"\[workflow run\]\(https?://[^\s()]+/actions/runs/(?P<id>[0-9]{1,20})\)$")
NO_PULL_YET = "no pull request yet: it opens with the first commit"
NO_PULL = "no pull request was opened"
TASK_ICONS = {
    TaskStatus.PENDING: "⬜",
    TaskStatus.RUNNING: "⏳",
    TaskStatus.DONE: "✅",
    TaskStatus.FAILED: "❌",
    TaskStatus.SKIPPED: "⏭️",
}

# Token-looking strings: GitHub tokens of every kind, common API keys, Authorization headers, URL credentials.
_SECRET_PATTERNS = (
    re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"),
    re.compile(
        r"\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}|xox[abpr]-[\w-]{10,})"
    ),
    re.compile(r"(?i)\b(authorization\s*:\s*(?:basic|bearer|token)\s+)[A-Za-z0-9+/=._~-]{8,}"),
    re.compile(r"(?i)(x-access-token:)[^@\s]+"),
    re.compile(r"(?i)(https?://)[^/@\s:]+:[^/@\s]+@"),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret and every token-looking string replaced by REDACTED."""
    for secret in sorted((s for s in secrets if s and len(s) >= 6), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
    return text


def _inline(text: str, secrets: Iterable[str], limit: int = MAX_CELL_CHARS) -> str:
    """One line of untrusted text, inert inside a table cell or a sentence (`report.inert`)."""
    return inert_inline(redact(" ".join(text.split()), secrets), limit)


def _fold(summary: str, text: str, secrets: Iterable[str]) -> str:
    text = redact(text, secrets)
    if len(text) > MAX_ERROR_CHARS:
        text = text[:MAX_ERROR_CHARS] + "\n… (cut; the workflow log has the rest)"
    # longer than any run of tildes in the text, or a line of them would close the fence early
    fence = "~" * max(3, 1 + max((len(run) for run in re.findall("~+", text)), default=0))
    text = inert_references(text.replace("<!--", "<!- -"))
    return f"<details><summary>{summary}</summary>\n\n{fence}text\n{text}\n{fence}\n</details>"


def format_duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f}s"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m {secs}s"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def progress_bar(done: int, total: int) -> str:
    ratio = 0.0 if total <= 0 else min(1.0, done / total)
    filled = round(ratio * PROGRESS_BAR_WIDTH)
    return f"`{'█' * filled}{'░' * (PROGRESS_BAR_WIDTH - filled)}` {round(ratio * 100)}%"


def pull_title(state: ContributionState, ready: bool) -> str:
    title = " ".join(state.issue_title.split())[:200]
    return ("" if ready else TITLE_PREFIX_WIP) + TITLE_TEMPLATE.format(title=title, issue=state.issue)


def title(state: ContributionState) -> str:
    """The state in a few words (the comment's heading, the PR body's status line)."""
    return FINALIZED_TITLE if state.finalized else PHASE_TITLES[state.phase]


def _next_step(state: ContributionState) -> str:
    return FINALIZED_NEXT if state.finalized else NEXT_STEPS[state.phase]


def _by(state: ContributionState, secrets: Iterable[str]) -> str:
    return f" by {_inline('@' + state.ended_by, secrets, 60)}" if state.ended_by else ""


def _pull_fate(state: ContributionState) -> str:
    if state.pull_number is None:
        return "no pull request had been opened"
    branch = " and its branch deleted" if state.branch_deleted else ""
    return f"pull request #{state.pull_number} is closed{branch}"


def _headline(state: ContributionState, secrets: Iterable[str]) -> str:
    """The reason, in the bot's own words: what is happening, or at the end why it ended (never the last activity
    of a run, such as "finishing")."""
    phase, done, total = state.phase, state.tasks_done, state.tasks_total
    tally = f"{done} of {total} tasks done"
    if state.ending:
        return _inline(state.ending, secrets, 400)
    if state.finalized:
        left = f"; {total - done} left undone" if total > done else ""
        return f"Handed over for review{_by(state, secrets)} as it is: {tally}{left}."
    if phase is Phase.RUNNING and state.current_task is not None:
        index = state.tasks.index(state.current_task) + 1 if state.current_task in state.tasks else 0
        attempt = f" (attempt {state.current_task.attempts})" if state.current_task.attempts > 1 else ""
        return f"Running task {index} of {len(state.tasks)}{attempt}: {_inline(state.current_task.text, secrets)}"
    if phase is Phase.COMPLETED:
        return f"All {total} tasks are done: the pull request is ready for review."
    if phase is Phase.HALTED:
        return f"Halted by the agent: {_inline(state.halt_reason or 'no reason given', secrets)}"
    if phase is Phase.STALLED:
        why = "a task ran out of time" if state.stop_reason == "timeout" else "tasks were not ticked after 3 attempts"
        return f"Stalled: {why}; {tally}."
    if phase is Phase.BUDGET_REACHED:
        return f"Stopped at the budget ({(state.stop_reason or 'budget').replace('_', ' ')}): {tally}."
    if phase is Phase.CANCELLED:
        return f"Cancelled{_by(state, secrets)}: the claim is released; {_pull_fate(state)}."
    if phase is Phase.STOPPED:
        return f"Stopped before the end (the job was stopped, cancelled or timed out): {tally}, committed work pushed."
    if phase is Phase.CLAIM_LOST:
        return f"The issue is claimed by {_inline(state.claim_holder or 'another pull request', secrets)}."
    if phase is Phase.FAILED:
        cause = (state.last_error or state.activity or "an unknown error").strip().splitlines()
        return f"Failed: {_inline(cause[0] if cause else 'an unknown error', secrets)}"
    activity = _inline(state.activity, secrets)
    return (activity[:1].upper() + activity[1:]).rstrip(".") + "."


def _links(state: ContributionState) -> str:
    links = []
    if state.pull_number is not None and state.pull_url:
        draft = " (closed)" if state.pull_closed else " (draft)" if state.pull_is_draft else ""
        links.append(f"[PR #{state.pull_number}]({state.pull_url}){draft}")
    if state.branch:
        branch = f"`{state.branch}`"
        if state.branch_deleted:
            links.append(f"branch {branch} (deleted)")
        else:
            links.append(f"branch [{branch}]({state.branch_url})" if state.branch_url else f"branch {branch}")
    if state.pull_number is None:
        links.insert(0, NO_PULL if state.phase.terminal else NO_PULL_YET)
    if state.run_url:
        links.append(f"[workflow run]({state.run_url})")  # last: `/symphony stop` reads it there
    return " · ".join(links)


def run_id_in(comment: str) -> int | None:
    """The workflow run the comment's links line names (always its last link), or None."""
    for line in comment.splitlines():
        if line.startswith(LINKS_PREFIX):
            found = _RUN_LINK.search(line.rstrip())
            return int(found.group("id")) if found else None
    return None


def _table(rows: list[TaskRow], secrets: Iterable[str]) -> list[str]:
    """The task table; a Verify column only when a task was checked (a run without `verify` keeps five)."""
    verified = any(row.verify for row in rows)
    extra_head, extra_rule = (f" {VERIFY_HEADER} |", "---|") if verified else ("", "")
    lines = [f"| | Document | Task | Time | Cost |{extra_head}", f"|---|---|---|---|---|{extra_rule}"]
    for row in rows:
        time = format_duration(row.duration_s) if row.duration_s is not None else ""
        cost = f"${row.cost_usd:.4f}" if row.cost_usd else ""
        check = f" {verify_cell(row.verify)} |" if verified else ""
        lines.append(
            f"| {TASK_ICONS[row.status]} | {_inline(row.document, secrets, 60)} | {_inline(row.text, secrets)} "
            f"| {time} | {cost} |{check}"
        )
    return lines


def render_comment(
    state: ContributionState, now_ms: int, secrets: Iterable[str] = (), metadata: ContributionMetadata | None = None
) -> str:
    """The status comment for `state` at `now_ms`, at most MAX_COMMENT_CHARS long; it ends with the metadata block
    (`metadata`, or the state's own), so the next writer can show the same table."""
    secrets = tuple(secrets)
    head = [
        STATUS_MARKER,
        f"### {HEADING} — {title(state)}",
        "",
        f"**{_headline(state, secrets)}**",
        "",
    ]
    total, done = state.tasks_total, state.tasks_done
    position = []
    if state.documents and state.phase is Phase.RUNNING:
        current = min((state.current_document or 0) + 1, len(state.documents))
        position.append(f"document {current} of {len(state.documents)}")
    elif len(state.documents) > 1:
        position.append(f"{len(state.documents)} documents")
    head.append(f"{progress_bar(done, total)} · {done} of {total} tasks done" + "".join(f" · {p}" for p in position))
    head.append("")
    if state.resumed and state.tasks_done:
        head.append(f"Resumed: boxes ticked in earlier runs are kept ({state.tasks_done} so far).")
        head.append("")
    tail = [
        "",
        f"**Tokens** {state.tokens_in:,} in / {state.tokens_out:,} out · **Cost** ${state.cost_usd:.2f} · "
        f"**Elapsed** {format_duration(state.elapsed_s(now_ms))} · **Agent** {_inline(state.agent, secrets, 40)}",
        "",
        f"{LINKS_PREFIX}{_links(state)}",
    ]
    for note in state.notes:
        tail.append(f"> {_inline(note, secrets, 400)}")
    if state.last_error:
        tail += ["", _fold("Last error", state.last_error, secrets)]
    if state.revisions:
        tail += ["", *render_revisions(state.revisions)][:-1]
    tail += ["", f"**Next:** {_next_step(state)}", "", _comment_block(state, metadata, secrets)]
    fixed = "\n".join(head) + "\n".join(tail)
    table = _table(list(state.tasks), secrets)
    shown = _fit(table, MAX_COMMENT_CHARS - len(fixed) - 400)
    missing = max(0, state.tasks_total - len(state.tasks)) if state.tasks else 0
    if shown < len(table) or missing:
        hidden = len(table) - shown + missing
        pointer = f"| | | … {hidden} more tasks not shown; the pull request's task list has them all | | |"
        pointer += " |" if any(row.verify for row in state.tasks) else ""
        table = [*table[:shown], pointer]
    text = "\n".join([*head, *table, *tail]) + "\n"
    return text[:MAX_COMMENT_CHARS]


def _comment_block(state: ContributionState, metadata: ContributionMetadata | None, secrets: Iterable[str]) -> str:
    if metadata is None:
        metadata = metadata_of(state, state.repository, state.contributor or "ghost")
    return render_block(with_tasks(metadata, state, secrets))


def with_tasks(
    metadata: ContributionMetadata, state: ContributionState, secrets: Iterable[str]
) -> ContributionMetadata:
    """`metadata` carrying the state's task table (redacted, each text cut to BLOCK_TASK_CHARS), as many rows as
    fit in the block's size limit: the first ones, which a cut table shows too."""
    names = [document.name for document in state.documents]
    extra = {key: value for key, value in metadata.extra.items() if key not in (EXTRA_REVISIONS, EXTRA_VERIFY)}
    if state.revisions:
        extra[EXTRA_REVISIONS] = revisions_json(state.revisions)
    bare = replace(metadata, documents=tuple(names), tasks=(), extra=extra)
    bare_size = len(render_block(bare))
    room = MAX_BLOCK_CHARACTERS - bare_size - BLOCK_MARGIN
    records: list[TaskRecord] = []
    checked: list[list[int | str]] = []  # [index into the block's tasks, verify result]
    for row in state.tasks:
        if row.document not in names:
            continue
        # hidden, but still neither a mention nor a closing keyword, whatever GitHub scans (read back: ZWSP removed)
        text = inert_references(redact(" ".join(row.text.split()), secrets)[:BLOCK_TASK_CHARS]) or "…"
        seconds = round(row.duration_s, 1) if row.duration_s is not None else None
        cost = round(row.cost_usd, 6) if row.cost_usd is not None else None
        record = TaskRecord(names.index(row.document), row.status.value, text, seconds, cost)
        room -= len(render_block(replace(bare, tasks=(record,)))) - bare_size + 1 + VERIFY_PAIR_CHARS * bool(row.verify)
        if room < 0:
            break
        if row.verify:
            checked.append([len(records), row.verify])
        records.append(record)
    return replace(bare, tasks=tuple(records), extra={**extra, EXTRA_VERIFY: checked} if checked else extra)


def _fit(lines: list[str], budget: int) -> int:
    used = 0
    for index, line in enumerate(lines):
        used += len(line) + 1
        if used > budget:
            return max(2, index)
    return len(lines)


def ticked_in_body(body: str, document: str) -> set[str]:
    """The tasks of `document` the PR body's task list shows ticked (`task_text_in_body` form): how a resumed run
    recovers the progress of an attachment, whose ticks are never committed. Compared as plain text, so a body
    written by an older release (other escaping) still matches."""
    header = _plain(f"**{_inline(document, (), 200)}** — ")
    ticked: set[str] = set()
    inside = False
    for line in body.splitlines():
        if line.startswith("**"):
            inside = _plain(line).startswith(header)
        elif inside and line.startswith("- [x] "):
            ticked.add(_plain(_VERIFY_SUFFIX.sub("", line[len("- [x] ") :])))
        elif inside and not line.strip():
            inside = False
    return ticked


def task_text_in_body(text: str) -> str:
    """A task's text as `ticked_in_body` returns it."""
    return _plain(_inline(text, ()))


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def _plain(rendered: str) -> str:
    """Rendered inline text back to what it shows: escapes, invisible spaces and the entities once used undone."""
    text = _ESCAPED.sub(r"\1", rendered.replace("\u200b", ""))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_pull_body(
    state: ContributionState, metadata: ContributionMetadata, now_ms: int, secrets: Iterable[str] = ()
) -> str:
    """The PR body: `Closes #N`, a summary, the live task list per document, and the metadata block (with the
    task table)."""
    secrets = tuple(secrets)
    lines = [
        f"Closes #{state.issue}",
        "",
        f"Contributed with [Maestro Symphony](https://runmaestro.ai) by symphony-bot: the Auto Run documents of "
        f"#{state.issue} run by the {_inline(state.agent, secrets, 40)} agent, one commit per task.",
        "",
        f"**Status:** {title(state)} — {_headline(state, secrets)}",
        "",
        "| Documents | Tasks done | Tokens in / out | Cost | Time |",
        "|---|---|---|---|---|",
        f"| {len(state.documents)} | {state.tasks_done} of {state.tasks_total} | {state.tokens_in:,} / "
        f"{state.tokens_out:,} | ${state.cost_usd:.2f} | {format_duration(state.elapsed_s(now_ms))} |",
        "",
    ]
    if state.phase is not Phase.COMPLETED or state.finalized:
        lines.append(f"**Next:** {_next_step(state)}")
        lines.append("")
    task_lines = []
    for document in state.documents:
        task_lines.append(f"**{_inline(document.name, secrets, 200)}** — {document.done} of {document.total}")
        for row in state.tasks:
            if row.document == document.name:
                mark = "x" if row.status is TaskStatus.DONE else " "
                check = VERIFY_SUFFIX.format(cell=verify_cell(row.verify)) if row.verify else ""
                task_lines.append(f"- [{mark}] {_inline(row.text, secrets)}{check}")
        task_lines.append("")
    task_lines += render_revisions(state.revisions)
    budget = MAX_BODY_CHARS - sum(len(line) + 1 for line in lines) - 2_000
    shown = _fit(task_lines, budget)
    if shown < len(task_lines):
        task_lines = [*task_lines[:shown], f"… {len(task_lines) - shown} more lines not shown"]
    body = "\n".join([*lines, *task_lines])
    return replace_block(body, with_tasks(metadata, state, secrets))[:MAX_BODY_CHARS]
