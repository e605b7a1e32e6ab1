"""Keeps the status comment (and the PR body) current without tripping GitHub's secondary limits.

At most one progress edit per `interval` seconds (10 s by default); a change of phase is published at once;
never more than `max_per_minute` writes in any minute (GitHub's content-creation limit is 80); and `final()`
always writes. While the comment is current the spare slots refresh the PR body's task list instead, so the
two together still make at most one write per interval.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

DEFAULT_INTERVAL_SECONDS = 10.0
MAX_WRITES_PER_MINUTE = 80
HEARTBEAT_SECONDS = 1.0


class WriteLimiter:
    """A sliding one-minute window of writes; `acquire` waits for a free slot."""

    def __init__(
        self,
        per_minute: int = MAX_WRITES_PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.sleep = sleep
        self.recent: deque[float] = deque()
        self.total = 0
        self._lock = threading.Lock()  # the heartbeat and the run's own writes share the window

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self.clock()
                while self.recent and now - self.recent[0] >= 60:
                    self.recent.popleft()
                if len(self.recent) < self.per_minute:
                    self.recent.append(now)
                    self.total += 1
                    return
                wait = 60 - (now - self.recent[0])
            self.sleep(wait)


class Publisher:
    """`changed(phase_changed)` after every state change; `final()` once at the end."""

    def __init__(
        self,
        write_comment: Callable[[], None],
        write_pull: Callable[[], bool],
        limiter: WriteLimiter,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.write_comment = write_comment
        self.write_pull = write_pull  # False when there is no PR yet
        self.limiter = limiter
        self.interval = interval
        self.clock = clock
        self.lock = threading.RLock()  # held while the state changes and while it is rendered
        self.last_write = clock()
        self.comment_dirty = False
        self.pull_dirty = False
        self.edits = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def changed(self, urgent: bool = False, pull: bool = False) -> None:
        with self.lock:
            self.comment_dirty = True
            self.pull_dirty = self.pull_dirty or pull
            if urgent:
                self._write_comment()
            else:
                self.tick()

    def tick(self) -> None:
        """Write if a slot is due: the comment when it is stale, else the PR body."""
        with self.lock:
            if self.clock() - self.last_write < self.interval:
                return
            if self.pull_dirty and (not self.comment_dirty or self.edits % 3 == 2):
                self.limiter.acquire()
                if self.write_pull():
                    self.pull_dirty = False
                    self._wrote()
                    return
            if self.comment_dirty:
                self._write_comment()

    def final(self) -> None:
        self.stop_heartbeat()
        with self.lock:
            self._write_comment()

    def _write_comment(self) -> None:
        self.limiter.acquire()
        self.write_comment()
        self.comment_dirty = False
        self._wrote()

    def _wrote(self) -> None:
        self.last_write = self.clock()
        self.edits += 1

    # -- a heartbeat, so a long task still shows its elapsed time ---------------------------------------------

    def start_heartbeat(self, on_error: Callable[[Exception], None]) -> None:
        def beat() -> None:
            while not self._stop.wait(HEARTBEAT_SECONDS):
                try:
                    with self.lock:
                        self.comment_dirty = True  # the elapsed time moved on
                        self.tick()
                except Exception as error:  # a failed edit must not kill the run; the next tick retries
                    on_error(error)

        self._thread = threading.Thread(target=beat, name="status-heartbeat", daemon=True)
        self._thread.start()

    def stop_heartbeat(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
            self._thread = None
