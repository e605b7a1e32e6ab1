"""Server-side git hooks for the sandbox remote: GitHub's refusals that depend on what a push contains.

A GitHub App installation token without `workflows: write` (and every Actions `GITHUB_TOKEN`) may not create or
change files under `.github/workflows/`: github.com rejects such a push with "refusing to allow a GitHub App to
create or update workflow `<path>` without `workflows` permission". The sandbox does the same with a
`pre-receive` hook that `git http-backend` runs for that pusher only (selected through `core.hooksPath` in the
environment of that one request, so other pushers and the bare repositories themselves are unaffected). Like
git_remote.py, this is the remote's side of git, the one place besides `gitops` that runs it.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path

WORKFLOWS_DIRECTORY = ".github/workflows/"
MESSAGE_WORKFLOW_REFUSED = (
    "refusing to allow a GitHub App to create or update workflow `{path}` without `workflows` permission"
)
HOOKS_DIRECTORY = "workflow-guard-hooks"
ZERO_SHA = "0" * 40

_PRE_RECEIVE = '''#!{python}
"""pre-receive: refuse commits that touch {directory} (written by symphony_bot.sandbox.git_hooks)."""
import subprocess
import sys

for line in sys.stdin:
    old, new, ref = line.split()
    if new == "{zero}":
        continue
    listed = subprocess.run(
        ["git", "log", "--format=", "--name-only", new, "--not", "--all"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    touched = sorted(path for path in set(listed) if path.startswith("{directory}"))
    if touched:
        print({message!r}.format(path=touched[0]), file=sys.stderr)
        sys.exit(1)
'''


def workflow_guard_environment(root: Path) -> dict[str, str]:
    """Environment for one `git http-backend` run that makes receive-pack refuse workflow changes."""
    hooks = root / HOOKS_DIRECTORY
    hook = hooks / "pre-receive"
    if not hook.exists():
        hooks.mkdir(parents=True, exist_ok=True)
        script = _PRE_RECEIVE.format(
            python=sys.executable, directory=WORKFLOWS_DIRECTORY, zero=ZERO_SHA, message=MESSAGE_WORKFLOW_REFUSED
        )
        temporary = hook.with_suffix(".tmp")
        temporary.write_text(script, encoding="utf-8")
        temporary.chmod(temporary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        temporary.replace(hook)
    return {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.hooksPath", "GIT_CONFIG_VALUE_0": str(hooks)}
