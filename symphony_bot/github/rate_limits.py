"""How long GitHub asks us to wait, read from an answer as GitHub documents it (github-semantics §1.2).

`Retry-After` first, then `x-ratelimit-reset` when the budget is spent, else the secondary-limit wait; a
GraphQL `rateLimit { cost remaining resetAt limit }` block says what the next query can spend. Pure functions
over status, headers and body: the client decides whether to sleep or to give up.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from typing import Any

from symphony_bot.github.errors import RateLimitError

# Every shape of GraphQL's "rate limited" error GitHub is known to send (answered with HTTP 200 and no data):
# `{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID N."}` (github/docs#22607, the GitHub
# CLI's output quoted there by a GitHub employee), and since 2026
# `{"type": "RATE_LIMIT", "code": "graphql_rate_limit", "message": "API rate limit already exceeded for user ID N."}`
# (yanyongyu/githubkit#271, fixed in githubkit#272). Any of these types or codes marks the answer as a limit.
RATE_LIMITED_ERROR_TYPE = "RATE_LIMITED"
RATE_LIMIT_ERROR_TYPES = frozenset({RATE_LIMITED_ERROR_TYPE, "RATE_LIMIT"})
RATE_LIMIT_ERROR_CODES = frozenset({"graphql_rate_limit"})
# A 403 (REST or GraphQL) whose message says it is a limit: "You have exceeded a secondary rate limit…" (GitHub's
# docs), and its older wording "You have triggered an abuse detection mechanism…" (octokit/plugin-throttling.js
# answered it as its "abuse-limit" before GitHub renamed it).
LIMIT_MESSAGE_WORDS = ("rate limit", "abuse detection")
MAX_BACKOFF_SECONDS = 30.0


@dataclass(frozen=True)
class RateLimitStatus:
    """GraphQL `rateLimit { cost remaining resetAt limit }` of the last answer."""

    cost: int
    remaining: int
    limit: int
    reset_at: str

    def to_json(self) -> dict[str, Any]:
        return {"cost": self.cost, "remaining": self.remaining, "limit": self.limit, "resetAt": self.reset_at}


def rate_limit_wait(status: int, headers: Any, body: Any, now: float, secondary_wait: float) -> float | None:
    """Seconds to wait before retrying, or None when the answer is not a rate limit."""
    rate_limited_body = is_graphql_rate_limited(body)
    message = str(body.get("message", "")) if isinstance(body, dict) else ""
    if status not in (403, 429) and not rate_limited_body:
        return None
    retry_after = retry_after_seconds(headers.get("retry-after"), now)
    if retry_after is not None:
        return retry_after
    if headers.get("x-ratelimit-remaining") == "0" and str(headers.get("x-ratelimit-reset", "")).isdigit():
        return max(0.0, int(headers["x-ratelimit-reset"]) - now) + 1
    if status == 429 or rate_limited_body or any(words in message.lower() for words in LIMIT_MESSAGE_WORDS):
        return secondary_wait
    return None  # a 403 that is not a limit: no access


def is_graphql_rate_limited(body: Any) -> bool:
    """A GraphQL answer whose errors say the rate limit is spent, in any shape GitHub sends (see above)."""
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return False
    return any(
        isinstance(error, dict)
        and (
            str(error.get("type") or "").upper() in RATE_LIMIT_ERROR_TYPES
            or str(error.get("code") or "").lower() in RATE_LIMIT_ERROR_CODES
        )
        for error in body["errors"]
    )


def budget_wait(status: RateLimitStatus | None, now: float) -> float | None:
    """Seconds until the points budget resets when the last answer says it is spent, else None."""
    if status is None or status.remaining > 0:
        return None
    reset = parse_iso_timestamp(status.reset_at)
    return None if reset is None else max(0.0, reset - now) + 1


def check_wait(wait: float, attempt: int, *, max_wait: float, max_retries: int, what: str) -> None:
    """Raise RateLimitError when `wait` is longer than allowed or the retries are used up."""
    if wait > max_wait:
        raise RateLimitError(
            f"{what}: GitHub asks to wait {wait:.0f} s, more than the {max_wait:.0f} s allowed; "
            "retry later or use a token with a larger budget",
            wait,
        )
    if attempt >= max_retries:
        raise RateLimitError(f"{what}: still limited after {attempt} retries; retry in {wait:.0f} s", wait)


def backoff(attempt: int) -> float:
    return float(min(MAX_BACKOFF_SECONDS, 2**attempt))


def retry_after_seconds(value: Any, now: float) -> float | None:
    if value is None:
        return None
    text = str(value).strip()
    if text.isdigit():
        return float(int(text))
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - now)


def rate_limit_from(raw: Any) -> RateLimitStatus | None:
    if not isinstance(raw, dict):
        return None
    try:
        return RateLimitStatus(
            cost=int(raw.get("cost") or 0),
            remaining=int(raw["remaining"]),
            limit=int(raw.get("limit") or 0),
            reset_at=str(raw.get("resetAt") or ""),
        )
    except (KeyError, TypeError, ValueError):
        return None


def parse_iso_timestamp(text: str) -> float | None:
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
