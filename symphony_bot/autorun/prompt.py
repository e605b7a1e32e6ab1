"""The instructions each agent run gets: one task, and how to report that it is done or cannot be done."""

from __future__ import annotations

from pathlib import Path

from symphony_bot.autorun.document import Task

TASK_PROMPT = """\
You are working in the repository at {repo_dir}.

Your job is ONE task from the checklist in {document}, line {line}:

    {task}

Do only this task. Lines indented under it describe parts of the same task; later tasks are for later runs.

1. Read the repository's own guidance first if it has any (AGENTS.md, CLAUDE.md, CONTRIBUTING.md).
2. Carry the task out completely, following the code's existing style. Add or update tests where the change
   calls for them, and do not break the ones that exist.
3. When, and only when, the task truly succeeded, change its box on line {line} of {document} from `[ ]` to
   `[x]`. Never tick a task that failed or that you only partly did; you may add a short note under it instead.
4. If the task cannot be done by an agent at all (it needs a person: a manual or visual check, an approval,
   credentials, physical access) or something blocks the whole checklist, leave the box unticked and write
   this marker on its own line in {document}, with your reason:

       <!-- maestro:halt: <reason> -->

5. Do not commit, push, or open pull requests: the harness commits and pushes your changes after this run.
6. Start your final reply with a one-line summary of what you did (or why you stopped), then stop.
"""


def task_prompt(repo_dir: Path, document: Path, task: Task) -> str:
    try:
        shown = document.relative_to(repo_dir)
    except ValueError:
        shown = document
    return TASK_PROMPT.format(repo_dir=repo_dir, document=shown, line=task.line, task=task.text)
