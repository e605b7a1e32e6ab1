"""How a cancelled or timed-out job ends inside the action's container: PID 1's signal handling.

GitHub's runner cancels a step by signalling the process it started — for a container action, the `docker run`
that proxies the signal to the container's PID 1 — with SIGINT, then SIGTERM 7.5 s later, then SIGKILL 2.5 s
after that (actions/runner, src/Runner.Sdk/ProcessInvoker.cs: `_sigintTimeout` = 7500 ms, `_sigtermTimeout` =
2500 ms; a job's time-out goes down the same ladder). Its `docker run` has no `--init`, so `symphony-bot action`
*is* PID 1, and the kernel gives PID 1 no default action for a signal it does not handle: unhandled, SIGTERM is
ignored until SIGKILL, and Python's own SIGINT handler makes click print `Aborted!` and exit before anything is
finalised.

So both signals are handled, from the first line of the step:
* while the step waits for a child command (`symphony-bot run`, `cancel`, `finalize`), the signal is forwarded
  to it as SIGTERM — the run stops its agent, pushes what is committed and finalises the status comment as
  *stopped* — and the step keeps reading it to the end, then writes its outputs and summary as usual;
* otherwise the step stops where it is (`StepStopped`), and `action.main` writes outputs and a summary saying so.
A second signal (the runner's SIGTERM after SIGINT) is forwarded again and never interrupts the finishing.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import FrameType

HANDLED = (signal.SIGINT, signal.SIGTERM)
FORWARDED = signal.SIGTERM  # the runner's `symphony-bot run` treats both alike; SIGTERM is the unambiguous one


class StepStopped(Exception):
    """A signal arrived while the step had no child to forward it to."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class StepSignals:
    received: int | None = None
    children: list[subprocess.Popen[str]] = field(default_factory=list)
    spawning: bool = False  # a child is being started: record the signal, forward it once the child exists
    shielded: bool = False  # outputs and summary are being written: never interrupt that

    @property
    def name(self) -> str | None:
        return signal.Signals(self.received).name if self.received is not None else None

    def handle(self, signum: int, _frame: FrameType | None = None) -> None:
        first = self.received is None
        self.received = signum
        if self.children:
            for child in self.children:
                _forward(child)
            return
        if first and not self.spawning and not self.shielded:
            raise StepStopped(signum)

    @contextlib.contextmanager
    def starting_child(self) -> Iterator[None]:
        """Around starting a child: a signal that arrives meanwhile is forwarded as soon as it is registered."""
        self.spawning = True
        try:
            yield
        finally:
            self.spawning = False

    @contextlib.contextmanager
    def forwarding_to(self, child: subprocess.Popen[str]) -> Iterator[None]:
        self.children.append(child)
        if self.received is not None:
            _forward(child)
        try:
            yield
        finally:
            self.children.remove(child)

    @contextlib.contextmanager
    def shield(self) -> Iterator[None]:
        self.shielded = True
        try:
            yield
        finally:
            self.shielded = False


_INSTALLED: list[StepSignals] = []  # the process's one handler, once installed


def install() -> StepSignals:
    """Handle SIGINT and SIGTERM for the rest of the process (the step): see the module docstring."""
    handler = StepSignals()
    _INSTALLED[:] = [handler]
    for signum in HANDLED:
        signal.signal(signum, handler.handle)
    return handler


def current() -> StepSignals:
    """The installed handler, or an inert one (the step runs in-process in tests, without handlers)."""
    return _INSTALLED[0] if _INSTALLED else StepSignals()


def _forward(child: subprocess.Popen[str]) -> None:
    if child.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(FORWARDED)


def uninstall() -> None:
    """Back to Python's defaults (tests run steps in-process, one after another)."""
    _INSTALLED.clear()
    for signum in HANDLED:
        signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL)
