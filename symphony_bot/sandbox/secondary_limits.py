"""GitHub's secondary rate limits, emerging from the traffic itself rather than injected. ON by default.

https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits:
no more than 100 concurrent requests (REST and GraphQL together); no more than 900 points a minute for the REST
API and 2,000 for GraphQL (GET/HEAD/OPTIONS and GraphQL queries 1 point, REST POST/PATCH/PUT/DELETE and GraphQL
mutations 5); no more than 80 content-generating requests a minute and 500 an hour. Beyond any of them GitHub
answers 403 (sometimes 429) "You have exceeded a secondary rate limit", with or without `Retry-After`.

The sandbox counts per login in sliding windows and refuses the request that would exceed a limit; refused
requests are not counted. A test or benchmark that needs another budget says so with `sb.set_secondary_limits(...)`
(small thresholds reach a limit in a few calls; `enabled=False` only where a test is about something else and
says why). Injected faults (faults.py) keep working beside it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

GITHUB_PER_MINUTE = 80
GITHUB_PER_HOUR = 500
GITHUB_REST_POINTS_PER_MINUTE = 900
GITHUB_GRAPHQL_POINTS_PER_MINUTE = 2_000
GITHUB_CONCURRENT = 100
READ_POINTS = 1
WRITE_POINTS = 5
MINUTE_SECONDS = 60.0
HOUR_SECONDS = 3600.0
REST, GRAPHQL = "rest", "graphql"


@dataclass
class _Window:
    """Points spent in the last minute: (moment, points) entries and their running total."""

    entries: deque[tuple[float, int]] = field(default_factory=deque)
    total: int = 0

    def spent(self, moment: float) -> int:
        while self.entries and self.entries[0][0] <= moment - MINUTE_SECONDS:
            self.total -= self.entries.popleft()[1]
        return self.total

    def add(self, moment: float, points: int) -> None:
        self.entries.append((moment, points))
        self.total += points


@dataclass
class SecondaryLimits:
    """GitHub's secondary limits per login; `enabled` True (the default) as on github.com."""

    enabled: bool = True
    per_minute: int = GITHUB_PER_MINUTE
    per_hour: int = GITHUB_PER_HOUR
    rest_points_per_minute: int = GITHUB_REST_POINTS_PER_MINUTE
    graphql_points_per_minute: int = GITHUB_GRAPHQL_POINTS_PER_MINUTE
    concurrent: int = GITHUB_CONCURRENT
    status: int = 403  # GitHub answers 403, sometimes 429
    retry_after: int | None = 60  # seconds in `Retry-After`; None: no header (then clients wait >= 1 minute)
    _seen: dict[str, deque[float]] = field(default_factory=dict)  # content-creating requests, last hour
    _points: dict[tuple[str, str], _Window] = field(default_factory=dict)
    _in_flight: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(
        self,
        *,
        enabled: bool = True,
        per_minute: int = GITHUB_PER_MINUTE,
        per_hour: int = GITHUB_PER_HOUR,
        rest_points_per_minute: int = GITHUB_REST_POINTS_PER_MINUTE,
        graphql_points_per_minute: int = GITHUB_GRAPHQL_POINTS_PER_MINUTE,
        concurrent: int = GITHUB_CONCURRENT,
        status: int = 403,
        retry_after: int | None = 60,
    ) -> None:
        if status not in (403, 429):
            raise ValueError(f"GitHub answers a secondary limit with 403 or 429, not {status}")
        with self._lock:
            self.enabled, self.per_minute, self.per_hour = enabled, per_minute, per_hour
            self.rest_points_per_minute, self.graphql_points_per_minute = (
                rest_points_per_minute,
                graphql_points_per_minute,
            )
            self.concurrent, self.status, self.retry_after = concurrent, status, retry_after
            self._seen.clear()
            self._points.clear()

    def admit(self, login: str, now: float | None = None, *, creates_content: bool = True, api: str = REST) -> bool:
        """Count one request by `login` (its points, and its content creation); False, and nothing counted, if it
        would exceed a limit. A content-creating request costs 5 points, any other 1."""
        if not self.enabled:
            return True
        moment = time.monotonic() if now is None else now
        key = login.lower()
        points = WRITE_POINTS if creates_content else READ_POINTS
        budget = self.graphql_points_per_minute if api == GRAPHQL else self.rest_points_per_minute
        with self._lock:
            window = self._points.setdefault((key, api), _Window())
            if window.spent(moment) + points > budget:
                return False
            if creates_content:
                seen = self._seen.setdefault(key, deque())
                while seen and seen[0] <= moment - HOUR_SECONDS:
                    seen.popleft()
                last_minute = sum(1 for stamp in seen if stamp > moment - MINUTE_SECONDS)
                if last_minute >= self.per_minute or len(seen) >= self.per_hour:
                    return False
                seen.append(moment)
            window.add(moment, points)
            return True

    def enter(self, login: str) -> bool:
        """One more request of `login` in flight; False (not counted) beyond the concurrency limit."""
        key = login.lower()
        with self._lock:
            running = self._in_flight.get(key, 0)
            if self.enabled and running >= self.concurrent:
                return False
            self._in_flight[key] = running + 1
            return True

    def leave(self, login: str) -> None:
        key = login.lower()
        with self._lock:
            remaining = self._in_flight.get(key, 0) - 1
            if remaining > 0:
                self._in_flight[key] = remaining
            else:
                self._in_flight.pop(key, None)
