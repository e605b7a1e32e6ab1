"""Running one agent process under watch.

The agent runs in its own process group so that a timeout, an inactivity limit or a stop request kills
everything it started — no orphan keeps editing the work tree after the engine moved on. Output is read
concurrently (no pipe deadlock) and kept to a bounded tail.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections import deque
from typing import IO, TYPE_CHECKING

from symphony_bot.agents.base import AgentResult, Outcome, OutputCallback, TaskRequest

if TYPE_CHECKING:
    from symphony_bot.agents.base import CliAgent

KEEP_OUTPUT_BYTES = 10 * 1024 * 1024
POLL_SECONDS = 0.02
KILL_GRACE_SECONDS = 2.0
STDERR_TAIL_CHARS = 2000

INSTALL_HINTS = {
    "claude": "npm install -g @anthropic-ai/claude-code",
    "codex": "npm install -g @openai/codex",
    "opencode": "npm install -g opencode-ai",
    "gemini": "npm install -g @google/gemini-cli",
}


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
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_agent_process(
    agent: CliAgent, request: TaskRequest, stop: threading.Event, on_output: OutputCallback | None = None
) -> AgentResult:
    started = time.monotonic()
    request.scratch_dir.mkdir(parents=True, exist_ok=True)
    invocation = agent.invocation(request)
    try:
        process = subprocess.Popen(
            invocation.argv,
            cwd=invocation.cwd,
            env=invocation.env,
            stdin=subprocess.PIPE if invocation.stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except (FileNotFoundError, PermissionError) as error:
        hint = INSTALL_HINTS.get(agent.name)
        return AgentResult(
            outcome=Outcome.NOT_FOUND,
            error=f"cannot start the {agent.name} agent ({invocation.argv[0]}): {error.strerror or error}"
            + (f"; install it with `{hint}` or pass its path" if hint else ""),
            elapsed_s=time.monotonic() - started,
        )

    assert process.stdout is not None and process.stderr is not None
    stdout, stderr = _Tail(), _Tail()
    threads = [
        threading.Thread(target=_pump, args=(process.stdout, stdout, on_output), daemon=True),
        threading.Thread(target=_pump, args=(process.stderr, stderr, None), daemon=True),
    ]
    if invocation.stdin is not None and process.stdin is not None:
        threads.append(threading.Thread(target=_feed, args=(process.stdin, invocation.stdin), daemon=True))
    for thread in threads:
        thread.start()

    interrupted: Outcome | None = None
    while process.poll() is None:
        now = time.monotonic()
        if stop.is_set():
            interrupted = Outcome.CANCELLED
        elif request.task_timeout_s is not None and now - started > request.task_timeout_s:
            interrupted = Outcome.TIMEOUT
        elif (
            request.inactivity_timeout_s is not None
            and now - max(stdout.last_activity, stderr.last_activity) > request.inactivity_timeout_s
        ):
            interrupted = Outcome.INACTIVE
        if interrupted is not None:
            break
        stop.wait(POLL_SECONDS)
    # Always sweep the group: an agent may leave background children behind even when it exits by itself.
    kill_process_group(process)
    for thread in threads:
        thread.join(timeout=KILL_GRACE_SECONDS)
    elapsed = time.monotonic() - started
    out, err = stdout.text(), stderr.text()

    if interrupted is not None:
        if interrupted is Outcome.CANCELLED:
            reason = "was stopped on request"
        elif interrupted is Outcome.TIMEOUT:
            reason = f"took longer than the task timeout of {request.task_timeout_s or 0:g} s"
        else:
            reason = f"printed nothing for {request.inactivity_timeout_s or 0:g} s"
        return AgentResult(
            outcome=interrupted,
            error=f"the agent {reason} and was killed",
            exit_code=process.returncode,
            elapsed_s=elapsed,
        )

    parsed = agent.parse(out, err, process.returncode)
    if parsed.rate_limited:
        outcome = Outcome.RATE_LIMITED
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
