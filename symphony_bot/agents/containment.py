"""Nothing an agent starts outlives its task.

Killing the agent's process group is not enough: claude, gemini and opencode start each tool command in a
session of its own (`setsid`), and a tool can do the same. The layers, strongest first:

1. **A uid of its own per task** (a bot running as root; `agents.agent_user`): after the task every process of
   that uid is killed (`agents.sweep`), whatever session, group or parent it chose. This needs no namespace and
   no capability beyond Docker's defaults: it is what holds in the action's container.
2. **A PID namespace per agent run**, as an extra layer where the machine allows it (`unshare --pid --fork
   --kill-child`, util-linux; a host where root has CAP_SYS_ADMIN, not the action's container): when the agent
   exits or is killed, the kernel kills every process left in its namespace. `/proc` is not remounted (Landlock,
   applied before `unshare` runs, forbids mounting); the private uid keeps other processes' `/proc` closed.
3. **Otherwise, without root (a weaker mode, refused unless allowed and then said aloud: `agents.posture`)**:
   the bot becomes a child subreaper and tracks the agent's descendants from `/proc` (process id and start time),
   recognising adopted orphans by the run's marker variable; after the agent ends, every recorded descendant
   still alive is killed. A process that both leaves the tree and drops the marker between two scans could
   escape this fallback.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from symphony_bot.agents import syscalls

UNSHARE = "unshare"
NAMESPACE_ARGS = ("--pid", "--fork", "--kill-child", "--mount-proc", "--")
PROBE_TIMEOUT_S = 10.0
PR_SET_CHILD_SUBREAPER = syscalls.PR_SET_CHILD_SUBREAPER
PR_GET_DUMPABLE = syscalls.PR_GET_DUMPABLE
PR_SET_DUMPABLE = syscalls.PR_SET_DUMPABLE
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
            f"no PID namespace here ({self.reason}); a bot running as root kills every process of the agent's own "
            "uid after each task; otherwise the agent's descendants are tracked as a child subreaper (a process "
            "that leaves the tree and drops the marker between two scans could escape)"
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
    return syscalls.prctl(option, value) == 0


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
    return syscalls.prctl_get(option)


def not_dumpable_for_the_run() -> bool:
    """The bot stays not dumpable from here to its exit: a process an agent left behind (where no private uid
    sweeps it) finds `/proc/<bot>/environ` and `mem` closed between tasks too."""
    return set_dumpable(False)


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
