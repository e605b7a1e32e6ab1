"""The status comment and the PR body, rendered from a `ContributionState` (pure functions, no I/O).

One comment per issue carries STATUS_MARKER; the runner finds it by that marker plus its own login. Every
piece of text that came from outside (task text, agent output, errors) goes through `redact` and `_cell` /
`_fold`: secrets and token-looking strings are replaced, markup that could fake our marker or ping people is
neutralised, and the whole comment stays under MAX_COMMENT_CHARS by cutting the task table with a pointer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from symphony_bot.contribution.state import ContributionState, Phase, TaskRow, TaskStatus
from symphony_bot.stats.pr_metadata import ContributionMetadata, replace_block

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
    Phase.CANCELLED: "The claim was released: the draft pull request is closed. Anyone may run this issue again.",
    Phase.STOPPED: "The job was stopped before the end. The claim is kept: run again to continue from the first "
    "unchecked task.",
    Phase.FAILED: "Fix the cause named above, then run again; committed work is kept on the branch.",
    Phase.CLAIM_LOST: "Another pull request claimed this issue first (lower number wins). Ours was closed and its "
    "branch deleted; nothing else to do.",
}
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
    """One line of untrusted text, safe inside a table cell or a sentence."""
    text = redact(" ".join(text.split()), secrets)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "'")
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("@", "@\u200b")


def _fold(summary: str, text: str, secrets: Iterable[str]) -> str:
    text = redact(text, secrets)
    if len(text) > MAX_ERROR_CHARS:
        text = text[:MAX_ERROR_CHARS] + "\n… (cut; the workflow log has the rest)"
    # longer than any run of tildes in the text, or a line of them would close the fence early
    fence = "~" * max(3, 1 + max((len(run) for run in re.findall("~+", text)), default=0))
    text = text.replace("<!--", "<!- -")
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


def _headline(state: ContributionState, secrets: Iterable[str]) -> str:
    phase = state.phase
    if phase is Phase.RUNNING and state.current_task is not None:
        index = state.tasks.index(state.current_task) + 1 if state.current_task in state.tasks else 0
        attempt = f" (attempt {state.current_task.attempts})" if state.current_task.attempts > 1 else ""
        return f"Running task {index} of {len(state.tasks)}{attempt}: {_inline(state.current_task.text, secrets)}"
    if phase is Phase.HALTED:
        return f"Halted by the agent: {_inline(state.halt_reason or 'no reason given', secrets)}"
    if phase is Phase.CLAIM_LOST:
        return f"The issue is claimed by {_inline(state.claim_holder or 'another pull request', secrets)}."
    if phase is Phase.BUDGET_REACHED:
        return f"Stopped at the budget ({(state.stop_reason or '').replace('_', ' ')})."
    activity = _inline(state.activity, secrets)
    return (activity[:1].upper() + activity[1:]).rstrip(".") + "."


def _links(state: ContributionState) -> str:
    links = []
    if state.pull_number is not None and state.pull_url:
        draft = " (draft)" if state.pull_is_draft else ""
        links.append(f"[PR #{state.pull_number}]({state.pull_url}){draft}")
    if state.branch:
        branch = f"`{state.branch}`"
        links.append(f"branch [{branch}]({state.branch_url})" if state.branch_url else f"branch {branch}")
    if state.run_url:
        links.append(f"[workflow run]({state.run_url})")
    return " · ".join(links) if links else "no pull request yet: it opens with the first commit"


def _table(rows: list[TaskRow], secrets: Iterable[str]) -> list[str]:
    lines = ["| | Document | Task | Time | Cost |", "|---|---|---|---|---|"]
    for row in rows:
        time = format_duration(row.duration_s) if row.duration_s is not None else ""
        cost = f"${row.cost_usd:.4f}" if row.cost_usd else ""
        lines.append(
            f"| {TASK_ICONS[row.status]} | {_inline(row.document, secrets, 60)} | {_inline(row.text, secrets)} "
            f"| {time} | {cost} |"
        )
    return lines


def render_comment(state: ContributionState, now_ms: int, secrets: Iterable[str] = ()) -> str:
    """The status comment for `state` at `now_ms`, at most MAX_COMMENT_CHARS long."""
    secrets = tuple(secrets)
    head = [
        STATUS_MARKER,
        f"### {HEADING} — {PHASE_TITLES[state.phase]}",
        "",
        f"**{_headline(state, secrets)}**",
        "",
    ]
    total, done = state.tasks_total, state.tasks_done
    position = []
    if state.documents:
        current = (state.current_document or 0) + 1 if state.phase is Phase.RUNNING else len(state.documents)
        position.append(f"document {min(current, len(state.documents))} of {len(state.documents)}")
    head.append(f"{progress_bar(done, total)} · {done} of {total} tasks done" + "".join(f" · {p}" for p in position))
    head.append("")
    tail = [
        "",
        f"**Tokens** {state.tokens_in:,} in / {state.tokens_out:,} out · **Cost** ${state.cost_usd:.2f} · "
        f"**Elapsed** {format_duration(state.elapsed_s(now_ms))} · **Agent** {_inline(state.agent, secrets, 40)}",
        "",
        f"**Links** {_links(state)}",
    ]
    for note in state.notes:
        tail.append(f"> {_inline(note, secrets, 400)}")
    if state.last_error:
        tail += ["", _fold("Last error", state.last_error, secrets)]
    tail += ["", f"**Next:** {NEXT_STEPS[state.phase]}"]
    fixed = "\n".join(head) + "\n".join(tail)
    rows = list(state.tasks)
    if state.resumed and state.tasks_done:
        head.append(f"Resumed: boxes ticked in earlier runs are kept ({state.tasks_done} so far).")
        head.append("")
    table = _table(rows, secrets)
    budget = MAX_COMMENT_CHARS - len(fixed) - 400
    shown = _fit(table, budget)
    if shown < len(table):
        hidden = len(table) - shown
        pointer = f"| | | … {hidden} more tasks not shown; the pull request's task list has them all | | |"
        table = [*table[:shown], pointer]
    text = "\n".join([*head, *table, *tail]) + "\n"
    return text[:MAX_COMMENT_CHARS]


def _fit(lines: list[str], budget: int) -> int:
    used = 0
    for index, line in enumerate(lines):
        used += len(line) + 1
        if used > budget:
            return max(2, index)
    return len(lines)


def ticked_in_body(body: str, document: str) -> set[str]:
    """The tasks of `document` the PR body's task list shows ticked, as rendered (`task_text_in_body` form):
    how a resumed run recovers the progress of an attachment, whose ticks are never committed."""
    header = f"**{_inline(document, (), 200)}** — "
    ticked: set[str] = set()
    inside = False
    for line in body.splitlines():
        if line.startswith("**"):
            inside = line.startswith(header)
        elif inside and line.startswith("- [x] "):
            ticked.add(line[len("- [x] ") :])
        elif inside and not line.strip():
            inside = False
    return ticked


def task_text_in_body(text: str) -> str:
    return _inline(text, ())


def render_pull_body(
    state: ContributionState, metadata: ContributionMetadata, now_ms: int, secrets: Iterable[str] = ()
) -> str:
    """The PR body: `Closes #N`, a summary, the live task list per document, and the metadata block."""
    secrets = tuple(secrets)
    finished = state.phase.terminal
    lines = [
        f"Closes #{state.issue}",
        "",
        f"Contributed with [Maestro Symphony](https://runmaestro.ai) by symphony-bot: the Auto Run documents of "
        f"#{state.issue} run by the {_inline(state.agent, secrets, 40)} agent, one commit per task.",
        "",
        f"**Status:** {PHASE_TITLES[state.phase]}",
        "",
        "| Documents | Tasks done | Tokens in / out | Cost | Time |",
        "|---|---|---|---|---|",
        f"| {len(state.documents)} | {state.tasks_done} of {state.tasks_total} | {state.tokens_in:,} / "
        f"{state.tokens_out:,} | ${state.cost_usd:.2f} | {format_duration(state.elapsed_s(now_ms))} |",
        "",
    ]
    if not finished or state.phase is not Phase.COMPLETED:
        lines.append(f"**Next:** {NEXT_STEPS[state.phase]}")
        lines.append("")
    task_lines = []
    for document in state.documents:
        task_lines.append(f"**{_inline(document.name, secrets, 200)}** — {document.done} of {document.total}")
        for row in state.tasks:
            if row.document == document.name:
                mark = "x" if row.status is TaskStatus.DONE else " "
                task_lines.append(f"- [{mark}] {_inline(row.text, secrets)}")
        task_lines.append("")
    budget = MAX_BODY_CHARS - sum(len(line) + 1 for line in lines) - 2_000
    shown = _fit(task_lines, budget)
    if shown < len(task_lines):
        task_lines = [*task_lines[:shown], f"… {len(task_lines) - shown} more lines not shown"]
    body = "\n".join([*lines, *task_lines])
    return replace_block(body, metadata)[:MAX_BODY_CHARS]
