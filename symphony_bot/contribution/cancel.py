"""Cancel: release the claim. Closes this bot's open PR for the issue, deletes its branch (unless kept) and
finalises the status comment as cancelled, with the figures the PR's metadata block recorded."""

from __future__ import annotations

from symphony_bot.autorun import events
from symphony_bot.contribution.claim import branch_prefix
from symphony_bot.contribution.state import ContributionState, DocumentProgress, Phase
from symphony_bot.contribution.status_comment import STATUS_MARKER, render_comment
from symphony_bot.github import comments, permissions, pulls
from symphony_bot.github.client import GitHubClient
from symphony_bot.stats.pr_metadata import MetadataError, parse_block

NOTE_CANCELLED = "Cancelled with `symphony-bot cancel`: the claim is released."


def cancel_claim(client: GitHubClient, repository: str, issue: int, *, keep_branch: bool = False) -> str:
    """Release the claim; return one line saying what was done."""
    login = permissions.viewer(client).login
    pull = pulls.find_ours(client, repository, login, branch_prefix(issue))
    state = ContributionState(
        repository=repository, issue=issue, issue_title="", started_at_ms=events.now_ms(), phase=Phase.CANCELLED
    )
    state.activity = "cancelled: the claim is released"
    state.notes.append(NOTE_CANCELLED)
    done = "no open pull request of ours claims it"
    if pull is not None:
        restore_figures(state, pull.body)
        pulls.update(client, repository, pull.number, state="closed")
        done = f"closed PR #{pull.number}"
        if not keep_branch and pull.head_repo:
            pulls.delete_branch(client, pull.head_repo, pull.head_ref)
            done += f" and deleted branch {pull.head_ref}"
        else:
            state.branch = pull.head_ref
    state.finished_at_ms = events.now_ms()
    found = comments.find_marked(client, repository, issue, STATUS_MARKER, login)
    body = render_comment(state, events.now_ms())
    if found:
        comments.edit(client, repository, found[0].id, body)
    elif pull is not None:
        comments.find_or_create(client, repository, issue, marker=STATUS_MARKER, login=login, body=body)
    return f"{repository}#{issue}: {done}"


def restore_figures(state: ContributionState, body: str) -> None:
    """The run's figures as the PR's metadata block recorded them (nothing when the block is missing or bad)."""
    try:
        metadata = parse_block(body)
    except MetadataError:
        return
    if metadata is None:
        return
    state.agent = metadata.agent
    state.tokens_in, state.tokens_out, state.cost_usd = metadata.tokens_in, metadata.tokens_out, metadata.cost_usd
    state.documents = [DocumentProgress(name, 0, 0) for name in metadata.documents]
    if state.documents:
        state.documents[0].total, state.documents[0].done = metadata.tasks_total, metadata.tasks_done
