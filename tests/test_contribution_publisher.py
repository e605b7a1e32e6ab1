"""Throttled status edits: one per interval unless the phase changes, ≤ 80 writes a minute, the last always."""

from __future__ import annotations

import itertools

from symphony_bot.contribution.publisher import Publisher, WriteLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _publisher(clock: Clock, interval: float = 10.0, has_pull: bool = True):
    writes: list[tuple[float, str]] = []
    limiter = WriteLimiter(clock=clock, sleep=clock.sleep)

    def pull() -> bool:
        if has_pull:
            writes.append((clock.now, "pull"))
        return has_pull

    publisher = Publisher(lambda: writes.append((clock.now, "comment")), pull, limiter, interval, clock=clock)
    return publisher, writes, limiter


def test_progress_edits_are_at_most_one_per_interval() -> None:
    clock = Clock()
    publisher, writes, _ = _publisher(clock)
    for _ in range(600):  # ten minutes of events, one a second
        clock.now += 1
        publisher.changed(pull=True)
    assert 55 <= len(writes) <= 60
    times = [when for when, _ in writes]
    assert all(later - earlier >= 10 for earlier, later in itertools.pairwise(times))
    assert {kind for _, kind in writes} == {"comment", "pull"}


def test_a_phase_change_is_written_at_once_and_the_final_edit_always() -> None:
    clock = Clock()
    publisher, writes, _ = _publisher(clock)
    publisher.changed()
    assert writes == []  # within the interval of the comment's creation
    publisher.changed(urgent=True)
    assert writes == [(1000.0, "comment")]
    publisher.changed()
    publisher.final()
    assert writes == [(1000.0, "comment"), (1000.0, "comment")]


def test_never_more_than_80_writes_a_minute() -> None:
    clock = Clock()
    publisher, writes, limiter = _publisher(clock, interval=0.0)
    for _ in range(200):
        publisher.changed(urgent=True)
    assert limiter.total == 200
    times = sorted(when for when, _ in writes)
    for index in range(len(times) - 80):
        assert times[index + 80] - times[index] >= 60


def test_without_a_pull_request_the_comment_gets_every_slot() -> None:
    clock = Clock()
    publisher, writes, _ = _publisher(clock, has_pull=False)
    for _ in range(100):
        clock.now += 1
        publisher.changed(pull=True)
    assert {kind for _, kind in writes} == {"comment"}
