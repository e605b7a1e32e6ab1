"""Fault injection and accounting for the sandbox: what went wrong on purpose, and what every request cost.

Faults match a REST operation id (`issues/create-comment`), a GraphQL operation name (`ScanIssues`), or
`"METHOD /path-regex"`, and fire on "the Nth matching call", on the first `times` calls, or "with probability p,
seed s". Kinds: an HTTP status (500/502/503...), GitHub's secondary rate limit (403 + `Retry-After`), 429, a
connection reset, and a slow response (delay, then the real answer).

The request log records method, path, operation, GraphQL operation name, status, secondary-limit points
(REST GET 1, writes 5; GraphQL from the query) and who asked. Primary budgets (`x-ratelimit-*`) are per user
and per resource (core, graphql, search), 5,000 per hour unless configured.
"""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal["status", "secondary_rate_limit", "rate_limit", "reset", "delay"]
FAULT_KINDS: tuple[str, ...] = ("status", "secondary_rate_limit", "rate_limit", "reset", "delay")

MESSAGE_SECONDARY_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to "
    "GitHub Support for help, please include the request ID."
)
MESSAGE_SERVER_ERROR = {500: "Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
MESSAGE_PRIMARY_LIMIT = "API rate limit exceeded for user ID {user_id}."

RATE_LIMITED = "RATE_LIMITED"
RATE_LIMIT = "RATE_LIMIT"
RATE_LIMIT_CODE = "graphql_rate_limit"
# The two shapes GitHub is known to send for a spent GraphQL budget (HTTP 200, no `data`):
# {"type": "RATE_LIMIT", "code": "graphql_rate_limit", "message": "API rate limit already exceeded for user ID N."}
# (yanyongyu/githubkit#271, 2026) and {"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID N."}
# (github/docs#22607, 2022). The state's `graphql_rate_limit_shape` picks one; RATE_LIMIT by default.
GRAPHQL_RATE_LIMIT_SHAPES = (RATE_LIMIT, RATE_LIMITED)
MESSAGE_RATE_LIMITED = "API rate limit already exceeded for user ID {user_id}."
MESSAGE_RATE_LIMITED_OLD = "API rate limit exceeded for user ID {user_id}."


def rate_limit_error(shape: str, user_id: int) -> dict[str, Any]:
    """The `errors` entry of a spent GraphQL budget, in the configured one of GitHub's two shapes."""
    if shape == RATE_LIMITED:
        return {"type": RATE_LIMITED, "message": MESSAGE_RATE_LIMITED_OLD.format(user_id=user_id)}
    return {"type": RATE_LIMIT, "code": RATE_LIMIT_CODE, "message": MESSAGE_RATE_LIMITED.format(user_id=user_id)}


DEFAULT_RATE_LIMITS = {"core": 5000, "graphql": 5000, "search": 30}
RATE_LIMIT_WINDOW_SECONDS = {"core": 3600, "graphql": 3600, "search": 60}


@dataclass
class Fault:
    """One injected fault. `target`: operation id, GraphQL operation name, or "METHOD /path-regex"."""

    target: str
    kind: FaultKind = "status"
    status: int = 500
    delay: float = 0.0
    retry_after: int = 60
    nth: int | None = None
    times: int | None = None
    probability: float | None = None
    seed: int = 0
    seen: int = 0
    fired: int = 0
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}, not {self.kind!r}")
        if self.probability is not None and not 0 <= self.probability <= 1:
            raise ValueError("probability must be between 0 and 1")
        self._random = random.Random(self.seed)  # noqa: S311 (reproducible test faults, not cryptography)
        method, _, pattern = self.target.partition(" ")
        self._method = method.upper() if pattern.startswith("/") else None
        self._path = re.compile(pattern) if self._method else None

    def matches(self, method: str, path: str, operation: str | None, graphql_operation: str | None) -> bool:
        if self._method is not None and self._path is not None:
            return self._method in (method.upper(), "*") and self._path.fullmatch(path) is not None
        return self.target in (operation, graphql_operation)

    def should_fire(self) -> bool:
        """Count one matching call and decide whether this one fails."""
        self.seen += 1
        if self.nth is not None:
            fire = self.seen == self.nth
        elif self.probability is not None:
            fire = self._random.random() < self.probability
        else:
            fire = True
        if fire and self.times is not None and self.fired >= self.times:
            fire = False
        if fire:
            self.fired += 1
        return fire


class Faults:
    """The sandbox's fault table (`sb.faults`). Thread-safe; the first matching rule that fires wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rules: list[Fault] = []

    def inject(
        self,
        target: str,
        kind: FaultKind = "status",
        *,
        status: int = 500,
        delay: float = 0.0,
        retry_after: int = 60,
        nth: int | None = None,
        times: int | None = None,
        probability: float | None = None,
        seed: int = 0,
    ) -> Fault:
        rule = Fault(target, kind, status, delay, retry_after, nth, times, probability, seed)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def pick(self, method: str, path: str, operation: str | None, graphql_operation: str | None) -> Fault | None:
        with self._lock:
            for rule in self.rules:
                if rule.matches(method, path, operation, graphql_operation) and rule.should_fire():
                    return rule
        return None


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: str
    operation: str | None
    graphql_operation: str | None
    status: int
    points: int
    login: str | None
    token: str | None
    fault: str | None = None
    duration: float = 0.0


class RequestLog(list[LoggedRequest]):
    """`sb.requests`: a list of LoggedRequest with a few questions tests ask often."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.arrivals: list[float] = []  # time.monotonic() when each entry's request arrived, in the same order

    def record(self, entry: LoggedRequest) -> None:
        with self.lock:
            self.append(entry)
            self.arrivals.append(time.monotonic() - entry.duration)

    def operations(self) -> list[str]:
        with self.lock:
            return [entry.graphql_operation or entry.operation or f"{entry.method} {entry.path}" for entry in self]

    def calls(self, operation: str) -> int:
        """How many requests had this REST operation id or GraphQL operation name."""
        with self.lock:
            return sum(1 for entry in self if operation in (entry.operation, entry.graphql_operation))

    def points(self) -> int:
        with self.lock:
            return sum(entry.points for entry in self)

    def reset(self) -> None:
        with self.lock:
            self.clear()
            self.arrivals.clear()


@dataclass
class Budget:
    limit: int
    used: int = 0
    reset_at: int = 0


class RateLimits:
    """Primary rate-limit budgets per (user, resource); anonymous callers share the key "" as one IP would."""

    def __init__(self, limits: dict[str, int] | None = None) -> None:
        self._lock = threading.Lock()
        self.defaults = dict(DEFAULT_RATE_LIMITS)
        self.defaults.update(limits or {})
        self.overrides: dict[tuple[str, str], int] = {}
        self._budgets: dict[tuple[str, str], Budget] = {}

    def set_limit(self, login: str | None, limit: int, resource: str = "core") -> None:
        with self._lock:
            key = ((login or "").lower(), resource)
            self.overrides[key] = limit
            budget = self._budgets.get(key)
            if budget is not None:
                budget.limit = limit

    def _budget(self, login: str | None, resource: str) -> Budget:
        key = ((login or "").lower(), resource)
        now = int(time.time())
        budget = self._budgets.get(key)
        if budget is None or now >= budget.reset_at:
            limit = self.overrides.get(key, self.defaults.get(resource, DEFAULT_RATE_LIMITS["core"]))
            if login is None and resource == "core":
                limit = min(limit, 60)
            budget = Budget(limit=limit, reset_at=now + RATE_LIMIT_WINDOW_SECONDS.get(resource, 3600))
            self._budgets[key] = budget
        return budget

    def status(self, login: str | None, resource: str) -> Budget:
        """A copy of the budget now (limit, used, reset_at); remaining = limit - used."""
        with self._lock:
            budget = self._budget(login, resource)
            return Budget(budget.limit, budget.used, budget.reset_at)

    def exhausted(self, login: str | None, resource: str) -> bool:
        with self._lock:
            budget = self._budget(login, resource)
            return budget.used >= budget.limit

    def charge(self, login: str | None, resource: str, cost: int) -> Budget:
        with self._lock:
            budget = self._budget(login, resource)
            budget.used = min(budget.limit, budget.used + max(cost, 0))
            return Budget(budget.limit, budget.used, budget.reset_at)

    def headers(self, budget: Budget, resource: str) -> list[tuple[str, str]]:
        return [
            ("x-ratelimit-limit", str(budget.limit)),
            ("x-ratelimit-remaining", str(max(budget.limit - budget.used, 0))),
            ("x-ratelimit-reset", str(budget.reset_at)),
            ("x-ratelimit-used", str(budget.used)),
            ("x-ratelimit-resource", resource),
        ]
