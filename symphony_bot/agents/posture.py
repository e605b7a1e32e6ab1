"""Which containment promises hold on this machine, and which do not: weak mode is never silent.

`assess()` lists each promise that cannot hold here, in words a maintainer can act on:
- not root: the agent cannot get a uid of its own, so it shares the bot's (no sweep by uid, no private tree);
- no Landlock: nothing confines what the agent writes, reads or connects to beyond its uid's rights;
- a socket the container has mounted (`/var/run/docker.sock`, any socket mount point) that every uid may
  connect to, or a runner file (`/github/file_commands`, `/github/workflow`, the event file, the step's command
  files) that every uid may write — or read, where no Landlock keeps the agent out of `/github`.
`run`, `autorun` and the Action refuse to run agents while the list is not empty, unless
`--allow-weak-containment` (input `allow-weak-containment`); then each weakness is said on stderr, in the status
comment and in the job summary. The bot also stays non-dumpable for the whole run (`containment`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from symphony_bot.agents import landlock

ALLOW_FLAG = "--allow-weak-containment"
ALLOW_ENV = "SYMPHONY_ALLOW_WEAK_CONTAINMENT"
DOCKER_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock")
RUNNER_PATHS = ("/github/file_commands", "/github/workflow", "/github/home")
RUNNER_FILE_VARIABLES = ("GITHUB_EVENT_PATH", "GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_STATE")
MOUNTINFO = "/proc/self/mountinfo"
NOT_ROOT = (
    "the bot is not running as root, so the agent cannot get a uid of its own: it runs as the bot's user, can "
    "signal and outlive the bot's other processes, and may reach every file the bot may; run the bot as root "
    "(the action does)"
)
NO_LANDLOCK = "no Landlock ({reason}): the agent may write, read and connect wherever its uid may"
SOCKET_OPEN = "{path} is a socket every user may connect to (mode {mode:o}): the agent could use it; make it 0660"
FILE_WRITABLE = "{path} may be written by every user (mode {mode:o}): the agent could change it"
FILE_READABLE = "{path} may be read by every user (mode {mode:o}) and no Landlock keeps the agent out"
REFUSAL = (
    "agent containment is weaker here than the agent's code deserves: {weaknesses}. Fix what is named, or run "
    f"anyway with {ALLOW_FLAG} (action input `allow-weak-containment: true`)"
)
WEAK_NOTICE = "Weak agent containment (allowed by {flag}): {weakness}"


@dataclass(frozen=True)
class Posture:
    weaknesses: tuple[str, ...]

    @property
    def weak(self) -> bool:
        return bool(self.weaknesses)

    def refusal(self) -> str:
        return REFUSAL.format(weaknesses="; ".join(self.weaknesses))

    def notices(self) -> list[str]:
        return [WEAK_NOTICE.format(flag=ALLOW_FLAG, weakness=weakness) for weakness in self.weaknesses]


def mounted_sockets(mountinfo: str = MOUNTINFO) -> list[str]:
    """Mount points that are sockets (a bind-mounted docker.sock, for one)."""
    try:
        with open(mountinfo, encoding="utf-8", errors="replace") as lines:
            points = [line.split()[4] for line in lines if len(line.split()) > 4]
    except OSError:
        return []
    found = []
    for point in points:
        path = point.encode("latin-1", "replace").decode("unicode_escape", "replace")  # \040 for a space
        try:
            if stat.S_ISSOCK(os.stat(path).st_mode):
                found.append(path)
        except (OSError, ValueError):
            continue
    return found


def _exposures(paths: Iterable[str], sockets: Iterable[str], landlocked: bool) -> list[str]:
    found: list[str] = []
    for path in dict.fromkeys(sockets):
        try:
            mode = os.stat(path).st_mode
        except OSError:
            continue
        if stat.S_ISSOCK(mode) and mode & stat.S_IWOTH:
            found.append(SOCKET_OPEN.format(path=path, mode=stat.S_IMODE(mode)))
    for path in dict.fromkeys(paths):
        try:
            mode = os.stat(path).st_mode
        except OSError:
            continue
        if mode & stat.S_IWOTH and not (stat.S_ISDIR(mode) and mode & stat.S_ISVTX and landlocked):
            found.append(FILE_WRITABLE.format(path=path, mode=stat.S_IMODE(mode)))
        elif mode & stat.S_IROTH and not landlocked:
            found.append(FILE_READABLE.format(path=path, mode=stat.S_IMODE(mode)))
    return found


def assess(environ: Mapping[str, str] | None = None, *, as_root: bool | None = None) -> Posture:
    """Every containment promise that cannot hold for an agent started from this process."""
    env = os.environ if environ is None else environ
    weaknesses: list[str] = []
    if not (os.geteuid() == 0 if as_root is None else as_root):
        weaknesses.append(NOT_ROOT)
    reason = landlock.unavailable_reason()
    if reason is not None:
        weaknesses.append(NO_LANDLOCK.format(reason=reason))
    runner_files = [value for name in RUNNER_FILE_VARIABLES if (value := env.get(name))]
    weaknesses += _exposures(
        [*RUNNER_PATHS, *runner_files], [*DOCKER_SOCKETS, *mounted_sockets()], landlocked=reason is None
    )
    return Posture(tuple(weaknesses))


def agent_notices(agent_name: str) -> list[str]:
    """What is weaker for this agent CLI in particular, said aloud beside the machine's posture. Nothing today:
    every CLI (codex with its own sandbox off, opencode) runs under the same Landlock rules where the kernel has
    them, and where it has none `assess` says so for all of them."""
    return []


def allowed_by_environment(environ: Mapping[str, str] | None = None) -> bool:
    value = (os.environ if environ is None else environ).get(ALLOW_ENV, "")
    return value.strip().lower() in {"1", "true", "yes"}
