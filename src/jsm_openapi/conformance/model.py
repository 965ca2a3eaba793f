"""What a conformance night knows: per site its runs merged, its operations, its deviations and their history.

The night report (`conformance.json`, format `jsm-conformance-report`, version 1) is both tonight's result and the
history the next night compares with: it carries every deviation still believed to exist (failing tonight, or not
checkable tonight and carried over) with the date it was first seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError

SITE_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")  # as the sites file requires

REPORT_FORMAT = "jsm-conformance-report"
REPORT_VERSION = 1

NEW, STILL, FIXED, UNCHECKED = "new", "still", "fixed", "unchecked"
RAN, INCOMPLETE, ERROR, NOT_RUN = "ran", "incomplete", "error", "not run"
CONTRACT, OBSERVED = "contract", "observed"


@dataclass
class Deviation:
    """One deviation of one site (contract runs and observed traffic share fingerprints)."""

    fingerprint: str
    operation: str  # METHOD /wire/path ("" when not tied to one operation)
    check: str
    code: str
    pointer: str
    detail: str
    summary: str
    status: int | None = None
    tests: list[str] = field(default_factory=list)  # node ids of the tests that saw it (contract)
    count: int = 1
    sources: list[str] = field(default_factory=lambda: [CONTRACT])
    state: str = NEW
    first_seen: str = ""
    last_seen: str = ""

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: Any, where: str) -> Deviation:
        if not isinstance(data, dict) or not isinstance(data.get("fingerprint"), str):
            raise InputError(f"{where}: a deviation without a fingerprint", hint="the file is not a conformance report")
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        deviation = cls(**known)
        deviation.tests = [str(t) for t in deviation.tests] if isinstance(deviation.tests, list) else []
        deviation.sources = [str(s) for s in deviation.sources] if isinstance(deviation.sources, list) else [CONTRACT]
        return deviation


@dataclass
class OperationCell:
    """One operation on one site tonight: what was sent, what came back, the outcome and the deviations."""

    operation: str  # wire form
    label: str  # as the site's document names it
    requests: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    outcome: str = "not run"  # passed | failed | not run
    deviations: list[str] = field(default_factory=list)  # fingerprints

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: Any) -> OperationCell:
        known = {name: data[name] for name in cls.__dataclass_fields__ if isinstance(data, dict) and name in data}
        return cls(**known)


@dataclass
class SiteRun:
    """A site tonight: its configuration, how its runs went, its operations and deviations."""

    name: str
    config: dict[str, Any] = field(default_factory=dict)  # Site.describe()
    status: str = NOT_RUN
    errors: list[str] = field(default_factory=list)
    flavor: str | None = None
    jsm_version: str | None = None
    platform_version: str | None = None
    seed: int | None = None
    examples: int | None = None
    shards: int = 1
    shards_ran: list[int] = field(default_factory=list)
    requests_sent: int = 0
    duration: float = 0.0
    stopped: str | None = None
    operations: dict[str, OperationCell] = field(default_factory=dict)
    completed_tests: list[str] = field(default_factory=list)
    observed_files: list[str] = field(default_factory=list)  # observed-deviation files read tonight
    deviations: list[Deviation] = field(default_factory=list)  # failing tonight: new or still
    fixed: list[Deviation] = field(default_factory=list)  # failing last night, not any more
    unchecked: list[Deviation] = field(default_factory=list)  # failing last night, not checkable tonight

    @property
    def complete(self) -> bool:
        """Every shard ran, nothing stopped it early, every operation in scope got an outcome."""
        return (
            self.status == RAN
            and self.stopped is None
            and all(cell.outcome != "not run" for cell in self.operations.values())
        )

    def checked(self, deviation: Deviation) -> bool:
        """Whether tonight could have seen `deviation` again (so its absence means it is fixed)."""
        if deviation.sources == [OBSERVED]:
            return bool(self.observed_files)  # traffic is checked by reading tonight's files, run or not
        if self.status not in (RAN, INCOMPLETE):
            return False
        if deviation.tests:
            done = set(self.completed_tests)
            return all(test in done for test in deviation.tests)
        return self.complete

    def counts(self) -> dict[str, int]:
        return {
            NEW: sum(d.state == NEW for d in self.deviations),
            STILL: sum(d.state == STILL for d in self.deviations),
            FIXED: len(self.fixed),
            UNCHECKED: len(self.unchecked),
        }

    def as_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["operations"] = [cell.as_json() for cell in self.operations.values()]
        for name in ("deviations", "fixed", "unchecked"):
            data[name] = [d.as_json() for d in getattr(self, name)]
        return data

    @classmethod
    def from_json(cls, data: Any, where: str) -> SiteRun:
        if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not SITE_NAME.match(data["name"]):
            raise InputError(f"{where}: a site without a valid name", hint="the file is not a conformance report")
        simple = {
            name: data[name]
            for name in cls.__dataclass_fields__
            if name in data and name not in ("operations", "deviations", "fixed", "unchecked")
        }
        site = cls(**simple)
        site.operations = {
            cell.operation: cell for cell in (OperationCell.from_json(c) for c in data.get("operations") or [])
        }
        for name in ("deviations", "fixed", "unchecked"):
            setattr(site, name, [Deviation.from_json(d, f"{where} {name}") for d in data.get(name) or []])
        return site


@dataclass
class NightReport:
    """Every site of one night."""

    generated_at: str
    sites: list[SiteRun]
    run_url: str | None = None
    previous: str | None = None  # when the night compared with was generated, or None (no history)

    def site(self, name: str) -> SiteRun | None:
        return next((site for site in self.sites if site.name == name), None)

    def totals(self) -> dict[str, int]:
        totals = dict.fromkeys((NEW, STILL, FIXED, UNCHECKED), 0)
        for site in self.sites:
            for key, value in site.counts().items():
                totals[key] += value
        return totals

    def as_json(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "version": REPORT_VERSION,
            "generated_at": self.generated_at,
            "run_url": self.run_url,
            "previous": self.previous,
            "totals": self.totals(),
            "sites": [site.as_json() for site in self.sites],
        }

    @classmethod
    def from_json(cls, data: Any, where: str) -> NightReport:
        if not isinstance(data, dict) or data.get("format") != REPORT_FORMAT:
            raise InputError(f"{where} is not a conformance report", hint=f"expected format {REPORT_FORMAT!r}")
        if data.get("version") != REPORT_VERSION:
            raise InputError(
                f"{where}: conformance report version {data.get('version')!r} is not {REPORT_VERSION}",
                hint="compare with a report written by this version of jsm-openapi",
            )
        sites = data.get("sites")
        if not isinstance(sites, list):
            raise InputError(f"{where}: sites is not a list", hint="the file is not a conformance report")
        return cls(
            generated_at=str(data.get("generated_at") or ""),
            sites=[SiteRun.from_json(site, where) for site in sites],
            run_url=data.get("run_url"),
            previous=data.get("previous"),
        )
