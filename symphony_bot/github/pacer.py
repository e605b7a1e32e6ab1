"""One pacer for all the GitHub traffic of one token in this process: REST and GraphQL, every client instance.

GitHub's secondary rate limits, not fixed pauses, decide when a request may go out
(https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits):

- no more than 100 concurrent requests;
- no more than 900 points a minute for REST and 2,000 for GraphQL, where a read (GET, HEAD, OPTIONS; a GraphQL
  query) costs 1 point and a write (POST, PATCH, PUT, DELETE; a GraphQL mutation) costs 5
  (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#calculating-points-for-the-secondary-rate-limit);
- no more than 80 content-generating requests a minute and 500 an hour; and GitHub's best-practice advice,
  "If you are making a large number of POST, PATCH, PUT, or DELETE requests for a single user or client ID, wait
  at least one second between each request"
  (https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#pause-between-mutative-requests).

Reads therefore go out unspaced while the budgets allow. Writes draw on a token bucket: a burst of `WRITE_BURST`
(so a short run is not slowed at all), then one a second for good (the burst does not come back after a pause),
and never past the minute and hour windows. A
`Retry-After` or an exhausted primary budget (`hold`) stops every request of the token until it has passed.

Pure bookkeeping with an injected clock; `sleep` is only called outside the lock.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

REST = "rest"
GRAPHQL = "graphql"
READ_POINTS = 1
WRITE_POINTS = 5
MAX_IN_FLIGHT = 100
POINTS_PER_MINUTE = {REST: 900, GRAPHQL: 2000}
WRITES_PER_MINUTE = 80
WRITES_PER_HOUR = 500
WRITE_BURST = 5
SECONDS_PER_WRITE = 1.0
MINUTE = 60.0
HOUR = 3600.0
SENT_LOG_LENGTH = 10_000
# Waits shorter than this are not slept: a millisecond early is nothing to GitHub, and float residue in the
# bucket's arithmetic must not become an endless series of ever smaller sleeps.
CLOCK_GRAIN = 0.001
_WRITE_VERBS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


def is_write_verb(verb: str) -> bool:
    return verb.upper() in _WRITE_VERBS


@dataclass(frozen=True)
class Limits:
    """The budgets one pacer keeps; `unlimited()` is for tests and local tools that must not wait at all."""

    max_in_flight: int = MAX_IN_FLIGHT
    rest_points_per_minute: int = POINTS_PER_MINUTE[REST]
    graphql_points_per_minute: int = POINTS_PER_MINUTE[GRAPHQL]
    writes_per_minute: int = WRITES_PER_MINUTE
    writes_per_hour: int = WRITES_PER_HOUR
    write_burst: int = WRITE_BURST
    seconds_per_write: float = SECONDS_PER_WRITE

    @classmethod
    def unlimited(cls) -> Limits:
        big = 10**9
        return cls(big, big, big, big, big, big, 0.0)

    def points_per_minute(self, api: str) -> int:
        return self.rest_points_per_minute if api == REST else self.graphql_points_per_minute


class Pacer:
    def __init__(
        self,
        limits: Limits | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limits = limits or Limits()
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)
        self._in_flight = 0
        self._held_until = float("-inf")
        self._slept_to = float("-inf")
        self._points: dict[str, deque[tuple[float, int]]] = {REST: deque(), GRAPHQL: deque()}
        self._writes: deque[float] = deque()  # times of the writes of the last hour
        self._bucket = float(self.limits.write_burst)
        self._burst_spent = False
        self._bucket_at = monotonic()
        # (time, api, write) of what went out, newest last: benchmarks and tests read the spacing from it
        self.sent: deque[tuple[float, str, bool]] = deque(maxlen=SENT_LOG_LENGTH)
        self.waited = 0.0

    @contextlib.contextmanager
    def request(self, api: str, *, write: bool) -> Iterator[None]:
        """Wait until a request of this kind may go out, count it, and hold one of the concurrent slots while
        it runs."""
        while True:
            with self._lock:
                now = self._now()
                wait = self._wait_for(api, write, now)
                if wait <= CLOCK_GRAIN:
                    self._admit(api, write, now)
                    break
                if wait == float("inf"):  # every concurrent slot is taken: the next one freed is ours
                    self._freed.wait()
                    continue
            self.waited += wait
            self._sleep(wait)
            with self._lock:
                self._slept_to = max(self._slept_to, now + wait)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
                self._freed.notify()

    def hold(self, seconds: float) -> None:
        """Send nothing more for `seconds` (GitHub said `Retry-After`, or a primary budget is spent until reset)."""
        with self._lock:
            self._held_until = max(self._held_until, self._now() + max(0.0, seconds))

    # --- internals (called with the lock held) ---

    def _now(self) -> float:
        # At least as late as every wait already slept: a clock that did not move while we slept (a test's) must
        # not keep us waiting for ever.
        return max(self._monotonic(), self._slept_to)

    def _wait_for(self, api: str, write: bool, now: float) -> float:
        self._forget_before(now)
        waits = [self._held_until - now]
        if self._in_flight >= self.limits.max_in_flight:
            return float("inf")
        cost = WRITE_POINTS if write else READ_POINTS
        window = self._points[api]
        if sum(points for _, points in window) + cost > self.limits.points_per_minute(api) and window:
            waits.append(window[0][0] + MINUTE - now)
        if write:
            self._refill(now)
            if self._bucket < 1:
                waits.append((1 - self._bucket) * self.limits.seconds_per_write)
            last_minute = [at for at in self._writes if at > now - MINUTE]
            if len(last_minute) >= self.limits.writes_per_minute:
                waits.append(last_minute[-self.limits.writes_per_minute] + MINUTE - now)
            if len(self._writes) >= self.limits.writes_per_hour:
                waits.append(self._writes[-self.limits.writes_per_hour] + HOUR - now)
        return max(waits)

    def _admit(self, api: str, write: bool, now: float) -> None:
        self._in_flight += 1
        self._points[api].append((now, WRITE_POINTS if write else READ_POINTS))
        if write:
            self._bucket -= 1
            self._burst_spent |= self._bucket < 1
            self._writes.append(now)
        self.sent.append((now, api, write))

    def _refill(self, now: float) -> None:
        # The burst is a one-off credit: once spent, the bucket holds one write at most, so past the first
        # `write_burst` writes no two go out less than `seconds_per_write` apart, however long the pause between.
        capacity = float(self.limits.write_burst) if not self._burst_spent else 1.0
        if self.limits.seconds_per_write <= 0:
            self._bucket = capacity
        else:
            gained = (now - self._bucket_at) / self.limits.seconds_per_write
            self._bucket = min(capacity, self._bucket + gained)
        self._bucket_at = now

    def _forget_before(self, now: float) -> None:
        for window in self._points.values():
            while window and window[0][0] <= now - MINUTE:
                window.popleft()
        while self._writes and self._writes[0] <= now - HOUR:
            self._writes.popleft()


_shared: dict[tuple[str, str], Pacer] = {}
_shared_lock = threading.Lock()


def shared_pacer(api_url: str, token_fingerprint: str) -> Pacer:
    """The one pacer of this token against this GitHub in this process (GitHub counts limits per user or app,
    not per client object)."""
    key = (api_url.rstrip("/"), token_fingerprint)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Pacer()
        return _shared[key]
