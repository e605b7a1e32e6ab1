"""GitHub's content-creation secondary limit, emerging from the traffic itself rather than injected.

GitHub allows at most 80 content-generating requests a minute and 500 an hour per user (REST and GraphQL
together); beyond that it answers 403 (sometimes 429) "You have exceeded a secondary rate limit", with or
without `Retry-After`. The sandbox counts, per login, every successful-or-not *write* it lets through (REST
POST/PATCH/PUT/DELETE, GraphQL mutations) in sliding windows and refuses the one that would exceed a limit.

OFF by default, so existing tests and benchmarks are unaffected: turn it on with `sb.set_secondary_limits()`
(GitHub's 80/min and 500/h) or with small thresholds (`per_minute=3`) so a test reaches them in a few calls.
Refused requests are not counted. Injected faults (faults.py) keep working beside it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

GITHUB_PER_MINUTE = 80
GITHUB_PER_HOUR = 500
MINUTE_SECONDS = 60.0
HOUR_SECONDS = 3600.0


@dataclass
class SecondaryLimits:
    """Content-creation limits per login; `enabled` False (the default) lets everything through."""

    enabled: bool = False
    per_minute: int = GITHUB_PER_MINUTE
    per_hour: int = GITHUB_PER_HOUR
    status: int = 403  # GitHub answers 403, sometimes 429
    retry_after: int | None = 60  # seconds in `Retry-After`; None: no header (then clients wait >= 1 minute)
    _seen: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(
        self,
        *,
        enabled: bool = True,
        per_minute: int = GITHUB_PER_MINUTE,
        per_hour: int = GITHUB_PER_HOUR,
        status: int = 403,
        retry_after: int | None = 60,
    ) -> None:
        if status not in (403, 429):
            raise ValueError(f"GitHub answers a secondary limit with 403 or 429, not {status}")
        with self._lock:
            self.enabled, self.per_minute, self.per_hour = enabled, per_minute, per_hour
            self.status, self.retry_after = status, retry_after
            self._seen.clear()

    def admit(self, login: str, now: float | None = None) -> bool:
        """Count one content-creating request by `login`; False (and not counted) if it exceeds a limit."""
        if not self.enabled:
            return True
        moment = time.monotonic() if now is None else now
        with self._lock:
            seen = self._seen.setdefault(login.lower(), deque())
            while seen and seen[0] <= moment - HOUR_SECONDS:
                seen.popleft()
            last_minute = sum(1 for stamp in seen if stamp > moment - MINUTE_SECONDS)
            if last_minute >= self.per_minute or len(seen) >= self.per_hour:
                return False
            seen.append(moment)
            return True
