"""Finalize: hand the claim's pull request to the maintainers as it is — the title loses `[WIP]` and the draft
is marked ready for review — after a run that stopped short (stalled, halted, budget reached, stopped) when the
work done so far is worth reviewing. Nothing is pushed and the body, kept current by the runs, stays as it is
(with its task list and metadata block). The status comment says who finalized it."""

from __future__ import annotations

from symphony_bot.autorun import events
from symphony_bot.contribution.cancel import restore_figures
from symphony_bot.contribution.claim import branch_prefix
from symphony_bot.contribution.state import ContributionState, Phase
from symphony_bot.contribution.status_comment import STATUS_MARKER, TITLE_PREFIX_WIP, render_comment
from symphony_bot.github import comments, permissions, pulls
from symphony_bot.github.client import GitHubClient, GitHubError

NOTE_FINALIZED = "Finalized by hand: the pull request is ready for review with the tasks done so far."
NOTHING_TO_FINALIZE = "{target}: no open pull request of ours claims it; nothing to finalize (run it first)"


def finalize_claim(client: GitHubClient, repository: str, issue: int) -> str:
    """Mark this bot's claim PR ready for review; return one line saying what was done. GitHubError when there
    is no claim of ours."""
    login = permissions.viewer(client).login
    pull = pulls.find_ours(client, repository, login, branch_prefix(issue))
    if pull is None:
        raise GitHubError(NOTHING_TO_FINALIZE.format(target=f"{repository}#{issue}"))
    if pull.title.startswith(TITLE_PREFIX_WIP):
        pulls.update(client, repository, pull.number, title=pull.title.removeprefix(TITLE_PREFIX_WIP))
    if pull.draft:
        pulls.mark_ready(client, pull.node_id)
    state = ContributionState(
        repository=repository, issue=issue, issue_title="", started_at_ms=events.now_ms(), phase=Phase.COMPLETED
    )
    restore_figures(state, pull.body)
    state.pull_number, state.pull_url, state.branch = pull.number, pull.url, pull.head_ref
    state.pull_is_draft = False
    state.activity = "finalized: the pull request is ready for review"
    state.notes.append(NOTE_FINALIZED)
    state.finished_at_ms = events.now_ms()
    found = comments.find_marked(client, repository, issue, STATUS_MARKER, login)
    if found:
        comments.edit(client, repository, found[0].id, render_comment(state, events.now_ms()))
    return f"{repository}#{issue}: PR #{pull.number} is ready for review"
