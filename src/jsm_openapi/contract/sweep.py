"""Before a live run with writes: find what earlier runs of the suite left behind, and remove it (or list it).

Everything the suite creates carries its run's tag (`cleanup.Tagger`: `jsm-contract-<run id>` in names and
summaries, `jsm-contract+<run id>-…@` in emails). A run that was killed, or whose removals the site refused, leaves
tagged entities behind; the next run with writes sweeps them. Where it looks (GET only, paged, bounded):

- organizations whose name is tagged (and their members);
- requests of the sandbox desk whose summary is tagged (the only desk the suite raises requests in);
- customers whose email is tagged: the sandbox desk's customers, the tagged organizations' members, and the
  platform's user search (Cloud `/rest/api/3/user/search`, DC `/rest/api/2/user/search`; skipped where absent).

Only tags of runs that started at least `min_age` ago are swept: a younger one may belong to a run still going (its
own cleanup removes it), so it is listed as kept. After the removals the sweep looks again: whatever is still there
is left behind, with the answer its removal got, for a person to remove.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests

from .cleanup import TAG_PREFIX, Leftover, Removal, tag_of
from .guard import RequestRefused

if TYPE_CHECKING:
    from .run import ContractRun

SWEEP_MIN_AGE = 2 * 3600.0  # seconds: the nightly job's own timeout is one hour
PAGE = 50
MAX_PAGES = 20  # at most 1,000 entities of a kind per sweep: the request budget is for the checks


@dataclass(frozen=True)
class Tagged:
    """An entity carrying a suite tag: what it is, how the site names it, the run that made it."""

    kind: str  # customer | organization | request
    identifier: str  # account id / username, organization id, issue key
    text: str  # the tagged name, summary or email
    run_id: str
    started: float
    entity: dict[str, Any] = field(compare=False, repr=False, hash=False)

    @property
    def description(self) -> str:
        return f"{self.kind} {self.identifier} ({self.text!r}, run {self.run_id})"


@dataclass
class SweepResult:
    """What the sweep found of earlier runs: removed, left behind (could not be removed), kept (too young)."""

    removed: list[Tagged] = field(default_factory=list)
    left: list[Leftover] = field(default_factory=list)
    kept: list[Tagged] = field(default_factory=list)

    @property
    def found(self) -> int:
        return len(self.removed) + len(self.left) + len(self.kept)


def _values(session: requests.Session, url: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
    """Items of a JSM page (or a plain list), page after page; nothing when the answer is not a 200 JSON."""
    start = 0
    for _ in range(MAX_PAGES):
        try:
            response = session.get(url, params={**params, "start": str(start), "limit": str(PAGE)}, timeout=30)
        except requests.RequestException:
            return
        if response.status_code != 200:
            return
        try:
            body = response.json()
        except ValueError:
            return
        values = body.get("values", []) if isinstance(body, dict) else body
        if not isinstance(values, list):
            return
        yield from (value for value in values if isinstance(value, dict))
        if not isinstance(body, dict) or body.get("isLastPage", True) or not values:
            return
        start += len(values)


class Sweeper:
    """Finds earlier runs' tagged entities on the run's target, through the run's guarded session."""

    def __init__(self, run: ContractRun, desk: str) -> None:
        self.run = run
        self.desk = desk
        self.cloud = run.target.flavor == "cloud"

    def _tagged(self, kind: str, identifier: Any, text: Any, entity: dict[str, Any]) -> Tagged | None:
        tag = tag_of(str(text or ""))
        if tag is None or identifier in (None, "") or tag[0] == self.run.run_id:
            return None
        return Tagged(kind, str(identifier), str(text), tag[0], tag[1], entity)

    def organizations(self) -> list[Tagged]:
        found = (self._tagged("organization", o.get("id"), o.get("name"), o) for o in self._list("/organization"))
        return [entity for entity in found if entity is not None]

    def requests(self) -> list[Tagged]:
        params = {"serviceDeskId": self.desk, "requestOwnership": "ALL_REQUESTS", "searchTerm": TAG_PREFIX}
        found = []
        for request in self._list("/request", params):
            summary = next(
                (
                    value.get("value")
                    for value in request.get("requestFieldValues") or []
                    if isinstance(value, dict) and value.get("fieldId") == "summary"
                ),
                None,
            )
            found.append(self._tagged("request", request.get("issueKey"), summary, request))
        return [entity for entity in found if entity is not None]

    def customers(self, organizations: list[Tagged]) -> list[Tagged]:
        key = "accountId" if self.cloud else "name"
        users = list(self._list(f"/servicedesk/{self.desk}/customer", {"query": TAG_PREFIX}))
        for organization in organizations:
            users += self._list(f"/organization/{organization.identifier}/user")
        root = self.run.target.root_url
        search = (
            (f"{root}/rest/api/3/user/search", {"query": TAG_PREFIX})
            if self.cloud
            else (f"{root}/rest/api/2/user/search", {"username": TAG_PREFIX})
        )
        users += _values(self.run.session, *search)
        found: dict[str, Tagged] = {}
        for user in users:
            entity = self._tagged("customer", user.get(key), user.get("emailAddress"), user)
            if entity is not None:
                found.setdefault(entity.identifier, entity)
        return list(found.values())

    def _list(self, suffix: str, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
        return list(_values(self.run.session, self.run.url(suffix), params or {}))


def sweep(
    run: ContractRun, desk: str, *, min_age: float = SWEEP_MIN_AGE, now: Callable[[], float] = time.time
) -> SweepResult:
    """Remove earlier runs' tagged leftovers from the run's live target (see the module docstring).

    Kind by kind, in removal order (requests, customers, organizations: a request before its reporter, members
    before their organization), each kind looked for again after its removals."""
    sweeper = Sweeper(run, desk)
    organizations = sweeper.organizations()
    finders: tuple[Callable[[], list[Tagged]], ...] = (
        sweeper.requests,
        lambda: sweeper.customers(organizations),
        sweeper.organizations,
    )
    result = SweepResult()
    for find in finders:
        tried: dict[str, tuple[Tagged, str]] = {}
        for entity in find():
            if now() - entity.started < min_age:
                result.kept.append(entity)
                continue
            removal = run.removal(entity.kind, entity.entity)
            if removal is None:
                result.left.append(Leftover(entity.kind, entity.identifier, entity.description, "no removal known"))
                continue
            # The suite's own (tagged) entity: the policy lets the run remove it.
            run.policy.own(entity.kind, entity.identifier)
            tried[entity.identifier] = (entity, _remove(removal))
        if not tried:
            continue
        still = {entity.identifier for entity in find()}
        for identifier, (entity, answer) in tried.items():
            if identifier in still:
                run.policy.disown(entity.kind, identifier)  # owned only to be removed: the run must not write to it
                result.left.append(Leftover(entity.kind, identifier, entity.description, f"still there after {answer}"))
            else:
                result.removed.append(entity)
    return result


def _remove(removal: Removal) -> str:
    """Send the removal; what happened, in words for the report."""
    try:
        status = removal.send()
    except RequestRefused:
        return f"{removal.method} was refused by the live-safety guard (not sent)"
    except requests.RequestException as exc:
        return f"{removal.method} failed: {type(exc).__name__}"
    return f"{removal.method} answered {status}"
