"""From registry entries to history rows: the contribution PRs of the registered repositories, with each
repository's maintainer taken from the registry. Shared by `stats` and `site`; the GitHub client is passed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from symphony_bot.stats.history import HistoryRow, history_row

if TYPE_CHECKING:
    from symphony_bot.github.cache import Cache
    from symphony_bot.github.client import GitHubClient


@dataclass
class Collected:
    rows: list[HistoryRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    requests: int = 0


def maintainers_of(entries: list[dict[str, Any]]) -> dict[str, str]:
    """Lower-cased slug -> the registry's maintainer name (entries without one are left out)."""
    found: dict[str, str] = {}
    for entry in entries:
        maintainer = entry.get("maintainer")
        name = maintainer.get("name") if isinstance(maintainer, dict) else None
        if isinstance(entry.get("slug"), str) and isinstance(name, str) and name.strip():
            found[entry["slug"].strip().casefold()] = name.strip()
    return found


def collect(
    client: GitHubClient,
    slugs: list[str],
    entries: list[dict[str, Any]],
    *,
    cache: Cache | None = None,
    refresh: bool = False,
) -> Collected:
    from symphony_bot.github.contributions import fetch_contributions

    fetched = fetch_contributions(client, slugs, cache=cache, refresh=refresh)
    maintainers = maintainers_of(entries)
    return Collected(
        rows=[history_row(pull, maintainers) for pull in fetched.pulls],
        warnings=fetched.warnings,
        failures=fetched.failures,
        requests=fetched.requests,
    )
