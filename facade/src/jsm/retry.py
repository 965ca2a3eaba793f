"""When and how long the facade retries: 429 and 503, honouring `Retry-After`, with bounded backoff (stamina)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})

_writes_allowed: ContextVar[bool] = ContextVar("jsm_retry_writes", default=False)


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of answers that say "try again later".

    - `attempts`: tries in all, the first included (1 = never retry).
    - `timeout`: seconds all tries of one call may take together, a hard deadline: a wait (`Retry-After` or
      backoff) that would end past it is never begun, the call raises `RateLimited`/`ServiceUnavailable` with
      `retry_after` at once (0: no limit but `attempts`).
    - `wait_initial`, `wait_max`, `wait_jitter`: exponential backoff when the site gives no `Retry-After`.
    - `max_retry_after`: the longest `Retry-After` honoured; a site asking for more gets no retry (the error
      carries its `retry_after`, so the caller decides).
    - `statuses`: the statuses retried.
    - `writes`: also retry POST and PATCH (off: a write is retried only inside `retry_writes()`).
    """

    attempts: int = 5
    timeout: float = 60.0
    wait_initial: float = 0.5
    wait_max: float = 10.0
    wait_jitter: float = 0.5
    max_retry_after: float = 30.0
    statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 503}))
    writes: bool = False

    def __post_init__(self) -> None:
        from .errors import ConfigurationError

        if self.attempts < 1:
            raise ConfigurationError(f"RetryPolicy(attempts={self.attempts}): use 1 (no retries) or more")
        for name in ("timeout", "wait_initial", "wait_max", "wait_jitter", "max_retry_after"):
            if getattr(self, name) < 0:
                raise ConfigurationError(f"RetryPolicy({name}={getattr(self, name)}): use 0 or more seconds")

    @classmethod
    def never(cls) -> RetryPolicy:
        """No retries at all."""
        return cls(attempts=1)

    def applies_to(self, method: str) -> bool:
        """Whether a call with this HTTP method may be retried right now."""
        if self.attempts < 2:
            return False
        return method.upper() in IDEMPOTENT_METHODS or self.writes or _writes_allowed.get()


@contextmanager
def retry_writes() -> Iterator[None]:
    """Within this block, POST and PATCH calls are retried on 429/503 too (use when a duplicate write is harmless)."""
    token = _writes_allowed.set(True)
    try:
        yield
    finally:
        _writes_allowed.reset(token)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds to wait: delay-seconds or an HTTP date; None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(seconds, 0.0)
