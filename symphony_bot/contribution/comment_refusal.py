"""When GitHub will not take the status comment: the run goes on, and the pull request carries the status.

Two refusals are known (both 403 to `POST /repos/{o}/{r}/issues/{n}/comments`): a locked conversation ("Unable to
create comment because issue is locked.", answered to GitHub Apps and GITHUB_TOKEN, and to anyone without write
access; probot/stale#25, renovatebot/renovate#6215), and a token without Issues: write ("Resource not accessible
by integration" / "… by personal access token"). Neither is a reason to drop the work: the run continues, the
pull request body says why there is no status comment and what would bring it back, and so does the run's log.
"""

from __future__ import annotations

from symphony_bot.github.comments import REFUSED_LOCKED

NOTE_LOCKED = (
    "The issue is locked, and GitHub refuses this token's comments on a locked conversation (GitHub Apps and "
    "GITHUB_TOKEN are always refused), so this run reports its status here instead of in a status comment on "
    "the issue. Unlock the conversation to get the status comment back."
)
NOTE_NO_PERMISSION = (
    "The token may not comment on the issue (it lacks Issues: write), so this run reports its status here "
    "instead of in a status comment on the issue. Give it Issues: write (`issues: write` in the workflow's "
    "`permissions:`, or the App's or fine-grained token's Issues permission) to get the status comment back."
)


def note_for(reason: str) -> str:
    return NOTE_LOCKED if reason == REFUSED_LOCKED else NOTE_NO_PERMISSION


def with_note(body: str, note: str) -> str:
    """The PR body with `note` as a quote under its first line (`Closes #N`, which must stay first)."""
    first, _, rest = body.partition("\n")
    return f"{first}\n\n> {note}\n{rest}"
