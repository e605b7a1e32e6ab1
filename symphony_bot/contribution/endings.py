"""How a contribution ends when the run itself cannot say it: `cancel`, `finalize`, the Action's post step, and a
run that finds its claim released under it. Each rebuilds the state from the metadata block the run left in the
PR body (or, before there was a PR, in the status comment), task table and figures included, changes what ended,
and renders the comment and the PR body with the one renderer (`status_comment`).

What the Action calls:
* `publish_stopped(client, repo, issue, ...)` — the post step, when the main step never recorded its end;
* `cancel_claim` / `finalize_claim` (contribution/cancel.py, contribution/finalize.py) — through the CLI.
What the runner calls before every push and PR edit: `still_ours`.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass, replace

from symphony_bot.autorun import events
from symphony_bot.contribution.claim import branch_prefix
from symphony_bot.contribution.config import metadata_of
from symphony_bot.contribution.review_record import revisions_of, verify_of
from symphony_bot.contribution.state import ContributionState, DocumentProgress, Phase, TaskRow, TaskStatus
from symphony_bot.contribution.status_comment import STATUS_MARKER, render_comment, render_pull_body
from symphony_bot.github import comments, permissions, pulls, workflow_runs
from symphony_bot.github.client import GitHubClient
from symphony_bot.report.inert import ZERO_WIDTH_SPACE
from symphony_bot.stats.pr_metadata import ContributionMetadata, MetadataError, parse_block

RUNNING_STATE = "running"
PHASE_OF_RECORD = {
    "running": Phase.RUNNING,
    "completed": Phase.COMPLETED,
    "halted": Phase.HALTED,
    "stalled": Phase.STALLED,
    "budget_reached": Phase.BUDGET_REACHED,
    "cancelled": Phase.STOPPED,  # a stop, a lost claim or a cancel: the run itself ended short
    "failed": Phase.FAILED,
}
ENDING_PULL_CLOSED = (
    "Stopped: pull request #{number} was closed while the run was going; nothing more was pushed or edited."
)
ENDING_BRANCH_DELETED = (
    "Stopped: the branch {branch} was deleted while the run was going; nothing more was pushed or edited."
)
ENDING_POST_STEP = (
    "Stopped before the end: the workflow job was cancelled or timed out. The claim and the work pushed so far "
    "are kept."
)


@dataclass
class Found:
    """What GitHub holds about a claim: the rebuilt state, our open PR and our status comment (each may be missing)."""

    state: ContributionState
    login: str
    pull: pulls.Pull | None
    comment: comments.Comment | None
    recorded: ContributionMetadata | None  # the metadata block the state was rebuilt from


def _ms(timestamp: str) -> int:
    parsed = time.strptime(timestamp.split(".", maxsplit=1)[0].rstrip("Z"), "%Y-%m-%dT%H:%M:%S")
    return calendar.timegm(parsed) * 1000


def state_from_metadata(metadata: ContributionMetadata, title: str = "") -> ContributionState:
    """The state a metadata block records: figures, times, documents and the task table."""
    state = ContributionState(
        metadata.repository, metadata.issue, title, _ms(metadata.started_at), agent=metadata.agent
    )
    state.phase = PHASE_OF_RECORD.get(metadata.state, Phase.FAILED)
    state.model, state.contributor, state.run_url = metadata.model, metadata.contributor, metadata.run_url
    state.tokens_in, state.tokens_out, state.cost_usd = metadata.tokens_in, metadata.tokens_out, metadata.cost_usd
    state.finished_at_ms = _ms(metadata.completed_at) if metadata.completed_at else None
    names = list(metadata.documents)
    state.tasks = [
        TaskRow(names[task.document], _shown(task.text), 0, TaskStatus(task.status), task.seconds, task.cost_usd)
        for task in metadata.tasks
    ]
    for index, result in verify_of(metadata.extra, len(state.tasks)).items():
        state.tasks[index].verify = result
    state.revisions = revisions_of(metadata.extra)  # the review rounds, so every writer shows them again
    state.documents = [
        DocumentProgress(
            name,
            sum(1 for row in state.tasks if row.document == name),
            sum(1 for row in state.tasks if row.document == name and row.status is TaskStatus.DONE),
        )
        for name in names
    ]
    if state.finished_at_ms is not None:  # the block's times are whole seconds; the run lasted its tasks at least
        worked_ms = round(1000 * sum(row.duration_s or 0.0 for row in state.tasks))
        state.finished_at_ms = max(state.finished_at_ms, state.started_at_ms + worked_ms)
    if state.documents:  # rows cut for size (or a block without rows): the block's totals still hold
        state.documents[-1].total += max(0, metadata.tasks_total - state.tasks_total)
        state.documents[-1].done += max(0, metadata.tasks_done - state.tasks_done)
    return state


def _shown(text: str) -> str:
    return text.replace(ZERO_WIDTH_SPACE, "")  # the block holds task text inert (status_comment.with_tasks)


def _recorded(body: str | None) -> ContributionMetadata | None:
    try:
        return parse_block(body)
    except MetadataError:
        return None  # edited by hand or by an older release: show what the rest of the state says


def find(client: GitHubClient, repository: str, issue: int, login: str | None = None) -> Found:
    """Our open claim PR and status comment for the issue, and the state their metadata block records (the PR's
    first: it is the claim; else the comment's). `login`: the bot's, when the caller knows it already."""
    login = login or permissions.viewer(client).login
    pull = pulls.find_ours(client, repository, login, branch_prefix(issue))
    mine = comments.find_marked(client, repository, issue, STATUS_MARKER, login)
    comment = mine[0] if mine else None
    recorded = (_recorded(pull.body) if pull else None) or (_recorded(comment.body) if comment else None)
    if recorded is not None and (recorded.repository.lower(), recorded.issue) != (repository.lower(), issue):
        recorded = None  # a block copied from elsewhere
    if recorded is not None:
        state = state_from_metadata(recorded)
        state.repository, state.issue = repository, issue
    else:
        state = ContributionState(repository, issue, "", events.now_ms(), phase=Phase.RUNNING)
    if pull is not None:
        state.pull_number, state.pull_url, state.pull_is_draft = pull.number, pull.url, pull.draft
        state.branch = pull.head_ref
    return Found(state, login, pull, comment, recorded)


def publish(client: GitHubClient, found: Found, *, pull_state: str | None = None, create: bool = False) -> None:
    """Write the state: the PR body (and `pull_state`, e.g. closed, in the same edit) and the status comment
    (created only with `create`)."""
    state, now = found.state, events.now_ms()
    metadata = _metadata(found)
    if found.pull is not None:
        body = render_pull_body(state, metadata, now)
        pulls.update(client, state.repository, found.pull.number, body=body, state=pull_state)
    text = render_comment(state, now, metadata=metadata)
    if found.comment is not None:
        comments.edit(client, state.repository, found.comment.id, text)
    elif create:
        comments.find_or_create(
            client, state.repository, state.issue, marker=STATUS_MARKER, login=found.login, body=text
        )


def _metadata(found: Found) -> ContributionMetadata:
    """The block to write: the one recorded (its contributor and start kept), with the end as it now is; a
    finalize leaves the run's own state (a hand-over of a budget stop is still a budget stop for stats)."""
    state = found.state
    current = metadata_of(state, state.repository, state.contributor or found.login)
    if found.recorded is None:
        return current
    if state.finalized:
        return found.recorded
    return replace(found.recorded, state=current.state, completed_at=current.completed_at)


def publish_stopped(
    client: GitHubClient,
    repository: str,
    issue: int,
    *,
    run_url: str | None = None,
    login: str | None = None,
    ending: str = ENDING_POST_STEP,
) -> str | None:
    """The Action's post step: the main step started a run and never recorded its end (cancelled, timed out,
    killed). The comment and the PR body say the run stopped (`ending` is the headline), with the table the run
    last recorded; returns what was done. Nothing is written when the record shows an end already (the run
    finalised itself) or there is nothing of ours. None, and nothing written, when neither the PR nor the
    comment carries a metadata block (a comment of an older release): the caller may patch the text instead."""
    found = find(client, repository, issue, login)
    target = f"{repository}#{issue}"
    if found.comment is None and found.pull is None:
        return f"{target}: no status comment or pull request of ours; nothing to finalise"
    if found.recorded is None:
        return None
    if found.recorded.state != RUNNING_STATE:
        return f"{target}: the run recorded its end ({found.recorded.state}); nothing to finalise"
    state = found.state
    state.phase, state.ending = Phase.STOPPED, ending
    state.run_url = run_url or state.run_url
    state.finish(events.now_ms(), signalled=True)
    for row in state.tasks:
        if row.status in (TaskStatus.RUNNING, TaskStatus.PENDING):
            row.status = TaskStatus.SKIPPED  # as the engine's end marks what it never finished
    publish(client, found)
    return f"{target}: the status comment now says the run stopped"


def still_ours(
    client: GitHubClient,
    state: ContributionState,
    pull: pulls.Pull | None,
    push_repo: str,
    pushed: bool,
) -> bool:
    """Before a run pushes or edits its PR: True while the PR is open and the branch it pushed exists. Otherwise
    (a `/symphony cancel`, or someone closed the PR or deleted the branch) the state becomes cancelled and says
    why, and the caller writes nothing more to the PR or the branch."""
    if state.pull_closed or state.branch_deleted:
        return False
    if pull is not None and pulls.get(client, state.repository, pull.number).state != "open":
        state.pull_closed = True
        state.ending = ENDING_PULL_CLOSED.format(number=pull.number)
    if (
        (pull is not None or pushed)
        and state.branch
        and not workflow_runs.branch_exists(client, push_repo, state.branch)
    ):
        state.branch_deleted = True
        state.ending = state.ending or ENDING_BRANCH_DELETED.format(branch=state.branch)
    if not (state.pull_closed or state.branch_deleted):
        return True
    state.phase = Phase.CANCELLED
    return False
