"""What one contribution run is told (RunConfig), its event names and the sentences it writes."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from symphony_bot.agents.base import Agent
from symphony_bot.autorun.engine import Budget
from symphony_bot.contribution.publisher import DEFAULT_INTERVAL_SECONDS
from symphony_bot.contribution.state import ContributionState, Phase
from symphony_bot.contribution.verification import VerifySettings
from symphony_bot.stats.pr_metadata import ContributionMetadata
from symphony_bot.workspace.push_caps import MAX_CHANGED_FILES

# Runner events, printed with the engine's by `run --json`.
CLAIMED = "claimed"
PUSHED = "pushed"
COMMENT_UPDATED = "comment_updated"
COMMENT_REFUSED = "comment_refused"  # GitHub refuses the status comment (locked issue, no Issues: write)
FINALIZED = "finalized"
COMMIT_TEMPLATE = "symphony: {document} — {task}"
COMMIT_SUBJECT_CHARS = 120
NOTE_NO_DRAFTS = "This repository does not accept draft pull requests: the PR is a normal one titled [WIP]."
NOTE_CLOSED_LOST = "Closed by symphony-bot: the issue is claimed by {holder}, which was opened first."
FORK_MODES = ("auto", "always", "never")
# Set by the GitHub Action when the token is the workflow's own GITHUB_TOKEN (see action/runner_seam.py).
TOKEN_KIND_ENV = "SYMPHONY_TOKEN_KIND"  # noqa: S105 (a variable name, not a secret)
TOKEN_KIND_WORKFLOW = "workflow"  # noqa: S105
TRIGGERED_BY_ENV = "SYMPHONY_TRIGGERED_BY"
NOTE_WORKFLOW_TOKEN = (
    "This run used the workflow's GITHUB_TOKEN: GitHub starts no workflows for pull requests it opens, so CI will "  # noqa: S105
    "not run on this one until a maintainer approves it. A GitHub App or fine-grained token avoids that."
)
NOTE_WORKFLOWS_HELD_BACK = (
    "The agent changed files under .github/workflows/; they are not in this pull request, because a workflow "
    "pushed to the claim branch would run with this repository's secrets. Make such changes by hand."
)
TRAVERSE_ONLY = 0o711  # the agent's user may enter the run's folder, not list it
ATTACHMENTS_FOLDER = ".symphony-attachments"  # in the work tree, excluded from every commit


@dataclass(frozen=True)
class RunConfig:
    repository: str  # OWNER/NAME
    issue: int
    agent: Agent
    agent_name: str
    token: str
    model: str | None = None
    task_timeout_s: float | None = None
    inactivity_timeout_s: float | None = None
    budget: Budget = field(default_factory=Budget)
    fork: str = "auto"
    dry_run: bool = False
    trigger_comment_id: int | None = None
    requested_by: str | None = None
    run_url: str | None = None
    comment_interval_s: float = DEFAULT_INTERVAL_SECONDS
    work_root: Path | None = None
    # Run each agent as this unprivileged user (what a bot running as root does; see agents/agent_user.py):
    # it then cannot even reach the private git directory. None: the agent runs as the bot's own user.
    agent_user: str | None = None
    # What is weaker about the agent's containment here (allowed by --allow-weak-containment): in the comment.
    containment_notes: tuple[str, ...] = ()
    extra_secrets: tuple[str, ...] = field(default=(), repr=False)
    max_changed_files: int = MAX_CHANGED_FILES  # a task changing more files is refused before commit (push_caps)
    verify: VerifySettings | None = None  # the maintainers' check after each task that changed files (verification)


def run_url_from_env() -> str | None:
    server, repository, run = (os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    return f"{server.rstrip('/')}/{repository}/actions/runs/{run}" if server and repository and run else None


def _iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


def metadata_of(state: ContributionState, repository: str, contributor: str) -> ContributionMetadata:
    """The PR's metadata block for `state` (stats reads it back with `pr_metadata.parse_block`). A stopped run
    or a lost claim is recorded as cancelled: the block's states are the ones stats knows."""
    phase = state.phase
    recorded = "running" if not phase.terminal else phase.value
    if phase in (Phase.STOPPED, Phase.CLAIM_LOST):
        recorded = "cancelled"
    return ContributionMetadata(
        repository=repository,
        issue=state.issue,
        contributor=contributor,
        agent=state.agent,
        model=state.model,
        state=recorded,
        started_at=_iso(state.started_at_ms),
        documents=tuple(document.name for document in state.documents),
        tasks_done=state.tasks_done,
        tasks_total=state.tasks_total,
        tokens_in=state.tokens_in,
        tokens_out=state.tokens_out,
        cost_usd=round(state.cost_usd, 6),
        completed_at=_iso(state.finished_at_ms) if state.finished_at_ms is not None else None,
        run_url=state.run_url,
    )


def commit_message(document: str, task: str, issue: int, co_author: str | None) -> str:
    """`symphony: <document> — <task>`, `Refs #N`, and the person who asked for the run as co-author."""
    subject = COMMIT_TEMPLATE.format(document=document, task=" ".join(task.split()))
    if len(subject) > COMMIT_SUBJECT_CHARS:
        subject = subject[: COMMIT_SUBJECT_CHARS - 1] + "…"
    message = f"{subject}\n\nRefs #{issue}\n"
    if co_author:
        message += f"\nCo-authored-by: {co_author} <{co_author}@users.noreply.github.com>\n"
    return message
