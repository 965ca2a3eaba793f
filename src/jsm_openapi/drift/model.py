"""What a drift comparison produces: changes with rule, location and fingerprint, grouped per compared pair."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from ..documents import Json, canonical_json
from .rules import ORDER, RULES, Rule, Severity


@dataclass(frozen=True, order=True)
class OperationRef:
    """An operation as people name it: method, path, operationId (the id may be empty)."""

    method: str
    path: str
    operation_id: str = ""

    def __str__(self) -> str:
        text = f"{self.method.upper()} {self.path}"
        return f"{text} ({self.operation_id})" if self.operation_id else text

    def as_json(self) -> dict[str, str]:
        return {"method": self.method.upper(), "path": self.path, "operationId": self.operation_id}


@dataclass(frozen=True)
class Change:
    """One classified change.

    `pointer` is a JSON pointer into the new document (into the old one for what was removed); `subject` is the same
    place spelled without array indexes (parameters by `in:name`), so it stays stable across versions and feeds the
    fingerprint. `operations` are the operations affected (several when a shared component changed).
    """

    rule: str
    message: str
    pointer: str
    subject: str
    operations: tuple[OperationRef, ...] = ()
    old: Json = None
    new: Json = None

    @property
    def definition(self) -> Rule:
        return RULES[self.rule]

    @property
    def severity(self) -> Severity:
        return RULES[self.rule].severity

    @property
    def is_api(self) -> bool:
        """False for documentation and metadata edits, which never count as API changes."""
        return self.severity > Severity.INFO

    @property
    def fingerprint(self) -> str:
        """16 hex digits of sha256(rule, subject, old, new): the same change gets the same fingerprint every run."""
        digest = hashlib.sha256(canonical_json([self.rule, self.subject, self.old, self.new]))
        return digest.hexdigest()[:16]

    def sort_key(self) -> tuple[Any, ...]:
        first = self.operations[0] if self.operations else OperationRef("", "")
        return (-self.severity, ORDER[self.rule], first.path, first.method, self.subject)

    def where(self) -> str:
        """How a person reads the location: the operation(s), else the pointer."""
        if not self.operations:
            return self.pointer
        if len(self.operations) == 1:
            return str(self.operations[0])
        return f"{self.operations[0]} and {len(self.operations) - 1} more operation(s)"

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.label,
            "message": self.message,
            "operations": [op.as_json() for op in self.operations],
            "pointer": self.pointer,
            "subject": self.subject,
            "old": self.old,
            "new": self.new,
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True)
class DocumentInfo:
    """One side of a comparison: how it is named, where it came from, its digest and `info.version`."""

    label: str
    origin: str
    sha256: str
    version: str

    def as_json(self) -> dict[str, str]:
        return {"label": self.label, "origin": self.origin, "sha256": self.sha256, "version": self.version}


@dataclass
class Comparison:
    """The changes from one document to another, plus overlay health and a proposed pin when NEW replaces a pin."""

    old: DocumentInfo
    new: DocumentInfo
    changes: list[Change]
    pin: str | None = None
    health_checked: list[str] = field(default_factory=list)  # flavors whose overlays were checked on NEW
    proposed_pin: str | None = None  # a TOML snippet for openapi/sources.toml
    error: str | None = None  # why this pin could not be compared (the other pins still are)
    exit_code: int = 0  # the error's exit code

    @property
    def title(self) -> str:
        if self.pin:
            return f"{self.pin}: pinned {_short(self.old)} → {self.new.label} {_short(self.new)}"
        return f"{self.old.label} → {self.new.label}"

    @classmethod
    def failed(cls, pin: str, message: str, exit_code: int) -> Comparison:
        """A pin that could not be compared (fetch or parse failure)."""
        unknown = DocumentInfo(label="?", origin="?", sha256="", version="")
        return cls(old=unknown, new=unknown, changes=[], pin=pin, error=message, exit_code=exit_code)

    @property
    def identical(self) -> bool:
        return self.error is None and self.old.sha256 == self.new.sha256

    def api_changes(self) -> list[Change]:
        return [c for c in self.changes if c.is_api and c.definition.group != "overlay"]

    def documentation(self) -> list[Change]:
        return [c for c in self.changes if not c.is_api]

    def health(self) -> list[Change]:
        return [c for c in self.changes if c.definition.group == "overlay"]

    def counts(self) -> dict[Severity, int]:
        counts = dict.fromkeys(Severity, 0)
        for change in self.changes:
            counts[change.severity] += 1
        return counts

    def at_or_above(self, threshold: Severity) -> list[Change]:
        return [c for c in self.changes if c.is_api and c.severity >= threshold]

    def as_json(self, threshold: Severity) -> dict[str, Any]:
        return {
            "title": self.title,
            "pin": self.pin,
            "old": self.old.as_json(),
            "new": self.new.as_json(),
            "identical": self.identical,
            "error": self.error,
            "summary": {severity.label: count for severity, count in sorted(self.counts().items(), reverse=True)},
            "failing": len(self.at_or_above(threshold)),
            "changes": [c.as_json() for c in self.api_changes()],
            "overlay_health": {"flavors": self.health_checked, "findings": [c.as_json() for c in self.health()]},
            "documentation": [c.as_json() for c in self.documentation()],
            "proposed_pin": self.proposed_pin,
        }


def _short(info: DocumentInfo) -> str:
    """A version when it is short, else the start of the sha256."""
    return info.version if 0 < len(info.version) <= 24 else f"sha256 {info.sha256[:12]}"


@dataclass
class DriftReport:
    """Everything one `jsm-openapi drift` run compared, judged against a `--fail-on` threshold."""

    comparisons: list[Comparison]
    threshold: Severity = Severity.BREAKING

    def errors(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.error]

    def exit_code(self) -> int:
        """The first error's exit code, else 1 when a change is at or above the threshold, else 0."""
        for comparison in self.errors():
            return comparison.exit_code
        return 1 if self.failing() else 0

    def failing(self) -> list[Change]:
        return [c for comparison in self.comparisons for c in comparison.at_or_above(self.threshold)]

    def fingerprints(self) -> list[str]:
        """Sorted fingerprints of every API change and overlay finding (documentation edits excluded)."""
        return sorted({c.fingerprint for comp in self.comparisons for c in comp.changes if c.is_api})

    def fingerprint_set(self) -> str:
        """One id for the whole set: a nightly alert with the same set updates the same issue."""
        return hashlib.sha256("\n".join(self.fingerprints()).encode()).hexdigest()[:16]

    def as_json(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "fail_on": self.threshold.label,
            "failing": len(self.failing()),
            "fingerprint_set": self.fingerprint_set(),
            "fingerprints": self.fingerprints(),
            "comparisons": [c.as_json(self.threshold) for c in self.comparisons],
        }
