"""Running one agent process under watch.

The agent runs in its own process group, under a uid of its own when the bot is root (every process of it is
killed after the task), in a PID namespace of its own where the machine allows it, and confined by Landlock
where the kernel has it (see `symphony_bot.agents.containment` and `.landlock`), so that a timeout, an
inactivity limit, a stop request or its own exit leaves nothing it started running — no orphan keeps editing
the work tree after the engine moved on, not even one in a session of its own. Output is read concurrently (no
pipe deadlock) and kept to a bounded tail.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from functools import partial
from pathlib import Path
from typing import IO

from symphony_bot.agents import agent_user, containment, landlock
from symphony_bot.agents.api_trouble import KINDS, OUTCOMES, REASONS, TroubleWatch, classify
from symphony_bot.agents.base import (
    AgentResult,
    AgentSetupError,
    Invocation,
    Outcome,
    OutputCallback,
    ParsedOutput,
    ProcessAgent,
    TaskRequest,
    Usage,
)
from symphony_bot.agents.identity import Identity

KEEP_OUTPUT_BYTES = 10 * 1024 * 1024
MAX_LINE_BYTES = 1024 * 1024
POLL_SECONDS = 0.02
KILL_GRACE_SECONDS = 2.0
STDERR_TAIL_CHARS = 2000


class _Tail:
    """The last KEEP_OUTPUT_BYTES of a stream, plus the time anything last arrived."""

    def __init__(self) -> None:
        self.chunks: deque[bytes] = deque()
        self.size = 0
        self.last_activity = time.monotonic()
        self.truncated = False

    def add(self, chunk: bytes) -> None:
        self.last_activity = time.monotonic()
        self.chunks.append(chunk)
        self.size += len(chunk)
        while self.size > KEEP_OUTPUT_BYTES and len(self.chunks) > 1:
            self.size -= len(self.chunks.popleft())
            self.truncated = True

    def text(self) -> str:
        return b"".join(self.chunks).decode("utf-8", errors="replace")


def _pump(stream: IO[bytes], tail: _Tail, on_output: OutputCallback | None) -> None:
    pending = b""
    reader = getattr(stream, "read1", stream.read)
    while chunk := reader(65536):
        tail.add(chunk)
        if on_output is not None:
            pending += chunk
            *lines, pending = pending.split(b"\n")
            if len(pending) > MAX_LINE_BYTES:  # one endless line: hand it on in pieces, keep memory bounded
                lines.append(pending)
                pending = b""
            for line in lines:
                on_output(line.decode("utf-8", errors="replace"))
    if on_output is not None and pending:
        on_output(pending.decode("utf-8", errors="replace"))
    stream.close()


def _feed(stream: IO[bytes], data: bytes) -> None:
    with contextlib.suppress(BrokenPipeError, OSError):
        stream.write(data)
    with contextlib.suppress(BrokenPipeError, OSError):
        stream.close()


def kill_process_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the whole group, then SIGKILL whatever is still there after a grace period."""
    try:
        group = os.getpgid(process.pid)
    except ProcessLookupError:
        group = process.pid
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + KILL_GRACE_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None and not _group_alive(group):
            return
        time.sleep(POLL_SECONDS)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
    process.wait()


def _group_alive(group: int) -> bool:
    """True while a living member remains. Killed orphans linger as zombies until init reaps them (some
    container inits are slow at it); they hold nothing open, so they count as gone."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        entries = os.listdir("/proc")
    except OSError:
        return True
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ")"
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and int(fields[2]) == group and fields[0] != b"Z":
            return True
    return False


def _cannot_start(agent: ProcessAgent, argv0: str, error: OSError, started: float) -> AgentResult:
    """Popen failed: not installed (or not executable) stops the run; anything else is this task's failure."""
    reason = error.strerror or str(error)
    if isinstance(error, (FileNotFoundError, PermissionError)):
        hint = agent.install_hint
        return AgentResult(
            outcome=Outcome.NOT_FOUND,
            error=f"cannot start the {agent.name} agent ({argv0}): {reason}"
            + (
                f"; install it with `{hint}` or pass its path" if hint else "; check the path and that it is executable"
            ),
            elapsed_s=time.monotonic() - started,
        )
    if error.errno == errno.E2BIG:
        reason = "its arguments or environment are too large (E2BIG); pass large input on stdin or in a file"
    return AgentResult(
        outcome=Outcome.AGENT_ERROR,
        error=f"cannot start the {agent.name} agent ({argv0}): {reason}",
        elapsed_s=time.monotonic() - started,
    )


def _executable(name: str, env: dict[str, str], cwd: Path) -> str:
    """Where `name` is, looked up on the agent's PATH as exec would, with exec's errors: the contained start
    runs `unshare` first, which would otherwise report a missing agent as its own exit code 127."""
    if "/" in name:
        path = os.path.join(cwd, name)  # a relative path is relative to the agent's working directory, as for exec
        found: str | None = path if os.path.exists(path) else None
    else:
        found = shutil.which(name, mode=os.F_OK, path=env.get("PATH", os.defpath))
    if found is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name)
    if os.path.isdir(found) or not os.access(found, os.X_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), name)
    return found


def _landlock_ruleset(agent: ProcessAgent, request: TaskRequest, argv: list[str], env: dict[str, str]) -> int:
    """The Landlock ruleset for this agent process (-1 where the kernel has none: `agents.posture` says so).
    TCP: the loopback ports its environment names (the metering proxy's: every adapter puts its model URL
    there) and the allow-list; a CLI that talks to its model API itself (no proxy on its route) keeps the
    network."""
    if landlock.abi() == 0:
        return -1
    try:
        listed = (*request.allowed_tcp_ports, *landlock.environment_ports())
    except ValueError as error:
        raise AgentSetupError(str(error)) from error
    ports = tuple(dict.fromkeys((*landlock.loopback_ports(env.values()), *listed)))
    direct = getattr(agent, "reaches_model_api_itself", True) and not landlock.loopback_ports(env.values())
    readable = [
        *landlock.install_folders(argv[0]),
        *landlock.bot_interpreter_folders(argv[0]),
        *(Path(arg) for arg in argv[1:] if os.path.isfile(arg)),
        *landlock.named_files(env.values()),  # the donor's own CLI config (OPENCODE_CONFIG), a CA bundle
    ]
    confinement = landlock.Confinement(
        writable=(request.repo_dir, request.scratch_dir),
        readable=tuple(readable),
        tcp_ports=None if direct else ports,
    )
    try:
        return landlock.ruleset(confinement)
    except OSError as error:
        raise AgentSetupError(f"cannot build the agent's Landlock rules: {error}") from error


def _wait_for_exit(process: subprocess.Popen[bytes], exited: threading.Event) -> None:
    process.wait()
    exited.set()


def run_agent_process(
    agent: ProcessAgent, request: TaskRequest, stop: threading.Event, on_output: OutputCallback | None = None
) -> AgentResult:
    """Run one agent process to the end, a timeout, inactivity or a stop request, and read its result."""
    started = time.monotonic()
    try:
        request.scratch_dir.mkdir(parents=True, exist_ok=True)
        invocation = agent.invocation(request)
    except AgentSetupError as error:
        return AgentResult(outcome=Outcome.NOT_FOUND, error=str(error), elapsed_s=time.monotonic() - started)
    except OSError as error:
        return AgentResult(
            outcome=Outcome.AGENT_ERROR,
            error=f"cannot prepare the {agent.name} agent's run: {error}",
            elapsed_s=time.monotonic() - started,
        )
    if not invocation.cwd.is_dir():
        return AgentResult(
            outcome=Outcome.AGENT_ERROR,
            error=f"the working directory {invocation.cwd} of the {agent.name} agent does not exist",
            elapsed_s=time.monotonic() - started,
        )
    try:
        with agent_user.handed_over(request) as user, containment.not_dumpable():
            return _run(agent, request, invocation, user, stop, on_output, started)
    except agent_user.AgentUserError as error:
        # Not this task's fault: nothing can run until the machine is fixed, so the run stops.
        return AgentResult(
            outcome=Outcome.NOT_FOUND,
            error=f"cannot start the {agent.name} agent as its own user: {error}",
            elapsed_s=time.monotonic() - started,
        )


def _run(  # noqa: PLR0917 (one call site, the steps of one run)
    agent: ProcessAgent,
    request: TaskRequest,
    invocation: Invocation,
    user: Identity | None,
    stop: threading.Event,
    on_output: OutputCallback | None,
    started: float,
) -> AgentResult:
    marker = containment.new_marker()
    env = {**invocation.env, containment.MARKER_ENV: marker}
    contained = containment.containment()
    ruleset = -1
    try:
        argv = [_executable(invocation.argv[0], env, invocation.cwd), *invocation.argv[1:]]
        ruleset = _landlock_ruleset(agent, request, argv, env)
        if user is not None:
            argv = agent_user.drop_privileges(user, argv)
        elif not contained.namespace:
            containment.become_subreaper()
        # In a PID namespace Landlock comes after `unshare` has mounted /proc (a confined process may not
        # mount): a small launcher applies it; otherwise the child applies it itself just before exec.
        in_namespace = contained.namespace and ruleset >= 0
        if in_namespace:
            argv = landlock.launcher_argv(ruleset, argv)
        process = subprocess.Popen(
            containment.contained_argv(argv),
            cwd=invocation.cwd,
            env=env,
            stdin=subprocess.PIPE if invocation.stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            pass_fds=(ruleset,) if in_namespace else (),
            preexec_fn=landlock.restrict_in_child(ruleset) if ruleset >= 0 and not in_namespace else None,  # noqa: PLW1509 (C calls only)
        )
    except OSError as error:
        return _cannot_start(agent, invocation.argv[0], error, started)
    except AgentSetupError as error:
        return AgentResult(outcome=Outcome.NOT_FOUND, error=str(error), elapsed_s=time.monotonic() - started)
    finally:
        if ruleset >= 0:
            os.close(ruleset)

    assert process.stdout is not None and process.stderr is not None
    stdout, stderr = _Tail(), _Tail()
    watch = TroubleWatch(agent)

    def read_stdout(line: str) -> None:
        watch.line(line)
        if on_output is not None:
            on_output(line)

    exited = threading.Event()
    threads = [
        threading.Thread(target=_pump, args=(process.stdout, stdout, read_stdout), daemon=True),
        threading.Thread(target=_pump, args=(process.stderr, stderr, partial(watch.line, resets=False)), daemon=True),
        # Wakes the watch loop the moment the process ends, instead of at the next poll.
        threading.Thread(target=_wait_for_exit, args=(process, exited), daemon=True),
    ]
    if invocation.stdin is not None and process.stdin is not None:
        threads.append(threading.Thread(target=_feed, args=(process.stdin, invocation.stdin), daemon=True))
    for thread in threads:
        thread.start()

    # Also in a PID namespace: the kernel kills what is left when the namespace's first process dies, but not
    # before we have reaped `unshare`; the sweep waits until every process we saw below it is gone.
    # With a uid of its own, every process of that uid is the agent's and is swept by uid after the task
    # (`agent_user.handed_over`): no /proc scan while it runs.
    tracker = containment.DescendantTracker(process.pid, marker) if user is None else None
    interrupted: Outcome | None = None
    while not exited.wait(POLL_SECONDS):
        if tracker is not None:
            tracker.scan()
        now = time.monotonic()
        if stop.is_set():
            interrupted = Outcome.CANCELLED
        elif watch.found is not None:
            interrupted = watch.found[0]
        elif request.task_timeout_s is not None and now - started > request.task_timeout_s:
            interrupted = Outcome.TIMEOUT
        elif (
            request.inactivity_timeout_s is not None
            and now - max(stdout.last_activity, stderr.last_activity) > request.inactivity_timeout_s
        ):
            interrupted = Outcome.INACTIVE
        if interrupted is not None:
            break
    # Always sweep: an agent may leave background children behind even when it exits by itself. In a PID
    # namespace the kernel kills them with the agent; otherwise the tracker finds them.
    if tracker is not None:
        tracker.scan(force=True)
    kill_process_group(process)
    if tracker is not None:
        tracker.sweep()
    for thread in threads:
        thread.join(timeout=KILL_GRACE_SECONDS)
    elapsed = time.monotonic() - started
    out, err = stdout.text(), stderr.text()

    # An adapter's parser meeting output it never saw must fail this task, not crash the run.
    try:
        parsed: ParsedOutput | None = agent.parse(out, err, process.returncode)
        parse_error = None
    except Exception as error:
        parsed = None
        parse_error = f"could not read the {agent.name} agent's output: {type(error).__name__}: {error}"

    if interrupted is not None:
        if watch.found is not None and interrupted is watch.found[0]:
            reason = f"was stopped: {REASONS[KINDS[interrupted]]}: {watch.found[1]}"
        elif interrupted is Outcome.CANCELLED:
            reason = "was stopped on request"
        elif interrupted is Outcome.TIMEOUT:
            reason = f"took longer than the task timeout of {request.task_timeout_s or 0:g} s"
        else:
            reason = f"printed nothing for {request.inactivity_timeout_s or 0:g} s"
        # What it printed before the kill still counts: the session id and the tokens already spent.
        return AgentResult(
            outcome=interrupted,
            text=parsed.text if parsed else "",
            session_id=parsed.session_id if parsed else None,
            usage=parsed.usage if parsed else Usage(),
            error=f"the agent {reason} and was killed",
            exit_code=process.returncode,
            elapsed_s=elapsed,
        )

    if parsed is None:
        return AgentResult(
            outcome=Outcome.AGENT_ERROR, error=parse_error, exit_code=process.returncode, elapsed_s=elapsed
        )
    trouble = classify(parsed.error) if agent.classifies_errors and not parsed.success else None
    if parsed.rate_limited:
        outcome = Outcome.RATE_LIMITED
    elif trouble is not None:
        outcome = OUTCOMES[trouble]
    elif parsed.success:
        outcome = Outcome.OK
    else:
        outcome = Outcome.AGENT_ERROR
    failure = None
    if outcome is not Outcome.OK:
        failure = parsed.error or err.strip()[-STDERR_TAIL_CHARS:] or f"the agent exited with code {process.returncode}"
    return AgentResult(
        outcome=outcome,
        text=parsed.text,
        session_id=parsed.session_id,
        usage=parsed.usage,
        exit_code=process.returncode,
        error=failure,
        elapsed_s=elapsed,
    )
