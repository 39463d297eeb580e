"""The process-wide FRED rate limiter, checked on a fake clock: no test waits or measures wall time."""

from __future__ import annotations

import threading

import pytest

from macro_pipeline.sources.rate_limit import SlidingWindowLimiter, process_rate_limiter, window_for_rate


class FakeClock:
    """A clock that only moves when the limiter sleeps (or a test advances it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


def max_in_any_window(times: list[float], period: float) -> int:
    """The most acquisitions inside any half-open window [t, t + period)."""
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= period:
            start += 1
        best = max(best, end - start + 1)
    return best


def acquire_times(limiter: SlidingWindowLimiter, clock: FakeClock, n: int) -> list[float]:
    times = []
    for _ in range(n):
        limiter.acquire()
        times.append(clock.now)
    return times


def test_default_rate_holds_over_many_acquisitions():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(120, clock=clock, sleep=clock.sleep)
    times = acquire_times(limiter, clock, 1000)
    assert max_in_any_window(times, 60.0) == 120
    # no slower than needed: the 1000th request goes out once 8 windows have passed, not later
    assert times[-1] - times[0] == pytest.approx(8 * 60.0)
    assert limiter.acquired == 1000


def test_first_burst_is_free_and_the_next_request_waits_for_the_window():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(120, clock=clock, sleep=clock.sleep)
    times = acquire_times(limiter, clock, 121)
    assert times[119] == times[0]
    assert times[120] == pytest.approx(times[0] + 60.0)
    assert clock.sleeps == [pytest.approx(60.0)]


def test_idle_time_counts_towards_the_window():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(120, clock=clock, sleep=clock.sleep)
    acquire_times(limiter, clock, 120)
    clock.now += 45.0  # work between requests
    assert limiter.acquire() == pytest.approx(15.0)


@pytest.mark.parametrize("rate", [1, 7.5, 60, 120, 0.5, 1000])
def test_any_rate_holds_on_minute_windows(rate):
    clock = FakeClock()
    limiter = SlidingWindowLimiter(rate, clock=clock, sleep=clock.sleep)
    times = acquire_times(limiter, clock, 300)
    limit, period = window_for_rate(rate)
    assert max_in_any_window(times, period) <= limit
    assert max_in_any_window(times, 60.0) <= max(1, rate)


def test_reconfigured_rate_applies_to_later_requests():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(120, clock=clock, sleep=clock.sleep)
    acquire_times(limiter, clock, 10)
    limiter.configure(5)
    times = acquire_times(limiter, clock, 50)
    assert max_in_any_window(times, 60.0) <= 5


def test_threads_sharing_a_limiter_get_slots_within_the_rate():
    # reserve() is acquire() without the sleep: the slots threads are granted are what the rate must bound
    clock = FakeClock()
    limiter = SlidingWindowLimiter(60, clock=clock, sleep=clock.sleep)
    slots: list[float] = []
    slots_lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            slot = limiter.reserve()
            with slots_lock:
                slots.append(slot)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slots.sort()
    assert len(slots) == 400
    assert max_in_any_window(slots, 60.0) == 60


@pytest.mark.parametrize("bad", [0, -1, float("inf"), float("nan")])
def test_nonsense_rates_are_refused(bad):
    with pytest.raises(ValueError, match="requests_per_minute"):
        SlidingWindowLimiter(bad)


def test_one_limiter_per_process():
    first = process_rate_limiter(120)
    assert process_rate_limiter(120) is first
    second = process_rate_limiter(90)
    assert second is first and first.limit == 90
    process_rate_limiter(120)
