"""The action's post step: finalise what the main step could not.

The runner starts the post step in a new container of the same image after the main step — also when the job
was cancelled or timed out (`post-if` defaults to `always()`), and also after the main step was SIGKILLed. It
runs `symphony-bot action --post` directly (exec form, docker/post-entrypoint.py), never through a shell: the
image's /bin/sh (dash) drops every hyphenated variable such as `INPUT_GITHUB-TOKEN`, which Python reads fine.

The main step records in the step state which issue it worked on (`symphony_target`) and, once it got to the
end, `symphony_done`. Without the latter the run is finalised as *stopped* through `endings.publish_stopped`, the
one renderer every ending goes through: the state is rebuilt from the metadata block the run left (in its PR
body, else its status comment), so the comment and the PR body keep the task table, figures and links, and say
why the run stopped. A record that shows an end already is the truth and is left alone. Only a status comment
without a record (an older release's) is patched in place (`stopped_comment`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

from symphony_bot.action import outputs as action_outputs
from symphony_bot.action.inputs import read_inputs, read_secret_values
from symphony_bot.action.replies import STATUS_MARKER, Outcome
from symphony_bot.contribution.endings import ENDING_POST_STEP, publish_stopped
from symphony_bot.contribution.state import Phase
from symphony_bot.contribution.status_comment import HEADING, NEXT_STEPS, PHASE_TITLES
from symphony_bot.report.workflow_commands import escape_data

if TYPE_CHECKING:
    from symphony_bot.github.client import GitHubClient

STATE_NAME = "symphony_target"
STATE_DONE = "symphony_done"
IN_PROGRESS = (Phase.RUNNING, Phase.PREFLIGHT)
STOPPED_HEADLINE = ENDING_POST_STEP  # the same words whichever way the comment is finalised
PUBLISHED = "the status comment now says the run stopped"  # how publish_stopped says it wrote
NEXT_LINE_PREFIX = "**Next:** "


def title_line(phase: Phase) -> str:
    return f"### {HEADING} — {PHASE_TITLES[phase]}"


def stopped_comment(body: str) -> str | None:
    """The runner's status comment rewritten as stopped, or None when it does not show a run in progress."""
    lines = body.split("\n")
    titles = {title_line(phase) for phase in IN_PROGRESS}
    try:
        index = next(number for number, line in enumerate(lines) if line in titles)
    except StopIteration:
        return None
    lines[index] = title_line(Phase.STOPPED)
    # The runner's headline is the first bold line after the title: it described the work in progress.
    for number in range(index + 1, min(index + 4, len(lines))):
        if lines[number].startswith("**") and lines[number].endswith("**"):
            lines[number] = f"**{STOPPED_HEADLINE}**"
            break
    for number in range(len(lines) - 1, index, -1):
        if lines[number].startswith(NEXT_LINE_PREFIX):
            lines[number] = NEXT_LINE_PREFIX + NEXT_STEPS[Phase.STOPPED]
            break
    return "\n".join(lines)


def run_post(environ: Mapping[str, str], stdout: TextIO) -> Outcome:
    """The post step (see the module docstring)."""
    action_outputs.print_masks(read_secret_values(environ), stdout)
    target = environ.get(f"STATE_{STATE_NAME}")
    if not target or environ.get(f"STATE_{STATE_DONE}") == "true":
        return Outcome("ignored", "the main step finished; nothing to finalise")
    from symphony_bot.action.context import client_for
    from symphony_bot.github import triggers
    from symphony_bot.github.client import GitHubError

    inputs = read_inputs(environ)
    repo, _, number = target.rpartition("#")
    with client_for(inputs, environ) as client:
        try:
            login = triggers.bot_identity(client, environ.get("SYMPHONY_APP_LOGIN") or None).login
            said = publish_stopped(client, repo, int(number), login=login)
            if said is None:  # a status comment without a record: an older release's, patched in place
                said = _patch_legacy(client, repo, int(number), login)
        except GitHubError as error:
            stdout.write(f"::warning::{escape_data(f'could not finalise the status comment: {error}')}\n")
            return Outcome("failed", str(error), failed=True, target=target)
    if not said.endswith(PUBLISHED):
        return Outcome("ignored", said, target=target)
    stdout.write(f"::notice::{escape_data(said)}\n")
    return Outcome("stopped", said, target=target)


def _patch_legacy(client: GitHubClient, repo: str, number: int, login: str) -> str:
    from symphony_bot.github import triggers

    target = f"{repo}#{number}"
    comment = triggers.find_comment(client, repo, number, STATUS_MARKER, login)
    if comment is None:
        return f"{target}: no status comment to finalise"
    rewritten = stopped_comment(str(comment.get("body") or ""))
    if rewritten is None:
        return f"{target}: the status comment does not show a run in progress"
    triggers.edit_comment(client, repo, int(str(comment["id"])), rewritten)
    return f"{target}: {PUBLISHED}"
