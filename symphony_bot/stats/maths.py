"""Totals, streaks, achievements and the leaderboard: pure functions of history rows and a date.

Deliberate differences from Maestro (maestro-internals §6.11, §7.24):
- streaks are counted in consecutive ISO weeks and *named* as weeks everywhere (Maestro counts weeks but its
  "Weekly Rhythm" text says a 7-day streak); weeks are compared by their Monday, so a streak runs across a
  year boundary and through ISO week 53 without special cases;
- the current streak is alive while the latest contribution week is this week or the week before (this week
  is not over yet), and 0 after a whole week without a contribution — Maestro keeps showing a stale number;
- issues resolved and maintainers helped are computed (Maestro never updates them);
- an achievement's text is generated from its threshold, so text, threshold and progress cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from symphony_bot.stats.history import HistoryRow, PullState, newest_first, rows_for

WEEK = dt.timedelta(days=7)
# Maestro's Early Adopter cut-off: its placeholder launch date (2025-01-01) plus one month (§6.11).
EARLY_ADOPTER_CUTOFF = dt.date(2025, 2, 1)


@dataclass(frozen=True)
class Totals:
    contributions: int  # finished runs (Maestro counts a contribution when it completes)
    active: int
    merged_prs: int
    issues_resolved: int
    documents_processed: int
    tasks_completed: int
    tokens: int
    cost_usd: float
    repositories: int
    maintainers_helped: int
    first_contribution: dt.date | None
    last_contribution: dt.date | None

    def to_json(self) -> dict[str, Any]:
        return {
            "contributions": self.contributions,
            "active": self.active,
            "mergedPullRequests": self.merged_prs,
            "issuesResolved": self.issues_resolved,
            "documentsProcessed": self.documents_processed,
            "tasksCompleted": self.tasks_completed,
            "tokensDonated": self.tokens,
            "estimatedCostUsd": round(self.cost_usd, 6),
            "uniqueRepositories": self.repositories,
            "uniqueMaintainersHelped": self.maintainers_helped,
            "firstContribution": _iso(self.first_contribution),
            "lastContribution": _iso(self.last_contribution),
        }


@dataclass(frozen=True)
class Streaks:
    current_weeks: int
    longest_weeks: int
    last_week: str | None  # "2026-W05" (zero padded, unlike Maestro's key)

    def to_json(self) -> dict[str, Any]:
        return {"currentWeeks": self.current_weeks, "longestWeeks": self.longest_weeks, "lastWeek": self.last_week}


@dataclass(frozen=True)
class Achievement:
    id: str
    title: str
    description: str
    emoji: str
    earned: bool
    progress_percent: int  # 0..100

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "emoji": self.emoji,
            "earned": self.earned,
            "progressPercent": self.progress_percent,
        }


@dataclass(frozen=True)
class LeaderboardEntry:
    rank: int
    contributor: str
    contributions: int
    merged_prs: int
    tokens: int
    cost_usd: float
    repositories: int
    longest_streak_weeks: int

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "contributor": self.contributor,
            "contributions": self.contributions,
            "mergedPullRequests": self.merged_prs,
            "tokensDonated": self.tokens,
            "estimatedCostUsd": round(self.cost_usd, 6),
            "uniqueRepositories": self.repositories,
            "longestStreakWeeks": self.longest_streak_weeks,
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def finished(rows: Iterable[HistoryRow]) -> list[HistoryRow]:
    return [row for row in rows if not row.active]


def totals(rows: list[HistoryRow]) -> Totals:
    """Counts of finished contributions; tokens, cost and tasks include active runs, as Maestro's `getStats`
    adds the live numbers of active contributions."""
    done = finished(rows)
    merged = [row for row in rows if row.pr_state is PullState.MERGED]
    days = [row.date for row in rows]
    return Totals(
        contributions=len(done),
        active=len(rows) - len(done),
        merged_prs=len(merged),
        issues_resolved=len({(row.repository.casefold(), row.issue) for row in merged}),
        documents_processed=sum(len(row.documents) for row in done),
        tasks_completed=sum(row.tasks_done for row in rows),
        tokens=sum(row.tokens for row in rows),
        cost_usd=sum(row.cost_usd for row in rows),
        repositories=len({row.repository.casefold() for row in rows}),
        maintainers_helped=len({row.maintainer.casefold() for row in rows}),
        first_contribution=min(days) if days else None,
        last_contribution=max(days) if days else None,
    )


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def week_name(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def streaks(days: Iterable[dt.date], today: dt.date) -> Streaks:
    """Current and longest runs of consecutive ISO weeks that hold at least one of `days`."""
    mondays = sorted({week_start(day) for day in days})
    if not mondays:
        return Streaks(0, 0, None)
    longest = run = 1
    for previous, monday in itertools.pairwise(mondays):
        run = run + 1 if monday - previous == WEEK else 1
        longest = max(longest, run)
    this_week = week_start(today)
    current = 0
    if this_week - mondays[-1] <= WEEK:
        current = run  # `run` is the run that ends at the latest week
    return Streaks(current_weeks=current, longest_weeks=longest, last_week=week_name(mondays[-1]))


def contribution_streaks(rows: list[HistoryRow], today: dt.date) -> Streaks:
    return streaks((row.date for row in finished(rows)), today)


@dataclass(frozen=True)
class AchievementRule:
    id: str
    title: str
    emoji: str
    threshold: int
    describe: Callable[[int], str]  # threshold -> text
    measure: Callable[[Totals, Streaks], int]


ACHIEVEMENT_RULES: tuple[AchievementRule, ...] = (
    AchievementRule(
        "first-steps", "First Steps", "🎵", 1,
        lambda n: f"Finish {n} contribution",
        lambda t, s: t.contributions,
    ),
    AchievementRule(
        "harmony-seeker", "Harmony Seeker", "🎼", 10,
        lambda n: f"Finish {n} contributions",
        lambda t, s: t.contributions,
    ),
    AchievementRule(
        "merged-melody", "Merged Melody", "🎶", 1,
        lambda n: f"Have {n} contribution PR merged",
        lambda t, s: t.merged_prs,
    ),
    AchievementRule(
        "ensemble-player", "Ensemble Player", "🎻", 5,
        lambda n: f"Contribute to {n} different repositories",
        lambda t, s: t.repositories,
    ),
    AchievementRule(
        "weekly-rhythm", "Weekly Rhythm", "🥁", 7,
        lambda n: f"Contribute in {n} consecutive ISO weeks",
        lambda t, s: s.longest_weeks,
    ),
    AchievementRule(
        "token-millionaire", "Token Millionaire", "💰", 10_000_000,
        lambda n: f"Donate {n:,} tokens",
        lambda t, s: t.tokens,
    ),
    AchievementRule(
        "virtuoso", "Virtuoso", "🏆", 1000,
        lambda n: f"Complete {n:,} tasks",
        lambda t, s: t.tasks_completed,
    ),
)  # fmt: skip
EARLY_ADOPTER = ("early-adopter", "Early Adopter", "🌅")


def achievements(summary: Totals, streak: Streaks) -> list[Achievement]:
    """Maestro's eight achievements, in its order; progress is value / threshold, floored, capped at 100."""
    result = []
    for rule in ACHIEVEMENT_RULES:
        value = rule.measure(summary, streak)
        result.append(
            Achievement(
                id=rule.id,
                title=rule.title,
                description=rule.describe(rule.threshold),
                emoji=rule.emoji,
                earned=value >= rule.threshold,
                progress_percent=min(100, (100 * value) // rule.threshold),
            )
        )
    first = summary.first_contribution
    early = first is not None and first <= EARLY_ADOPTER_CUTOFF
    identifier, title, emoji = EARLY_ADOPTER
    result.append(
        Achievement(
            id=identifier,
            title=title,
            description=f"Contribute on or before {EARLY_ADOPTER_CUTOFF.isoformat()}",
            emoji=emoji,
            earned=early,
            progress_percent=100 if early else 0,
        )
    )
    return result


def leaderboard(rows: list[HistoryRow], today: dt.date, limit: int | None = None) -> list[LeaderboardEntry]:
    """Contributors ranked by merged PRs, then finished contributions, then tokens; ties share a rank."""
    by_contributor: dict[str, list[HistoryRow]] = {}
    names: dict[str, str] = {}
    for row in rows:
        key = row.contributor.casefold()
        by_contributor.setdefault(key, []).append(row)
        names.setdefault(key, row.contributor)
    entries = []
    for key, own in by_contributor.items():
        summary = totals(own)
        entries.append(
            LeaderboardEntry(
                rank=0,
                contributor=names[key],
                contributions=summary.contributions,
                merged_prs=summary.merged_prs,
                tokens=summary.tokens,
                cost_usd=summary.cost_usd,
                repositories=summary.repositories,
                longest_streak_weeks=contribution_streaks(own, today).longest_weeks,
            )
        )
    entries.sort(key=lambda e: (-e.merged_prs, -e.contributions, -e.tokens, e.contributor.casefold()))
    ranked: list[LeaderboardEntry] = []
    for position, entry in enumerate(entries, start=1):
        score = (entry.merged_prs, entry.contributions, entry.tokens)
        tied = ranked and (ranked[-1].merged_prs, ranked[-1].contributions, ranked[-1].tokens) == score
        rank = ranked[-1].rank if tied else position
        ranked.append(LeaderboardEntry(**{**entry.__dict__, "rank": rank}))
    return ranked[:limit] if limit is not None else ranked


@dataclass(frozen=True)
class StatsReport:
    user: str | None
    generated_on: dt.date
    rows: list[HistoryRow]  # newest first
    totals: Totals
    streaks: Streaks
    achievements: list[Achievement]
    leaderboard: list[LeaderboardEntry]

    @property
    def active_rows(self) -> list[HistoryRow]:
        return [row for row in self.rows if row.active]

    @property
    def history_rows(self) -> list[HistoryRow]:
        return [row for row in self.rows if not row.active]


def report(all_rows: list[HistoryRow], user: str | None, today: dt.date) -> StatsReport:
    """Everything the stats command and the site show: the user's (or everyone's) numbers, and the
    leaderboard of everyone."""
    own = newest_first(rows_for(all_rows, user))
    summary = totals(own)
    streak = contribution_streaks(own, today)
    return StatsReport(
        user=user,
        generated_on=today,
        rows=own,
        totals=summary,
        streaks=streak,
        achievements=achievements(summary, streak),
        leaderboard=leaderboard(all_rows, today),
    )
