"""What a mock instance is started with: flavor, seed, database, faults and deliberate defects."""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..errors import InputError

FLAVORS = ("server", "cloud")
DEFAULT_SEED = Path(__file__).parent / "seed" / "default.yaml"


class Defect(StrEnum):
    """Deliberate contract breaks, off by default, so a contract suite can prove it catches them."""

    CUSTOMER_FULLNAME = "customer-fullname"
    """Create customer answers `fullName` instead of `displayName` (the seed gap, backwards)."""
    CREATE_STATUS_200 = "create-status-200"
    """Creates answer 200 instead of 201."""
    PLATFORM_ERRORS = "platform-errors"
    """Errors in the platform model `{errorMessages, errors}` instead of JSM's `{errorMessage, i18nErrorMessage}`."""
    INTEGER_IDS = "integer-ids"
    """Ids in bodies are JSON numbers instead of strings."""
    TRANSITION_200 = "transition-200"
    """Performing a customer transition answers 200 with the request instead of 204 without a body."""
    NO_LAST_PAGE = "no-last-page"
    """Pages never say `isLastPage: true` (a client that trusts it loops forever; one that checks size stops)."""
    UNLICENSED = "unlicensed"
    """Jira without a JSM licence: every `/servicedeskapi` call but `/info` answers 403 with an HTML page."""


def parse_defects(names: list[str] | tuple[str, ...] | set[str] | frozenset[str]) -> frozenset[Defect]:
    """Defect names → Defects; an unknown name is an InputError listing the known ones."""
    known = {d.value: d for d in Defect}
    out = set()
    for name in names:
        if name not in known:
            raise InputError(
                f"unknown mock defect {name!r}",
                hint=f"known defects: {', '.join(sorted(known))}",
            )
        out.add(known[name])
    return frozenset(out)


MAX_LATENCY_MS = 60_000  # a minute: enough to trip any client timeout, short enough for SIGTERM to stop the mock
MAX_RETRY_AFTER = 86_400  # a day, in seconds


def _bounded(name: str, value: object, low: float, high: float, what: str) -> None:
    """A fault setting is a real number (not a bool, not a string), finite, from `low` to `high`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"fault {name}={value!r} is not a number", hint=f"use {what}")
    if not (math.isfinite(value) and low <= value <= high):
        raise InputError(f"fault {name}={value!r} is out of range", hint=f"use {what}")


@dataclass
class Faults:
    """Fault injection for client tests; all off by default. Safe to change while the mock runs.

    - `rate_limit`: fraction (0..1) of API requests answered 429 with `Retry-After: retry_after`.
    - `unavailable`: fraction (0..1) of API requests answered 503 (also with `Retry-After`).
    - `latency_ms`: added before every API answer (at most `MAX_LATENCY_MS`).
    - `retry_after`: whole seconds, at most `MAX_RETRY_AFTER`.
    - `seed`: makes the random choices reproducible (a whole number).

    Numbers must be JSON numbers (not booleans, not strings), finite and within those bounds.
    """

    rate_limit: float = 0.0
    unavailable: float = 0.0
    latency_ms: float = 0.0
    retry_after: int = 1
    seed: int | None = None
    _rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.validate()
        if self.seed is not None:
            self._rng.seed(self.seed)

    def validate(self) -> None:
        _bounded("rate_limit", self.rate_limit, 0, 1, "a fraction from 0 to 1, e.g. 0.2")
        _bounded("unavailable", self.unavailable, 0, 1, "a fraction from 0 to 1, e.g. 0.05")
        if self.rate_limit + self.unavailable > 1.0:
            raise InputError(
                f"faults rate_limit={self.rate_limit} + unavailable={self.unavailable} exceed 1",
                hint="the two fractions share the same requests; keep their sum at most 1",
            )
        _bounded("latency_ms", self.latency_ms, 0, MAX_LATENCY_MS, f"milliseconds from 0 to {MAX_LATENCY_MS}")
        _bounded("retry_after", self.retry_after, 0, MAX_RETRY_AFTER, f"whole seconds from 0 to {MAX_RETRY_AFTER}")
        if not isinstance(self.retry_after, int):
            raise InputError(f"fault retry_after={self.retry_after!r} is not whole seconds", hint="e.g. 2")
        if self.seed is not None:
            _bounded("seed", self.seed, -(2**63), 2**63 - 1, "a whole number, or null")
            if not isinstance(self.seed, int):
                raise InputError(f"fault seed={self.seed!r} is not a whole number", hint="e.g. 7, or null")

    def update(self, **changes: Any) -> None:
        """Change some settings at once (validated; unknown names are an InputError)."""
        allowed = {"rate_limit", "unavailable", "latency_ms", "retry_after", "seed"}
        unknown = set(changes) - allowed
        if unknown:
            raise InputError(f"unknown fault setting(s) {sorted(unknown)}", hint=f"known: {sorted(allowed)}")
        candidate = Faults(**{**self.as_dict(), **changes})
        with self._lock:
            self.rate_limit, self.unavailable = candidate.rate_limit, candidate.unavailable
            self.latency_ms, self.retry_after = candidate.latency_ms, candidate.retry_after
            if "seed" in changes:
                self.seed = candidate.seed
                self._rng.seed(candidate.seed)

    def clear(self) -> None:
        """Turn every fault off."""
        self.update(rate_limit=0.0, unavailable=0.0, latency_ms=0.0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rate_limit": self.rate_limit,
            "unavailable": self.unavailable,
            "latency_ms": self.latency_ms,
            "retry_after": self.retry_after,
            "seed": self.seed,
        }

    def draw(self) -> str | None:
        """Which fault this request gets: "429", "503" or None."""
        with self._lock:
            if self.rate_limit == 0.0 and self.unavailable == 0.0:
                return None
            roll = self._rng.random()
        if roll < self.rate_limit:
            return "429"
        if roll < self.rate_limit + self.unavailable:
            return "503"
        return None


def parse_fault_option(text: str, faults: Faults | None = None) -> Faults:
    """One `--fault` value (`429=0.2`, `503=0.05`, `latency=50ms`, `retry-after=2`, `seed=7`) applied to `faults`."""
    faults = faults or Faults()
    name, sep, value = text.partition("=")
    name = name.strip().lower()
    if not sep or not value.strip():
        raise InputError(
            f"--fault {text!r} is not NAME=VALUE",
            hint="e.g. --fault 429=0.2 --fault 503=0.05 --fault latency=50ms --fault retry-after=2",
        )
    value = value.strip().lower()
    try:
        if name in ("429", "rate-limit"):
            faults.update(rate_limit=float(value))
        elif name in ("503", "unavailable"):
            faults.update(unavailable=float(value))
        elif name == "latency":
            faults.update(latency_ms=float(value.removesuffix("ms")))
        elif name == "retry-after":
            faults.update(retry_after=int(value.removesuffix("s")))
        elif name == "seed":
            faults.update(seed=int(value))
        else:
            raise InputError(
                f"--fault {text!r}: unknown fault {name!r}", hint="known: 429, 503, latency, retry-after, seed"
            )
    except ValueError as exc:
        raise InputError(f"--fault {text!r}: {value!r} is not a number", hint="e.g. 429=0.2 or latency=50ms") from exc
    return faults


@dataclass
class MockConfig:
    """Everything one mock instance is built from."""

    flavor: str
    seed: Path = DEFAULT_SEED
    db: Path | None = None
    faults: Faults = field(default_factory=Faults)
    defects: set[Defect] = field(default_factory=set)
    record: bool = False
    """Keep every exchange in `app.state.journal` (tests validate them against the patched document)."""
    admin_token: str | None = field(default=None, repr=False)
    """When set, every `/_mock` call must carry `Authorization: Bearer <admin_token>` (a mock beyond loopback)."""

    def __post_init__(self) -> None:
        if self.flavor not in FLAVORS:
            raise InputError(f"unknown mock flavor {self.flavor!r}", hint="use server or cloud")
        self.defects = set(parse_defects([str(d) for d in self.defects]))
