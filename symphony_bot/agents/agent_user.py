"""When the bot runs as root, each agent task runs as a uid of its own, and gets the work tree for that time.

Root can read every process's `/proc/PID/environ` and memory, and every file the bot leaves in its temporary
folders or its git directory. So a bot running as root starts each agent under a fresh identity
(`agents.identity`: a uid and gid no account, process or other run has), through `setpriv` (util-linux) with no
supplementary groups, no capabilities (bounding set cleared) and no new privileges. For the task the identity
owns the work tree (but `.git`, and the top folder stays the bot's: see `handover.SHARED_TOP_MODE`) and its
private scratch folder (mode 0700); afterwards every process of the identity is killed (`agents.sweep`), and
only then the bot takes both trees back, with descriptor-based walks that follow no link (`agents.handover`).
The identity is released last.

`TaskRequest.run_as` set (to any name, `PRIVATE_IDENTITY` by convention) asks for this; None runs the agent as
the bot itself (a bot not running as root, where `agents.posture` says it out loud).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

from symphony_bot.agents import handover, sweep
from symphony_bot.agents.base import AgentSetupError, TaskRequest
from symphony_bot.agents.identity import Identity, IdentityError, allocate

PRIVATE_IDENTITY = "private-uid"
AGENT_USER = PRIVATE_IDENTITY  # what callers pass as `run_as`: there is no shared named user any more
SETPRIV = "setpriv"
SCRATCH_MODE = 0o700


class AgentUserError(AgentSetupError):
    """The agent cannot be run under an identity of its own; the message names the cause and the fix."""


def drop_privileges(identity: Identity, argv: list[str]) -> list[str]:
    """`argv` started as `identity`, without groups, capabilities or a way to gain privileges."""
    setpriv = shutil.which(SETPRIV)
    if setpriv is None:
        raise AgentUserError(f"`{SETPRIV}` (util-linux) is not installed: it starts the agent as its own uid")
    return [
        setpriv,
        f"--reuid={identity.uid}",
        f"--regid={identity.gid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
        *argv,
    ]


def running_as_root() -> bool:
    return os.geteuid() == 0


def unreachable_folder(path: Path) -> Path | None:
    """The first folder above `path` that other users may not enter (no `o+x`), or None."""
    for folder in reversed(path.resolve().parents):
        try:
            mode = folder.stat().st_mode
        except OSError:
            return folder
        if not mode & stat.S_IXOTH:
            return folder
    return None


@contextlib.contextmanager
def handed_over(request: TaskRequest) -> Iterator[Identity | None]:
    """For `request.run_as`: a fresh identity owns the work tree and the scratch folder while the block runs;
    then its processes are swept, the trees taken back and the identity released. None: run as the bot."""
    if request.run_as is None:
        yield None
        return
    if not running_as_root():
        raise AgentUserError("only a bot running as root can give the agent a uid of its own; run it as root")
    for path in (request.repo_dir, request.scratch_dir):
        blocked = unreachable_folder(path)
        if blocked is not None:
            raise AgentUserError(
                f"the agent cannot reach {path}: other users may not enter {blocked}; put the checkout (and the "
                "temporary folder) under folders others may enter (chmod o+x)"
            )
    try:
        identity = allocate()
    except IdentityError as error:
        raise AgentUserError(str(error)) from None
    except OSError as error:
        raise AgentUserError(f"cannot allocate a uid for the agent: {error}") from None
    tree_top: handover.Top | None = None
    scratch_top: handover.Top | None = None
    try:
        tree_top = handover.change_owner(
            request.repo_dir,
            identity.uid,
            identity.gid,
            give=True,
            top_as=handover.Top(os.geteuid(), identity.gid, handover.SHARED_TOP_MODE),
        )
        scratch_top = handover.change_owner(
            request.scratch_dir,
            identity.uid,
            identity.gid,
            give=True,
            top_as=handover.Top(identity.uid, identity.gid, SCRATCH_MODE),
        )
        yield identity
    finally:
        _take_back(request, identity, tree_top, scratch_top)


def _take_back(
    request: TaskRequest, identity: Identity, tree_top: handover.Top | None, scratch_top: handover.Top | None
) -> None:
    if not sweep.sweep(identity):
        # Never walk a tree a live process of the agent could still change: stop, keep the uid locked.
        raise AgentUserError(
            f"processes of the agent's uid {identity.uid} could not all be killed; the run stops and the uid stays "
            "reserved"
        )
    for path, top in ((request.repo_dir, tree_top), (request.scratch_dir, scratch_top)):
        if top is not None:
            handover.change_owner(path, top.uid, top.gid, give=False, top_as=top)
    identity.release()
