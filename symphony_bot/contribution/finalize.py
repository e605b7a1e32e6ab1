"""Finalize: hand the claim's pull request to the maintainers as it is — the title loses `[WIP]` and the draft
is marked ready for review — after a run that stopped short (stalled, halted, budget reached, stopped) when the
work done so far is worth reviewing. Nothing is pushed. The PR body and the status comment are rendered again
from the state the run recorded (task table, figures, real elapsed time) and say what it is: a hand-over of N
of M tasks, not a completed run."""

from __future__ import annotations

from symphony_bot.contribution.endings import find, publish
from symphony_bot.contribution.status_comment import TITLE_PREFIX_WIP
from symphony_bot.github import pulls
from symphony_bot.github.client import GitHubClient, GitHubError

NOTHING_TO_FINALIZE = "{target}: no open pull request of ours claims it; nothing to finalize (run it first)"


def finalize_claim(client: GitHubClient, repository: str, issue: int, *, requested_by: str | None = None) -> str:
    """Mark this bot's claim PR ready for review; return one line saying what was done. GitHubError when there
    is no claim of ours."""
    found = find(client, repository, issue)
    pull = found.pull
    if pull is None:
        raise GitHubError(NOTHING_TO_FINALIZE.format(target=f"{repository}#{issue}"))
    if pull.title.startswith(TITLE_PREFIX_WIP):
        pulls.update(client, repository, pull.number, title=pull.title.removeprefix(TITLE_PREFIX_WIP))
    if pull.draft:
        pulls.mark_ready(client, pull.node_id)
    state = found.state
    state.finalized, state.ended_by, state.pull_is_draft, state.current_task = True, requested_by, False, None
    publish(client, found)
    tally = f"{state.tasks_done} of {state.tasks_total} tasks done"
    return f"{repository}#{issue}: PR #{pull.number} is ready for review ({tally})"
