"""What a conformance night knows: per site its runs merged, its operations, its deviations and their history.

The night report (`conformance.json`, format `jsm-conformance-report`, version 1) is both tonight's result and the
history the next night compares with: it carries every deviation still believed to exist (failing tonight, or not
checkable tonight and carried over) with the date it was first seen.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import InputError

SITE_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")  # as the sites file requires

REPORT_FORMAT = "jsm-conformance-report"
REPORT_VERSION = 1

NEW, STILL, FIXED, UNCHECKED = "new", "still", "fixed", "unchecked"
RAN, INCOMPLETE, ERROR, NOT_RUN = "ran", "incomplete", "error", "not run"
CONTRACT, OBSERVED = "contract", "observed"
_HINT = "the file is not a conformance report written by jsm-openapi conformance"


def read_json(path: Path, what: str, hint: str) -> Any:
    """A JSON file's content; anything unreadable (missing, not UTF-8, not JSON, nested too deep) an InputError."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        detail = f"{reason}: {exc}" if isinstance(exc, ValueError) else reason
        raise InputError(f"{path}: not a readable {what} ({detail[:200]})", hint=hint) from None


def _fits(value: Any, kind: str) -> bool:
    """Whether a JSON value has the declared type (as dataclass annotations spell it)."""
    if kind.endswith(" | None"):
        return value is None or _fits(value, kind.removesuffix(" | None"))
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind in ("list[str]", "list[int]"):
        return isinstance(value, list) and all(_fits(v, kind[5:-1]) for v in value)
    if kind == "dict[str, int]":
        return isinstance(value, dict) and all(_fits(v, "int") for v in value.values())
    if kind == "dict[str, Any]":
        return isinstance(value, dict)
    return False


def _read(cls: type, data: Any, where: str, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields of a dataclass from a JSON object, each of its declared type, else an InputError."""
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected an object", hint=_HINT)
    found = {}
    for spec in fields(cls):
        if spec.name in skip or spec.name not in data:
            continue
        if not _fits(data[spec.name], str(spec.type)):
            raise InputError(f"{where}: {spec.name} is not of type {spec.type}", hint=_HINT)
        found[spec.name] = data[spec.name]
    return found


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
        known = _read(cls, data, where)
        if not re.fullmatch(r"[0-9a-f]{16}", known.get("fingerprint", "")):
            raise InputError(f"{where}: a deviation without a fingerprint of 16 hex digits", hint=_HINT)
        missing = [name for name in ("operation", "check", "code", "pointer", "detail", "summary") if name not in known]
        if missing:
            raise InputError(f"{where}: a deviation without {missing[0]}", hint=_HINT)
        return cls(**known)


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
    def from_json(cls, data: Any, where: str) -> OperationCell:
        known = _read(cls, data, where)
        if not isinstance(known.get("operation"), str) or not isinstance(known.get("label"), str):
            raise InputError(f"{where}: an operation without its name", hint=_HINT)
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
        simple = _read(cls, data, where, skip=("operations", "deviations", "fixed", "unchecked"))
        if not SITE_NAME.match(simple.get("name", "")):
            raise InputError(f"{where}: a site without a valid name", hint=_HINT)
        site = cls(**simple)
        lists = {name: data.get(name) or [] for name in ("operations", "deviations", "fixed", "unchecked")}
        if not all(isinstance(value, list) for value in lists.values()):
            raise InputError(f"{where}: site {site.name}: operations and deviations must be lists", hint=_HINT)
        cells = [OperationCell.from_json(c, f"{where}: site {site.name}") for c in lists["operations"]]
        site.operations = {cell.operation: cell for cell in cells}
        for name in ("deviations", "fixed", "unchecked"):
            setattr(site, name, [Deviation.from_json(d, f"{where}: site {site.name} {name}") for d in lists[name]])
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
        head = _read(cls, data, where, skip=("sites",))
        return cls(
            generated_at=head.get("generated_at", ""),
            sites=[SiteRun.from_json(site, where) for site in sites],
            run_url=head.get("run_url"),
            previous=head.get("previous"),
        )
