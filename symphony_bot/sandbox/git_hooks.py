"""Server-side git hooks for the sandbox remote: GitHub's refusals that depend on what a push contains.

A token that may not change workflows (a GitHub App installation token without `workflows: write`, every Actions
`GITHUB_TOKEN`, a classic or OAuth token without the `workflow` scope, a fine-grained token without Workflows
write) may not create, change or delete files under `.github/workflows/`. github.com judges every commit a push
brings, merges included (a merge is compared with each of its parents), and refuses the ref with its reason in
git's own status line, e.g.

    ! [remote rejected] main -> main (refusing to allow a GitHub App to create or update workflow
    `.github/workflows/dlc.yml` without `workflows` permission)          (repo-sync/github-sync#23)

For personal and OAuth tokens GitHub documents one exception: a workflow file may be committed "if the same file
(with both the same path and contents) exists on another branch in the same repository"
(https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps, `workflow`).

A `pre-receive` hook can only make git say "(pre-receive hook declined)"; to give GitHub's reason per ref the
sandbox uses git's `proc-receive` hook (receive.procReceiveRefs), which updates the refs it accepts itself and
answers `ng <ref> <reason>` for the others. It runs for that one pusher only: `core.hooksPath` and the refs are
set in the environment of that one `git http-backend` request. Like git_remote.py, this is the remote's side of
git, the one place besides `gitops` that runs it.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path

WORKFLOWS_DIRECTORY = ".github/workflows/"
# The three refusals GitHub gives, by the kind of token that pushed.
MESSAGE_APP_WORKFLOW_REFUSED = (
    "refusing to allow a GitHub App to create or update workflow `{path}` without `workflows` permission"
)
MESSAGE_PAT_WORKFLOW_REFUSED = (  # classic and fine-grained (submersion-app/submersion#838, epics-modules/pyDevSup#42)
    "refusing to allow a Personal Access Token to create or update workflow `{path}` without `workflow` scope"
)
MESSAGE_OAUTH_WORKFLOW_REFUSED = (  # gitpod-io/gitpod#1188
    "refusing to allow an OAuth App to create or update workflow `{path}` without `workflow` scope"
)
MESSAGE_WORKFLOW_REFUSED = MESSAGE_APP_WORKFLOW_REFUSED  # the name other modules used
HOOKS_DIRECTORY = "workflow-guard-hooks"
ENV_MESSAGE = "SANDBOX_WORKFLOW_REFUSAL"
ENV_SAME_FILE_ELSEWHERE = "SANDBOX_WORKFLOW_SAME_FILE_ELSEWHERE"
ZERO_SHA = "0" * 40

_PROC_RECEIVE = '''#!{python}
"""proc-receive: refuse refs whose new commits touch {directory} (written by symphony_bot.sandbox.git_hooks)."""
import os
import subprocess
import sys

DIRECTORY, ZERO = {directory!r}, {zero!r}
MESSAGE = os.environ[{env_message!r}]
SAME_FILE_ELSEWHERE = os.environ.get({env_same!r}) == "1"
stdin, stdout = sys.stdin.buffer, sys.stdout.buffer


def read_packets():
    packets = []
    while True:
        size = int(stdin.read(4), 16)
        if size == 0:
            return packets
        packets.append(stdin.read(size - 4).rstrip(b"\\n"))


def write(text):
    data = text.encode()
    stdout.write(b"%04x" % (len(data) + 4) + data)


def git(*args):
    return subprocess.run(["git", *args], capture_output=True, text=True, check=False).stdout


def blob(commit, path):
    found = git("ls-tree", commit, "--", path).split()
    return found[2] if len(found) >= 3 else None


def exists_elsewhere(path, wanted):
    for tip in git("for-each-ref", "--format=%(objectname)", "refs/heads").split():
        if blob(tip, path) == wanted:
            return True
    return False


def refused_path(new):
    for commit in git("rev-list", "--reverse", new, "--not", "--all").split():
        listed = git("diff-tree", "-r", "-m", "--root", "--no-commit-id", "--name-only", commit).split("\\n")
        for path in sorted({{line for line in listed if line.startswith(DIRECTORY)}}):
            if SAME_FILE_ELSEWHERE and exists_elsewhere(path, blob(commit, path)):
                continue
            return path
    return None


read_packets()  # version negotiation
write("version=1\\0")
stdout.write(b"0000")
stdout.flush()
for command in read_packets():
    old, new, ref = command.decode().split(" ", 2)
    path = None if new == ZERO else refused_path(new)
    if path is not None:
        write("ng " + ref + " " + MESSAGE.format(path=path))
        continue
    update = ["update-ref", "-d", ref, old] if new == ZERO else ["update-ref", ref, new, old]
    done = subprocess.run(["git", *update], capture_output=True, text=True, check=False)
    write("ok " + ref if done.returncode == 0 else "ng " + ref + " failed to update ref")
stdout.write(b"0000")
stdout.flush()
'''


def workflow_guard_environment(root: Path, message: str, *, same_file_elsewhere: bool) -> dict[str, str]:
    """Environment for one `git http-backend` run whose receive-pack refuses workflow changes with `message`
    (a MESSAGE_*_WORKFLOW_REFUSED); `same_file_elsewhere` grants the personal tokens' documented exception."""
    hooks = root / HOOKS_DIRECTORY
    hook = hooks / "proc-receive"
    if not hook.exists():
        hooks.mkdir(parents=True, exist_ok=True)
        script = _PROC_RECEIVE.format(
            python=sys.executable,
            directory=WORKFLOWS_DIRECTORY,
            zero=ZERO_SHA,
            env_message=ENV_MESSAGE,
            env_same=ENV_SAME_FILE_ELSEWHERE,
        )
        temporary = hook.with_suffix(".tmp")
        temporary.write_text(script, encoding="utf-8")
        temporary.chmod(temporary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        temporary.replace(hook)
    return {
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": "core.hooksPath",
        "GIT_CONFIG_VALUE_0": str(hooks),
        "GIT_CONFIG_KEY_1": "receive.procReceiveRefs",
        "GIT_CONFIG_VALUE_1": "refs/",
        ENV_MESSAGE: message,
        ENV_SAME_FILE_ELSEWHERE: "1" if same_file_elsewhere else "0",
    }
