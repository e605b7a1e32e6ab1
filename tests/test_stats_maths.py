"""Streak, totals, achievement and leaderboard maths: year boundaries, ISO week 53, every threshold edge."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from symphony_bot.stats.history import HistoryRow, PullState
from symphony_bot.stats.maths import (
    ACHIEVEMENT_RULES,
    EARLY_ADOPTER_CUTOFF,
    Streaks,
    Totals,
    achievements,
    leaderboard,
    report,
    streaks,
    totals,
    week_name,
)

D = dt.date


def row(**changes: object) -> HistoryRow:
    base = HistoryRow(
        repository="owner/proj",
        issue=1,
        pr_number=10,
        pr_url="https://github.com/owner/proj/pull/10",
        pr_state=PullState.MERGED,
        contributor="donor",
        maintainer="owner",
        agent="claude",
        run_state="completed",
        started_at="2026-11-02T10:00:00Z",
        completed_at="2026-11-02T11:00:00Z",
        documents=("a.md", "b.md"),
        tasks_done=3,
        tasks_total=4,
        tokens=1000,
        cost_usd=0.5,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def mondays(first: dt.date, count: int) -> list[dt.date]:
    return [first + dt.timedelta(weeks=index) for index in range(count)]


# --- streaks ---------------------------------------------------------------------------------------------------


def test_no_contribution_no_streak() -> None:
    assert streaks([], D(2026, 1, 1)) == Streaks(0, 0, None)


def test_several_contributions_in_one_week_count_once() -> None:
    days = [D(2026, 11, 2), D(2026, 11, 4), D(2026, 11, 8)]  # Monday, Wednesday, Sunday of 2026-W45
    assert streaks(days, D(2026, 11, 8)) == Streaks(1, 1, "2026-W45")


def test_streak_across_a_year_boundary() -> None:
    # 2024-12-23 (2024-W52), 2024-12-30 (2025-W01: ISO year 2025 starts in December), 2025-01-06 (2025-W02)
    days = [D(2024, 12, 23), D(2024, 12, 31), D(2025, 1, 6)]
    assert week_name(D(2024, 12, 31)) == "2025-W01"
    assert streaks(days, D(2025, 1, 7)) == Streaks(3, 3, "2025-W02")


def test_streak_through_iso_week_53() -> None:
    # 2026 has 53 ISO weeks: 2026-12-28 is 2026-W53, the next Monday 2027-01-04 is 2027-W01.
    assert week_name(D(2026, 12, 28)) == "2026-W53"
    assert week_name(D(2027, 1, 4)) == "2027-W01"
    days = [D(2026, 12, 21), D(2026, 12, 31), D(2027, 1, 3), D(2027, 1, 5)]  # W52, W53, W53, 2027-W01
    assert streaks(days, D(2027, 1, 5)) == Streaks(3, 3, "2027-W01")


def test_a_week_without_contribution_breaks_the_streak() -> None:
    days = [D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 26)]  # W02, W03, (W04 missing), W05
    assert streaks(days, D(2026, 1, 27)) == Streaks(1, 2, "2026-W05")


def test_current_streak_survives_until_the_end_of_the_next_week() -> None:
    days = mondays(D(2026, 3, 2), 4)  # W10..W13
    last = days[-1]
    assert streaks(days, last + dt.timedelta(days=6)).current_weeks == 4  # Sunday of the same week
    assert streaks(days, last + dt.timedelta(days=13)).current_weeks == 4  # Sunday of the next week
    assert streaks(days, last + dt.timedelta(days=14)).current_weeks == 0  # a whole week without one
    assert streaks(days, last + dt.timedelta(days=14)).longest_weeks == 4


def test_longest_streak_is_the_longest_run_not_the_latest() -> None:
    days = mondays(D(2025, 1, 6), 8) + mondays(D(2025, 6, 2), 2)
    assert streaks(days, D(2025, 6, 10)) == Streaks(2, 8, "2025-W24")


# --- totals ----------------------------------------------------------------------------------------------------


def test_totals_count_finished_runs_and_add_live_numbers_of_active_ones() -> None:
    rows = [
        row(),
        row(pr_number=11, issue=1, repository="Owner/Proj", pr_state=PullState.MERGED),  # same issue, other case
        row(pr_number=12, issue=2, pr_state=PullState.CLOSED, repository="other/x", maintainer="Other"),
        row(pr_number=13, issue=3, pr_state=PullState.DRAFT, run_state="running", completed_at=None, tokens=5),
    ]
    summary = totals(rows)
    assert summary.contributions == 3
    assert summary.active == 1
    assert summary.merged_prs == 2
    assert summary.issues_resolved == 1  # two merged PRs for the same issue resolve it once
    assert summary.documents_processed == 6
    assert summary.tasks_completed == 12
    assert summary.tokens == 3005
    assert summary.cost_usd == pytest.approx(2.0)
    assert summary.repositories == 2
    assert summary.maintainers_helped == 2
    assert summary.first_contribution == D(2026, 11, 2)


def test_a_halted_run_on_an_open_pr_is_history_not_active() -> None:
    halted = row(pr_state=PullState.OPEN, run_state="halted", completed_at="2026-11-03T00:00:00Z")
    assert not halted.active
    assert totals([halted]).contributions == 1


def test_a_running_block_on_a_closed_pr_is_finished() -> None:
    abandoned = row(pr_state=PullState.CLOSED, run_state="running", completed_at=None)
    assert not abandoned.active


# --- achievements ----------------------------------------------------------------------------------------------


def empty_totals(**changes: object) -> Totals:
    base = Totals(0, 0, 0, 0, 0, 0, 0, 0.0, 0, 0, None, None)
    return replace(base, **changes)  # type: ignore[arg-type]


FIELD_OF = {
    "first-steps": "contributions",
    "harmony-seeker": "contributions",
    "merged-melody": "merged_prs",
    "ensemble-player": "repositories",
    "token-millionaire": "tokens",
    "virtuoso": "tasks_completed",
}


def test_eight_achievements_in_maestros_order() -> None:
    titles = [a.title for a in achievements(empty_totals(), Streaks(0, 0, None))]
    assert titles == [
        "First Steps",
        "Harmony Seeker",
        "Merged Melody",
        "Ensemble Player",
        "Weekly Rhythm",
        "Token Millionaire",
        "Virtuoso",
        "Early Adopter",
    ]


@pytest.mark.parametrize("rule", ACHIEVEMENT_RULES, ids=lambda rule: rule.id)
def test_each_threshold_edge(rule: object) -> None:
    threshold = rule.threshold  # type: ignore[attr-defined]
    identifier = rule.id  # type: ignore[attr-defined]

    def at(value: int) -> tuple[bool, int, str]:
        if identifier == "weekly-rhythm":
            found = achievements(empty_totals(), Streaks(0, value, None))
        else:
            found = achievements(empty_totals(**{FIELD_OF[identifier]: value}), Streaks(0, 0, None))
        achievement = next(a for a in found if a.id == identifier)
        return achievement.earned, achievement.progress_percent, achievement.description

    earned, progress, text = at(threshold - 1)
    assert not earned and progress < 100
    assert f"{threshold:,}" in text  # the text names the threshold the maths uses
    assert at(threshold)[:2] == (True, 100)
    assert at(threshold + 1)[:2] == (True, 100)  # capped
    assert at(0)[:2] == (False, 0)


def test_weekly_rhythm_speaks_of_weeks_not_days() -> None:
    rhythm = next(a for a in achievements(empty_totals(), Streaks(0, 3, None)) if a.id == "weekly-rhythm")
    assert "7 consecutive ISO weeks" in rhythm.description and "day" not in rhythm.description
    assert rhythm.progress_percent == 42  # 3 / 7, floored


def test_progress_is_floored_so_it_never_shows_100_before_earned() -> None:
    found = achievements(empty_totals(tokens=9_999_999), Streaks(0, 0, None))
    millionaire = next(a for a in found if a.id == "token-millionaire")
    assert (millionaire.earned, millionaire.progress_percent) == (False, 99)


def test_early_adopter_edge() -> None:
    def early(first: dt.date | None) -> tuple[bool, int]:
        found = achievements(empty_totals(first_contribution=first), Streaks(0, 0, None))
        last = found[-1]
        assert EARLY_ADOPTER_CUTOFF.isoformat() in last.description
        return last.earned, last.progress_percent

    assert early(EARLY_ADOPTER_CUTOFF) == (True, 100)
    assert early(EARLY_ADOPTER_CUTOFF + dt.timedelta(days=1)) == (False, 0)
    assert early(None) == (False, 0)


# --- leaderboard and report ------------------------------------------------------------------------------------


def test_leaderboard_ranks_by_merged_then_contributions_and_shares_ties() -> None:
    rows = [
        row(contributor="ann", pr_number=1),
        row(contributor="ann", pr_number=2, pr_state=PullState.CLOSED),
        row(contributor="Bob", pr_number=3),
        row(contributor="bob", pr_number=4),
        row(contributor="cy", pr_number=5),
        row(contributor="dee", pr_number=6),
    ]
    board = leaderboard(rows, D(2026, 11, 3))
    assert [(e.rank, e.contributor, e.merged_prs, e.contributions) for e in board] == [
        (1, "Bob", 2, 2),
        (2, "ann", 1, 2),
        (3, "cy", 1, 1),
        (3, "dee", 1, 1),
    ]
    assert leaderboard(rows, D(2026, 11, 3), limit=1)[0].contributor == "Bob"


def test_report_for_one_user_is_case_insensitive_and_newest_first() -> None:
    rows = [
        row(contributor="Ann", pr_number=1, completed_at="2026-01-01T00:00:00Z"),
        row(contributor="ann", pr_number=2, completed_at="2026-02-01T00:00:00Z"),
        row(contributor="bob", pr_number=3),
    ]
    result = report(rows, "ANN", D(2026, 2, 2))
    assert [r.pr_number for r in result.rows] == [2, 1]
    assert result.totals.contributions == 2
    assert len(result.leaderboard) == 2  # the leaderboard is always everyone's
    assert result.streaks.current_weeks == 1
