"""The claim rule (pure): first to open a PR wins, i.e. the open PR with the lowest number holds the issue.

PR numbers are handed out in creation order, so when our PR exists every PR that could beat it exists too:
checking once, right after opening ours, is enough for every racer to agree on one winner.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

BRANCH_PREFIX = "symphony/"


@dataclass(frozen=True)
class OpenClaim:
    number: int
    url: str
    author: str | None


def same_login(first: str | None, second: str | None) -> bool:
    """GitHub spells an App's bot `name[bot]` in REST and `name` in GraphQL; logins ignore case."""

    def plain(login: str | None) -> str:
        return (login or "").lower().removesuffix("[bot]")

    return bool(first) and plain(first) == plain(second)


def branch_prefix(issue: int) -> str:
    """Every claim branch of issue N starts with this: `symphony/N-`."""
    return f"{BRANCH_PREFIX}{issue}-"


def holder(ours: int | None, open_linked: Iterable[OpenClaim]) -> OpenClaim | None:
    """The open PR that holds the claim instead of ours (`ours` None: we have none yet), or None when the
    claim is ours or free."""
    others = sorted((claim for claim in open_linked if claim.number != ours), key=lambda claim: claim.number)
    if not others:
        return None
    first = others[0]
    return first if ours is None or first.number < ours else None


def describe(claim: OpenClaim) -> str:
    by = f" by @{claim.author}" if claim.author else ""
    return f"#{claim.number}{by}"
