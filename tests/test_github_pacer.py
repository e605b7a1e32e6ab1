"""The pacer keeps GitHub's secondary budgets on a fake clock: reads unspaced, writes a burst then one a second,
the minute and hour windows, points per minute, Retry-After holds, and the concurrency bound.

Budgets: https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits
"""

from __future__ import annotations

import threading

import pytest

from symphony_bot.github.pacer import (
    GRAPHQL,
    REST,
    WRITE_BURST,
    Limits,
    Pacer,
    is_write_verb,
    shared_pacer,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def paced(limits: Limits | None = None) -> tuple[Pacer, Clock]:
    clock = Clock()
    return Pacer(limits, monotonic=clock.monotonic, sleep=clock.sleep), clock


def send(pacer: Pacer, api: str, write: bool, times: int = 1) -> None:
    for _ in range(times):
        with pacer.request(api, write=write):
            pass


def test_reads_go_out_unspaced() -> None:
    pacer, clock = paced()
    send(pacer, REST, write=False, times=200)
    send(pacer, GRAPHQL, write=False, times=200)
    assert clock.sleeps == []


def test_writes_burst_then_one_a_second_across_rest_and_graphql() -> None:
    pacer, clock = paced()
    for index in range(WRITE_BURST + 3):
        send(pacer, REST if index % 2 else GRAPHQL, write=True)
    assert clock.sleeps == pytest.approx([1.0, 1.0, 1.0])
    writes = [at for at, _, write in pacer.sent if write]
    gaps = [later - earlier for earlier, later in zip(writes[WRITE_BURST:], writes[WRITE_BURST + 1 :], strict=False)]
    assert writes[:WRITE_BURST] == [1000.0] * WRITE_BURST  # the burst is not slowed at all
    assert all(gap >= 1.0 - 1e-9 for gap in gaps)  # past it, never two writes less than a second apart


def test_the_burst_is_a_one_off_past_it_writes_stay_a_second_apart_after_any_pause() -> None:
    pacer, clock = paced()
    send(pacer, REST, write=True, times=WRITE_BURST)
    clock.now += 60
    send(pacer, REST, write=True, times=3)
    writes = [at for at, _, write in pacer.sent if write]
    assert clock.sleeps == pytest.approx([1.0, 1.0])  # one write at once after the pause, then one a second
    assert writes[-2] - writes[-3] >= 1.0 and writes[-1] - writes[-2] >= 1.0


def test_an_unspent_burst_is_kept_for_later() -> None:
    pacer, clock = paced()
    send(pacer, REST, write=True, times=WRITE_BURST - 1)
    clock.now += 60
    send(pacer, REST, write=True)
    assert clock.sleeps == []


def test_no_more_than_80_writes_a_minute_even_with_a_faster_bucket() -> None:
    pacer, _ = paced(Limits(seconds_per_write=0.1))
    send(pacer, REST, write=True, times=81)
    writes = [at for at, _, write in pacer.sent if write]
    assert writes[80] - writes[0] >= 60.0


def test_no_more_than_500_writes_an_hour() -> None:
    pacer, _ = paced(Limits(seconds_per_write=0.0, writes_per_minute=10**6, rest_points_per_minute=10**6))
    send(pacer, REST, write=True, times=501)
    writes = [at for at, _, write in pacer.sent if write]
    assert writes[500] - writes[0] >= 3600.0


def test_rest_points_per_minute_count_writes_as_five() -> None:
    limits = Limits(seconds_per_write=0.0, writes_per_minute=10**6, writes_per_hour=10**6)
    pacer, clock = paced(limits)
    send(pacer, REST, write=True, times=180)  # 900 points: the whole minute's budget
    assert clock.sleeps == []
    send(pacer, REST, write=False)
    assert clock.sleeps and sum(clock.sleeps) == pytest.approx(60.0)
    send(pacer, GRAPHQL, write=False, times=1999)  # GraphQL has a budget of its own
    assert sum(clock.sleeps) == pytest.approx(60.0)


def test_retry_after_holds_every_request_of_the_token() -> None:
    pacer, clock = paced()
    pacer.hold(7)
    send(pacer, GRAPHQL, write=False)
    assert clock.sleeps == [7.0]


def test_a_clock_that_does_not_move_while_sleeping_never_hangs() -> None:
    sleeps: list[float] = []
    pacer = Pacer(monotonic=lambda: 5.0, sleep=sleeps.append)
    pacer.hold(2)
    send(pacer, REST, write=True, times=WRITE_BURST + 2)
    assert sleeps == [2.0, 1.0, 1.0]


def test_no_more_than_the_concurrent_bound_in_flight() -> None:
    pacer = Pacer(Limits(max_in_flight=2))
    inside = threading.Semaphore(0)
    release = threading.Event()
    peak = [0]
    lock = threading.Lock()
    running = [0]

    def worker() -> None:
        with pacer.request(REST, write=False):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            inside.release()
            release.wait()
            with lock:
                running[0] -= 1

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    assert inside.acquire(timeout=30) and inside.acquire(timeout=30)
    assert not inside.acquire(timeout=0.2)  # the third waits for a free slot
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert peak[0] == 2 and len(pacer.sent) == 5


def test_one_pacer_per_token_and_host() -> None:
    assert shared_pacer("https://api.example", "a") is shared_pacer("https://api.example/", "a")
    assert shared_pacer("https://api.example", "a") is not shared_pacer("https://api.example", "b")


def test_write_verbs() -> None:
    assert [is_write_verb(verb) for verb in ("GET", "HEAD", "post", "PATCH", "PUT", "DELETE")] == [
        False,
        False,
        True,
        True,
        True,
        True,
    ]
