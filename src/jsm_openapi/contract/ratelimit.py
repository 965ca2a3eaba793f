"""Pace requests to a site: a steady rate, and a pause for as long as the site's `Retry-After` asks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from jsm.retry import parse_retry_after

Clock = Callable[[], float]
Sleep = Callable[[float], None]

RETRY_STATUSES = frozenset({429, 503})


def retry_after(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` of a response in seconds (delay-seconds or an HTTP date; header names are case-insensitive)."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            return parse_retry_after(value)
    return None


class RateLimiter:
    """At most `rate` requests a second (None: no pacing), and nothing at all until a `Retry-After` pause ends.

    Thread-safe; the clock and sleep are injectable so tests can watch it without waiting.
    """

    def __init__(self, rate: float | None = None, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> None:
        if rate is not None and rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds spent waiting (reports show it)

    def acquire(self) -> float:
        """Wait for the next slot; return how long it waited."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            interval = 1.0 / self.rate if self.rate else 0.0
            self._next = start + interval
        delay = start - now
        if delay > 0:
            self._sleep(delay)
            self.waited += delay
        return delay

    def pause(self, seconds: float) -> None:
        """The site said `Retry-After: seconds`: no request leaves before then."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)
