"""What one contract run is asked to do: target, flavor, examples, seed, live safety; from options and environment.

Options win over environment variables; every value is checked here, so a bad one is an InputError before any
server starts or any request leaves.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import InputError
from ..project import FLAVORS
from ..urls import display_url
from .shard import Shard, parse_shard


class TargetKind(StrEnum):
    mock = "mock"  # the project's stateful mock, started on a free loopback port (default)
    prism = "prism"  # Prism on the patched document: stateless, every operation
    live = "live"  # a real JSM site: JSM_BASE_URL + credentials


ENV = {
    "target": "JSM_CONTRACT_TARGET",
    "flavor": "JSM_CONTRACT_FLAVOR",
    "examples": "JSM_CONTRACT_EXAMPLES",
    "seed": "JSM_CONTRACT_SEED",
    "stateful_steps": "JSM_CONTRACT_STATEFUL_STEPS",
    "allow_writes": "JSM_CONTRACT_ALLOW_WRITES",
    "sandbox_service_desk": "JSM_SANDBOX_SERVICE_DESK",
    "budget": "JSM_CONTRACT_BUDGET",
    "rate": "JSM_CONTRACT_RATE",
    "reports": "JSM_CONTRACT_REPORTS",
    "defects": "JSM_CONTRACT_MOCK_DEFECTS",
    "email_domain": "JSM_CONTRACT_EMAIL_DOMAIN",
    "operations": "JSM_CONTRACT_OPERATIONS",
    "shard": "JSM_CONTRACT_SHARD",
}
DEFAULT_EXAMPLES = {TargetKind.mock: 10, TargetKind.prism: 3, TargetKind.live: 5}
STATEFUL_MIN_STEPS = 20
STATEFUL_MIN_SCENARIOS = 10
DEFAULT_BUDGET = {TargetKind.live: 2000}
DEFAULT_RATE = {TargetKind.live: 5.0}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class ContractSettings:
    """One run's settings (see `from_sources` for where each comes from)."""

    target: TargetKind = TargetKind.mock
    flavor: str | None = None  # None: detected (live) — mock and prism need one
    examples: int = DEFAULT_EXAMPLES[TargetKind.mock]
    seed: int = 0
    seed_given: bool = False
    stateful_steps: int = 0  # 0: `scenario_steps` decides (twice `examples`, at least STATEFUL_MIN_STEPS)
    allow_writes: bool = False
    sandbox_service_desk: str | None = None
    budget: int | None = None
    rate: float | None = None
    reports: Path = Path("reports/contract")
    defects: tuple[str, ...] = ()  # mock only: deliberate defects to switch on (the suite must then fail)
    email_domain: str = "example.com"
    base_url: str | None = None  # live only
    operations: tuple[str, ...] = ()  # only these operation labels (`POST /rest/servicedeskapi/customer`); all if empty
    shard: Shard | None = None  # only this shard of the operations in scope (`--shard i/n`, jsm_openapi.contract.shard)
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_sources(cls, options: Mapping[str, Any], env: Mapping[str, str] | None = None) -> ContractSettings:
        """Build from command-line `options` (None = not given) over environment variables."""
        env = os.environ if env is None else env

        def pick(name: str) -> Any:
            value = options.get(name)
            return value if value is not None else env.get(ENV[name])

        target = _target(pick("target"))
        flavor = pick("flavor") or (env.get("JSM_FLAVOR") if target is TargetKind.live else None)
        if flavor is not None and flavor not in FLAVORS:
            raise InputError(f"--flavor {flavor!r} is not a flavor", hint=f"use one of: {', '.join(FLAVORS)}")
        if flavor is None and target is not TargetKind.live:
            flavor = "cloud"
        seed_text = pick("seed")
        seed = _integer("seed", seed_text, minimum=0) if seed_text not in (None, "") else secrets.randbits(32)
        examples = _integer("examples", pick("examples"), minimum=1, default=DEFAULT_EXAMPLES[target])
        allow_writes = _boolean("allow_writes", pick("allow_writes"))
        sandbox = (pick("sandbox_service_desk") or "").strip() or None
        base_url = (env.get("JSM_BASE_URL") or "").strip().rstrip("/") or None
        defects = tuple(d.strip() for d in str(pick("defects") or "").split(",") if d.strip())
        chosen = pick("operations") or ()
        operations = tuple(o.strip() for o in ([chosen] if isinstance(chosen, str) else chosen) if o.strip())
        if target is TargetKind.live:
            if not base_url:
                raise InputError(
                    "--target live needs JSM_BASE_URL (the site's address, e.g. https://example.atlassian.net)",
                    hint="export JSM_BASE_URL and credentials (JSM_USER + JSM_API_TOKEN, JSM_PAT or JSM_OAUTH_TOKEN)",
                )
            parts = urlsplit(base_url)
            if parts.username is not None or parts.password is not None:
                raise InputError(  # the URL is not repeated: it holds a secret
                    "JSM_BASE_URL carries credentials (user:secret@host)",
                    hint="give the bare site URL, and the credentials in JSM_USER + JSM_API_TOKEN/JSM_PASSWORD, "
                    "JSM_PAT or JSM_OAUTH_TOKEN",
                )
            if not base_url.startswith(("https://", "http://")):
                raise InputError(
                    f"JSM_BASE_URL={display_url(base_url)!r} is not an http(s) URL", hint="e.g. https://x.atlassian.net"
                )
            if parts.query or parts.fragment:
                raise InputError(  # shown without them: either may hold a token
                    f"JSM_BASE_URL={display_url(base_url)!r} has a query or fragment",
                    hint="give the bare site URL, e.g. https://x.atlassian.net",
                )
            if allow_writes and not sandbox:
                raise InputError(
                    "--allow-writes against a live site needs --sandbox-service-desk (JSM_SANDBOX_SERVICE_DESK)",
                    hint="name a service desk (id or project key) that exists for testing only",
                )
        elif allow_writes or sandbox:
            allow_writes, sandbox = False, None  # mock and prism are throwaway: every operation runs anyway
        if defects and target is not TargetKind.mock:
            raise InputError(f"mock defects {list(defects)} given with --target {target}", hint="defects are mock-only")
        return cls(
            target=target,
            flavor=flavor,
            examples=examples,
            seed=seed,
            seed_given=seed_text not in (None, ""),
            stateful_steps=_integer("stateful_steps", pick("stateful_steps"), minimum=2, default=0),
            allow_writes=allow_writes,
            sandbox_service_desk=sandbox,
            budget=_integer("budget", pick("budget"), minimum=1, default=DEFAULT_BUDGET.get(target)),
            rate=_number("rate", pick("rate"), default=DEFAULT_RATE.get(target)),
            reports=Path(pick("reports") or "reports/contract"),
            defects=defects,
            email_domain=str(pick("email_domain") or "example.com"),
            base_url=base_url if target is TargetKind.live else None,
            operations=operations,
            shard=parse_shard(pick("shard")),
            env=dict(env),
        )

    @property
    def stateful_scenarios(self) -> int:
        """Stateful scenarios per run: `examples`, at least STATEFUL_MIN_SCENARIOS (fewer leave chains unwalked)."""
        return max(STATEFUL_MIN_SCENARIOS, self.examples)

    @property
    def scenario_steps(self) -> int:
        """Most steps of one stateful scenario: the chains are up to six links long, and scenarios wander."""
        return self.stateful_steps or max(STATEFUL_MIN_STEPS, 2 * self.examples)

    @property
    def writes_enabled(self) -> bool:
        """Whether write operations run: always on throwaway targets, on live only with flag + sandbox."""
        return self.target is not TargetKind.live or (self.allow_writes and self.sandbox_service_desk is not None)


def _target(value: Any) -> TargetKind:
    text = str(value or "mock").strip().lower()
    try:
        return TargetKind(text)
    except ValueError:
        raise InputError(
            f"--target {text!r} is not a contract target", hint="use mock (default), prism or live"
        ) from None


def _integer(name: str, value: Any, *, minimum: int, default: int | None = None) -> Any:
    if value in (None, ""):
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InputError(
            f"{name} {value!r} is not a whole number", hint=f"give a number of at least {minimum}"
        ) from None
    if number < minimum:
        raise InputError(f"{name} {number} is below {minimum}", hint=f"give a number of at least {minimum}")
    return number


def _number(name: str, value: Any, *, default: float | None) -> float | None:
    if value in (None, ""):
        return default
    try:
        number = float(str(value).strip())
    except ValueError:
        raise InputError(f"{name} {value!r} is not a number", hint="e.g. 5 (requests per second)") from None
    if number <= 0:
        raise InputError(f"{name} {number} must be positive", hint="e.g. 5 (requests per second)")
    return number


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(f"{name} {value!r} is not true or false", hint="use 1/true/yes or 0/false/no")
