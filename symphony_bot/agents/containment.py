"""Nothing an agent starts outlives its task.

Killing the agent's process group is not enough: claude, gemini and opencode start each tool command in a
session of its own (`setsid`), and a tool can do the same. Two ways, the first where the machine allows it:

1. **A PID namespace per agent run** (`unshare --pid --fork --kill-child --mount-proc`, util-linux): the agent
   is process 1 of a namespace of its own. When it exits, or is killed, the kernel kills every process left in
   that namespace, whatever session or group it made for itself; `--kill-child` takes the namespace down if
   `unshare` itself is killed; and the agent's `/proc` shows only its own namespace, not the bot.
2. **Otherwise, a child subreaper that tracks descendants** (said out loud: `NamespaceUnavailable` explains why
   and the command prints it): the bot becomes a child subreaper (`prctl(PR_SET_CHILD_SUBREAPER)`), so orphans
   of the agent are re-parented to it instead of to init; while the agent runs its descendants are recorded from
   `/proc` (process id and start time, so a reused id is never mistaken), and a process adopted by the bot is
   recognised by the run's marker variable. After the agent ends, every recorded descendant still alive, and
   everything below it, is killed and reaped. A process that both leaves the tree and drops the marker between
   two scans (`POLL_SECONDS`) could escape this fallback; the namespace has no such gap.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

UNSHARE = "unshare"
NAMESPACE_ARGS = ("--pid", "--fork", "--kill-child", "--mount-proc", "--")
PROBE_TIMEOUT_S = 10.0
PR_SET_CHILD_SUBREAPER = 36
PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4
MARKER_ENV = "SYMPHONY_AGENT_RUN"
SWEEP_ROUNDS = 100  # x SWEEP_PAUSE_S: how long a kill may take on a busy machine
SWEEP_PAUSE_S = 0.05
SCAN_INTERVAL_S = 0.1


@dataclass(frozen=True)
class Containment:
    """How agent runs are contained on this machine: `namespace` True for a PID namespace per run, else the
    subreaper fallback, with `reason` saying why the namespace is not available."""

    namespace: bool
    reason: str = ""

    @property
    def description(self) -> str:
        if self.namespace:
            return "each agent run in a PID namespace of its own"
        return (
            f"no PID namespace here ({self.reason}); falling back to tracking the agent's descendants as a child "
            "subreaper (a process that leaves the tree and drops the marker between two scans could escape)"
        )


@functools.cache
def containment() -> Containment:
    """Probe once per process whether `unshare` can give an agent a PID namespace here."""
    if os.environ.get("SYMPHONY_NO_PID_NAMESPACE"):  # for tests of the fallback, and machines that forbid it
        return Containment(False, "SYMPHONY_NO_PID_NAMESPACE is set")
    executable = shutil.which(UNSHARE)
    if executable is None:
        return Containment(False, "`unshare` (util-linux) is not installed")
    try:
        probe = subprocess.run(
            [executable, *NAMESPACE_ARGS, "true"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=PROBE_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return Containment(False, f"`unshare` could not run: {error}")
    if probe.returncode != 0:
        detail = probe.stderr.decode("utf-8", errors="replace").strip().splitlines()
        return Containment(False, f"`unshare --pid` failed: {detail[-1] if detail else probe.returncode}")
    return Containment(True)


def contained_argv(argv: list[str]) -> list[str]:
    """`argv` as it is started: inside a PID namespace when the machine allows one."""
    executable = shutil.which(UNSHARE)
    if containment().namespace and executable is not None:
        return [executable, *NAMESPACE_ARGS, *argv]
    return list(argv)


def _prctl(option: int, value: int) -> bool:
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    return bool(libc.prctl(option, value, 0, 0, 0) == 0)


@functools.cache
def become_subreaper() -> bool:
    """Make this process the one that adopts its descendants' orphans (Linux 3.4+). Once per process."""
    return _prctl(PR_SET_CHILD_SUBREAPER, 1)


def set_dumpable(dumpable: bool) -> bool:
    """While agents run the bot is not dumpable: its /proc/PID/environ, mem, maps and fds belong to root and
    no process of the agent's can ptrace it."""
    return _prctl(PR_SET_DUMPABLE, 1 if dumpable else 0)


@contextlib.contextmanager
def not_dumpable() -> Iterator[None]:
    """The bot is not dumpable while the block runs (then as before)."""
    before = _prctl_get(PR_GET_DUMPABLE)
    set_dumpable(False)
    try:
        yield
    finally:
        if before == 1:
            set_dumpable(True)


def _prctl_get(option: int) -> int:
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return -1
    return int(ctypes.CDLL(libc_name, use_errno=True).prctl(option, 0, 0, 0, 0))


def new_marker() -> str:
    return secrets.token_hex(16)


def _stat(pid: int) -> tuple[int, int, str] | None:
    """(parent pid, start time, state) of `pid`, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")"
            fields = stat.read().rsplit(b")", 1)[1].split()
        return int(fields[1]), int(fields[19]), fields[0].decode()
    except (OSError, IndexError, ValueError):
        return None


def _has_marker(pid: int, marker: str) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as environ:
            return f"{MARKER_ENV}={marker}".encode() in environ.read().split(b"\0")
    except OSError:
        return False


def _processes() -> dict[int, tuple[int, int, str]]:
    found: dict[int, tuple[int, int, str]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if entry.isdigit() and (info := _stat(int(entry))) is not None:
            found[int(entry)] = info
    return found


@dataclass
class DescendantTracker:
    """The fallback: every process below the agent (or adopted by us and carrying the run's marker)."""

    root: int
    marker: str
    seen: dict[int, int] = field(default_factory=dict)  # pid -> start time
    last_scan: float = 0.0

    def scan(self, force: bool = False) -> dict[int, tuple[int, int, str]]:
        now = time.monotonic()
        if not force and now - self.last_scan < SCAN_INTERVAL_S:
            return {}
        self.last_scan = now
        table = _processes()
        me = os.getpid()
        changed = True
        while changed:
            changed = False
            for pid, (parent, started, _state) in table.items():
                if pid in self.seen or pid == self.root:
                    continue
                below = parent == self.root or self.seen.get(parent) == table.get(parent, (0, -1))[1]
                if below or (parent == me and _has_marker(pid, self.marker)):
                    self.seen[pid] = started
                    changed = True
        return table

    def sweep(self) -> list[int]:
        """Kill and reap every recorded descendant still alive; the pids killed."""
        killed: list[int] = []
        me = os.getpid()
        for _ in range(SWEEP_ROUNDS):
            table = self.scan(force=True)
            living = [
                pid
                for pid, started in self.seen.items()
                if pid in table and table[pid][1] == started and table[pid][2] != "Z"
            ]
            for pid in living:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            for pid, started in self.seen.items():  # our adopted zombies: reap them, nobody else will
                if pid in table and table[pid][0] == me and table[pid][1] == started:
                    with contextlib.suppress(ChildProcessError):
                        os.waitpid(pid, os.WNOHANG)
            if not living:
                break
            time.sleep(SWEEP_PAUSE_S)
        return killed
