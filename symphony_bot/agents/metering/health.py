"""What the model API did: the proxy sees every status and every byte, so it can say when the API has failed.

Left to themselves the CLIs retry a failing API for minutes (claude backs off on 500/529, codex reconnects,
gemini retries with growing pauses) and the engine then retries the task, so a run against a broken API held
its task for 600-1,000 s and ended as "stalled" without naming the API. The proxy decides instead:
- MAX_FAILURES_IN_A_ROW server errors (5xx, Anthropic's 529 "overloaded" included) with no success between them,
- or one request that receives nothing for STALL_S seconds (before its answer starts or in the middle of it),
and the API has failed for this run: every later model request is refused at once, and the task ends with the
outcome `model_api_failed` (never retried), naming the provider, the statuses seen and what to do.
Rate limits (429) and refused keys (401/403) are not counted here: the adapters report those in the CLI's own
words (RATE_LIMITED, AUTH_FAILED).
"""

from __future__ import annotations

import threading
from collections import deque

MAX_FAILURES_IN_A_ROW = 3
STALL_S = 300.0  # codex's own stream idle limit; longer than any pause between a streaming API's events
STATUSES_KEPT = 20
STATUS_PAGES = {
    "anthropic": "https://status.anthropic.com",
    "openai": "https://status.openai.com",
    "gemini": "https://aistudio.google.com/status",
}
FAILED_MESSAGE = (
    "the {provider} model API failed: {what}; the run stops without retrying the task. "
    "Check {status_page}, then run again later (or with another model or provider)"
)
FAILURES_WHAT = "{count} answers in a row were server errors (statuses seen: {statuses})"
STALL_WHAT = "it sent nothing for {seconds:.0f} s (statuses seen before: {statuses})"
NO_STATUS = "none"


def is_failure(status: int) -> bool:
    """A server error: the API itself failed (500, 502, 503, 504, 529...)."""
    return status >= 500


class ApiHealth:
    """Counts the upstream's failures for one run; `failure` is the sentence once the API has failed."""

    def __init__(self, provider: str, max_in_a_row: int = MAX_FAILURES_IN_A_ROW) -> None:
        self.provider = provider
        self.max_in_a_row = max_in_a_row
        self.statuses: deque[int] = deque(maxlen=STATUSES_KEPT)
        self._in_a_row = 0
        self._lock = threading.Lock()
        self.failure: str | None = None
        self.failed = threading.Event()

    def answered(self, status: int) -> None:
        with self._lock:
            self.statuses.append(status)
            if not is_failure(status):
                if status < 400:
                    self._in_a_row = 0
                return
            self._in_a_row += 1
            if self._in_a_row >= self.max_in_a_row:
                self._fail(FAILURES_WHAT.format(count=self._in_a_row, statuses=self._seen()))

    def stalled(self, seconds: float) -> None:
        with self._lock:
            self._fail(STALL_WHAT.format(seconds=seconds, statuses=self._seen()))

    def _seen(self) -> str:
        return ", ".join(str(status) for status in self.statuses) or NO_STATUS

    def _fail(self, what: str) -> None:
        if self.failure is None:
            page = STATUS_PAGES.get(self.provider, "the provider's status page")
            self.failure = FAILED_MESSAGE.format(provider=self.provider, what=what, status_page=page)
            self.failed.set()
