"""Nothing outlives its task: every process of the run's private uid is killed, without a PID namespace.

A helper forked from the bot becomes the agent's uid (no groups) and calls `kill(-1, SIGKILL)` until the kernel
answers ESRCH or no living process of that uid is left: `kill(-1)` reaches every process the caller may
signal, which for an unprivileged uid is exactly the processes whose real or saved uid is its own — whatever
session, group or parent they chose, environment or no environment. A process forked while a round runs is
caught by the next round. `/proc` is read only when a round found something (to tell zombies, which the
kernel still signals, from the living). The bot then reaps those of the agent's zombies it adopted (it is PID 1
in the action's container, or a child subreaper).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

from symphony_bot.agents import syscalls
from symphony_bot.agents.identity import Identity

MAX_ROUNDS = 10_000
ROUND_PAUSE_S = 0.001
HELPER_GAVE_UP = 3


def _status(pid: str) -> tuple[int, str, int] | None:
    """(real uid, state letter, parent pid) of a process, None when it is gone."""
    uid, state, parent = -1, "", -1
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"State:"):
                    state = line.split()[1].decode()
                elif line.startswith(b"PPid:"):
                    parent = int(line.split()[1])
                elif line.startswith(b"Uid:"):
                    uid = int(line.split()[1])
                    break
    except (OSError, ValueError, IndexError):
        return None
    return uid, state, parent


def _processes_of(uid: int) -> list[tuple[int, str, int]]:
    """(pid, state, parent) of every process whose real uid is `uid`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := _status(entry)) is not None and info[0] == uid:
            found.append((int(entry), info[1], info[2]))
    return found


def _kill_all_as_self(uid: int) -> int:
    """In the helper: kill every other process of our uid until none is alive. Returns the exit status."""
    me = os.getpid()
    for _ in range(MAX_ROUNDS):
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            return 0
        if not [pid for pid, state, _parent in _processes_of(uid) if pid != me and state not in {"Z", "X"}]:
            return 0
        time.sleep(ROUND_PAUSE_S)
    return HELPER_GAVE_UP


def sweep(identity: Identity) -> bool:
    """Kill every process of `identity` and reap those the bot adopted. True when none is left alive."""
    helper = os.fork()
    if helper == 0:  # pragma: no cover (the child; its exit status is the result)
        status = 1
        try:
            os.setgroups([])
            os.setresgid(identity.gid, identity.gid, identity.gid)
            os.setresuid(identity.uid, identity.uid, identity.uid)
            status = _kill_all_as_self(identity.uid)
        finally:
            os._exit(status)
    _pid, status = os.waitpid(helper, 0)
    if adopts_orphans():
        reap_adopted(identity.uid)
    return os.waitstatus_to_exitcode(status) == 0


def adopts_orphans() -> bool:
    """Whether orphans come to the bot: it is its PID namespace's init, or a child subreaper."""
    return os.getpid() == 1 or syscalls.prctl_get(syscalls.PR_GET_CHILD_SUBREAPER) == 1


def reap_adopted(uid: int) -> None:
    """Reap the zombies of `uid` whose parent is now the bot (nobody else will)."""
    me = os.getpid()
    for pid, state, parent in _processes_of(uid):
        if parent == me and state in {"Z", "X"}:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
