"""Before the first task: can the user the agent runs as start the agent's executable at all?

Without this, an agent its user cannot start fails every task the same way (`exit 126: Permission denied`), is
retried as a flaky agent and the run ends `stalled`. Checked here, the run refuses at once, naming the file, the
user and the fix.

Who starts what, and with whose rights:
- A bot running as root starts each task as a fresh uid (`agents.identity`) through `setpriv`, which still holds
  root's rights when it calls `execve`: the kernel finds the agent's file, and for a script the interpreter of its
  `#!` line, with root's rights (so the file needs only some x bit). Everything after that runs as the uid, which
  owns nothing and is in no group: for it only the "other" bits count. It must enter every folder on the way to
  a script (its interpreter opens the script by path) and read it; `#!/usr/bin/env PROG` has `env`, running as the
  uid, look PROG up on the agent's PATH and start it, so PROG needs o+x and every folder on its way o+x.
- Otherwise (not root, weak mode) the agent runs as the bot's own user: `os.access` answers exactly.
A program the kernel starts with root's rights from a folder the uid may not enter still starts, but reads its
own installation (a Python's standard library, say) as the uid: that is a warning, not a refusal.

Paths are walked the way the kernel resolves them: component by component, following every symbolic link.
A fresh uid is in no group and named in no access control list, so the "other" bits answer for it exactly.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from symphony_bot.agents.identity import FIRST_UID

SHEBANG = b"#!"
BINPRM_BUF_SIZE = 256  # how much of a script's first line the kernel reads (linux/binfmts.h)
MAX_SYMLINKS = 40  # the kernel's limit before ELOOP
MAX_INTERPRETER_DEPTH = 4  # the kernel allows a few nested interpreters (BINPRM_MAX_RECURSION)
ENV_PROGRAM = "env"
PER_TASK_USER = f"an unprivileged per-task user (uid {FIRST_UID}+, in no group)"
OWN_USER = "the bot's own user {name} (uid {uid})"
WIDE_INSTALL = "or install the agent where every user may run it (such as under /usr/local)"
CANNOT_START = "cannot start the {agent} agent: it runs as {user}, {problem}{found}; fix: {fix}"
FOUND_AS = " (`{program}` is {found})"
ENTER_FOLDER = "which may not enter {folder} on the way to {target}"
NOT_RUNNABLE = "which may not run {target}"
NOT_READABLE = "which may not read {target} (a script: its interpreter reads it)"
NOT_A_FILE = "but {target} does not exist or is not a file"
NO_X_BIT = "but {target} is not executable"
AN_INTERPRETER = "{problem}, the interpreter in the `#!` line of {script}"
ENV_NOT_FOUND = "but {name}, which the `#!` line of {script} has env start, is not on the agent's PATH"
OUT_OF_REACH = (
    "the {agent} agent's {target} lies in {folder}, which {user} may not enter: root starts it, but it then reads "
    "its own installation as that user and may fail there; fix: {fix}"
)


@dataclass(frozen=True)
class StartCheck:
    """The verdict: `refusal` (one sentence: the file, the user, the fix) or None; `warnings` to say anyway."""

    refusal: str | None = None
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class _User:
    """Who the agent runs as: a fresh uid (only the "other" bits count) or the bot's own user (os.access)."""

    per_task_uid: bool

    def describe(self) -> str:
        if self.per_task_uid:
            return PER_TASK_USER
        uid = os.geteuid()
        try:
            name = pwd.getpwuid(uid).pw_name
        except KeyError:
            name = str(uid)
        return OWN_USER.format(name=name, uid=uid)

    def may_enter(self, folder: str) -> bool:
        if not self.per_task_uid:
            return os.access(folder, os.X_OK)
        try:
            return bool(os.stat(folder).st_mode & stat.S_IXOTH)
        except OSError:
            return False

    def may(self, path: str, right: int) -> bool:
        """`right` is os.X_OK or os.R_OK, on the file itself (its folders are checked apart)."""
        if not self.per_task_uid:
            return os.access(path, right)
        bit = stat.S_IXOTH if right == os.X_OK else stat.S_IROTH
        try:
            return bool(os.stat(path).st_mode & bit)
        except OSError:
            return False


class _Refused(Exception):
    def __init__(self, what: str, fix: str) -> None:
        super().__init__(what)
        self.what = what
        self.fix = fix


def walk(path: str, cwd: str) -> tuple[list[str], str]:
    """The folders the kernel searches to reach `path` (every symbolic link followed, the last one too) and the
    path it reaches. A relative `path` starts at `cwd` (whose own parents the process has already passed)."""
    current = "/" if path.startswith("/") else os.path.abspath(cwd)
    parts = deque(path.split("/"))
    searched: list[str] = []
    links = 0
    while parts:
        part = parts.popleft()
        if part in ("", "."):
            continue
        searched.append(current)
        if part == "..":
            current = os.path.dirname(current)
            continue
        candidate = os.path.join(current, part)
        if os.path.islink(candidate) and links < MAX_SYMLINKS:
            links += 1
            target = os.readlink(candidate)
            if target.startswith("/"):
                current = "/"
            parts.extendleft(reversed(target.split("/")))
            continue
        current = candidate
    return list(dict.fromkeys(searched)), current


def shebang(path: str) -> tuple[str, str] | None:
    """(interpreter, its one optional argument) of a script's `#!` line, split as the kernel splits it; None for a
    file that is not a script (or cannot be read here)."""
    try:
        with open(path, "rb") as file:
            head = file.read(BINPRM_BUF_SIZE)
    except OSError:
        return None
    if not head.startswith(SHEBANG):
        return None
    line = head[len(SHEBANG) :].split(b"\n", 1)[0].strip(b" \t")
    interpreter, _, argument = line.replace(b"\t", b" ").partition(b" ")
    if not interpreter:
        return None
    return os.fsdecode(interpreter), os.fsdecode(argument.strip(b" \t"))


def env_program(argument: str) -> str | None:
    """The program `#!/usr/bin/env ARGUMENT` starts: the first word that is no option and no assignment (`-S`
    splits the rest into words, as env does); None when there is none."""
    words = argument[2:].split() if argument.startswith("-S") else [argument]
    for word in words:
        if word and not word.startswith("-") and "=" not in word:
            return word
    return None


def find_program(name: str, search_path: str, cwd: str) -> str | None:
    """Where exec finds `name`: on `search_path` for a bare name, else relative to `cwd`."""
    if "/" in name:
        candidate = os.path.join(cwd, name)
        return candidate if os.path.lexists(candidate) else None
    return shutil.which(name, mode=os.F_OK, path=search_path)


def program_of(agent: object) -> str | None:
    """The executable an adapter starts (its argv[0]): the command agent's command, a CLI adapter's executable."""
    argv = getattr(agent, "argv", None)
    if isinstance(argv, list) and argv:
        return str(argv[0])
    executable = getattr(agent, "executable", None)
    return executable if isinstance(executable, str) else None


def check_start(
    agent_name: str, program: str, *, per_task_uid: bool, search_path: str | None = None, cwd: str | Path | None
) -> StartCheck:
    """Whether the agent `program` (its argv[0], found as exec finds it) can be started by the user the agent runs
    as: a fresh per-task uid (`per_task_uid`, a bot running as root) or the bot's own user. `cwd` is the agent's
    working folder; None when it does not exist yet (a relative path is then left to the first task). A program
    that cannot be found is left to the first task too (it reports AGENT_NOT_FOUND with the CLI's install hint)."""
    search_path = os.environ.get("PATH", os.defpath) if search_path is None else search_path
    if cwd is None:
        if "/" in program and not program.startswith("/"):
            return StartCheck()
        cwd = "/"
    found = find_program(program, search_path, str(cwd))
    if found is None:
        return StartCheck()
    walker = _Walker(agent_name, _User(per_task_uid), search_path, str(cwd))
    try:
        walker.check(found, privileged=per_task_uid, depth=0)
    except _Refused as refused:
        sentence = CANNOT_START.format(
            agent=agent_name,
            user=walker.user.describe(),
            problem=refused.what,
            found="" if program == found else FOUND_AS.format(program=program, found=found),
            fix=refused.fix,
        )
        return StartCheck(sentence)
    return StartCheck(None, tuple(walker.warnings))


@dataclass
class _Walker:
    """One check: who the agent runs as, where exec looks, and the warnings said so far."""

    agent_name: str
    user: _User
    search_path: str
    cwd: str
    warnings: list[str] = field(default_factory=list)

    def check(self, path: str, *, privileged: bool, depth: int) -> None:
        """`path` started by exec: by setpriv with root's rights (`privileged`), or by the agent's user."""
        folders, target = walk(path, self.cwd)
        if not os.path.isfile(target):
            raise _Refused(NOT_A_FILE.format(target=target), f"install it, or correct the path, {WIDE_INSTALL}")
        blocked = next((folder for folder in folders if not self.user.may_enter(folder)), None)
        if privileged:
            if not os.stat(target).st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH):
                raise _Refused(NO_X_BIT.format(target=target), f"`chmod a+x {target}`")
            if blocked is not None:
                fix = f"`chmod o+x {blocked}`, {WIDE_INSTALL}"
                warning = OUT_OF_REACH.format(
                    agent=self.agent_name, target=target, folder=blocked, user=self.user.describe(), fix=fix
                )
                self.warnings.append(warning)
        else:
            self._enter_all(folders, target)
            if not self.user.may(target, os.X_OK):
                raise _Refused(NOT_RUNNABLE.format(target=target), f"`chmod o+rx {target}`, {WIDE_INSTALL}")
        line = shebang(target)
        if line is None or depth >= MAX_INTERPRETER_DEPTH:
            return
        # A script: its interpreter runs as the agent's user and opens the script by the path exec was given.
        self._enter_all(folders, target)
        if not self.user.may(target, os.R_OK):
            raise _Refused(NOT_READABLE.format(target=target), f"`chmod o+rx {target}`, {WIDE_INSTALL}")
        interpreter, argument = line
        try:
            self.check(interpreter, privileged=privileged, depth=depth + 1)
        except _Refused as refused:
            raise _Refused(AN_INTERPRETER.format(problem=refused.what, script=target), refused.fix) from None
        name = env_program(argument) if os.path.basename(interpreter) == ENV_PROGRAM else None
        if name is not None:
            self._check_env_program(name, target, depth)

    def _check_env_program(self, name: str, script: str, depth: int) -> None:
        """`env` runs as the agent's user and starts `name` as execvp does: the first one on PATH it may start."""
        if "/" in name:
            self.check(name, privileged=False, depth=depth + 1)
            return
        first: _Refused | None = None
        for folder in self.search_path.split(os.pathsep):
            candidate = os.path.join(folder or ".", name)
            if not os.path.lexists(candidate):
                continue
            try:
                self.check(candidate, privileged=False, depth=depth + 1)
            except _Refused as refused:
                first = first or refused
                continue
            return
        if first is not None:
            raise first
        raise _Refused(ENV_NOT_FOUND.format(name=name, script=script), f"install {name} on the agent's PATH")

    def _enter_all(self, folders: list[str], target: str) -> None:
        for folder in folders:
            if not self.user.may_enter(folder):
                what = ENTER_FOLDER.format(folder=folder, target=target)
                raise _Refused(what, f"`chmod o+x {folder}`, {WIDE_INSTALL}")
