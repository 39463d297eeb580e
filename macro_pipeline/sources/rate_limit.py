"""A process-wide request rate limiter (sliding window) with an injectable clock, for the FRED API.

Written here rather than taken from pyrate-limiter: the need is one blocking, thread-safe "at most N per
minute" gate whose clock and sleep tests can replace, which is forty lines. pyrate-limiter 4 blocks with a
module-level ``time.sleep`` (a fake clock would mean monkeypatching it), runs a background leak thread, and
its API changed shape across 2.x, 3.x and 4.x.
A sliding window (not a token bucket) because FRED counts requests per minute: a bucket refilling at 2/s with
a burst allowance can exceed 120 in some 60-second window, a sliding window cannot.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

# FRED allows 120 requests per minute per API key.
DEFAULT_REQUESTS_PER_MINUTE = 120.0


def window_for_rate(requests_per_minute: float) -> tuple[int, float]:
    """(limit, period seconds) with limit/period <= the rate and period >= 60 s where the rate allows.

    FRED counts requests per minute, so the window is a minute whenever at least one request a minute is
    allowed; a fractional rate rounds the limit down (stricter, never looser). Below one a minute the window
    stretches so that one request fits.
    """
    if not requests_per_minute > 0 or math.isinf(requests_per_minute):
        raise ValueError(f"requests_per_minute must be a positive finite number, got {requests_per_minute!r}")
    if requests_per_minute >= 1:
        return math.floor(requests_per_minute), 60.0
    return 1, 60.0 / requests_per_minute


class SlidingWindowLimiter:
    """At most ``limit`` acquisitions in any ``period`` seconds, across all threads that share the instance.

    Each caller reserves the earliest slot that keeps the window within the limit while holding the lock and
    sleeps outside it, so waiting callers queue in arrival order without holding the lock. ``clock`` and
    ``sleep`` are injectable so tests can run it on a fake clock.
    """

    def __init__(self, requests_per_minute: float = DEFAULT_REQUESTS_PER_MINUTE,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._slots: deque[float] = deque()
        self.acquired = 0
        self.requests_per_minute = requests_per_minute
        self.limit, self.period = window_for_rate(requests_per_minute)

    def configure(self, requests_per_minute: float) -> None:
        """Change the rate; slots already granted still count against the new window."""
        limit, period = window_for_rate(requests_per_minute)
        with self._lock:
            self.requests_per_minute = requests_per_minute
            self.limit, self.period = limit, period

    def reserve(self) -> float:
        """Reserve the next slot and return its time on the limiter's clock (not sleeping)."""
        with self._lock:
            now = self._clock()
            slot = now
            if self._slots:
                slot = max(slot, self._slots[-1])
            if len(self._slots) >= self.limit:
                # the new slot must be a full period after the slot `limit` places back
                slot = max(slot, self._slots[-self.limit] + self.period)
            self._slots.append(slot)
            # only the last `limit` slots constrain the next reservation; twice that bounds memory
            while len(self._slots) > self.limit * 2:
                self._slots.popleft()
            self.acquired += 1
            return slot

    def acquire(self) -> float:
        """Block until a request may be sent; returns the seconds waited."""
        slot = self.reserve()
        wait = slot - self._clock()
        if wait > 0:
            self._sleep(wait)
            return wait
        return 0.0


_process_limiter: SlidingWindowLimiter | None = None
_process_lock = threading.Lock()


def process_rate_limiter(requests_per_minute: float = DEFAULT_REQUESTS_PER_MINUTE) -> SlidingWindowLimiter:
    """The one limiter of this process (FRED limits per key, and every source in a process shares the key).

    The latest configured rate applies to every user: two sources with different rates in one process share
    the stricter history, never twice the budget.
    """
    global _process_limiter
    with _process_lock:
        if _process_limiter is None:
            _process_limiter = SlidingWindowLimiter(requests_per_minute)
        elif _process_limiter.requests_per_minute != requests_per_minute:
            _process_limiter.configure(requests_per_minute)
        return _process_limiter
