"""What a drift run produces: findings in layers, per compared pair, judged against a `--fail-on` threshold.

A comparison holds **layers**, each answering one question with its own counts:

- `raw` (a): what Atlassian changed: the raw documents, pinned vs latest;
- `client` (b): what the client sees: the patched documents (pin + overlays vs new copy + overlays), per flavor,
  with the overlay health on the new copy (an action that stops applying is a finding of this layer);
- `code` (c): what breaks in user code: the Python API of the regenerated package, from a provider
  (`drift.code_layer`); "not computed" with the reason while none is available.

Other sections join as layers with their own key, per comparison or for the whole report (`DriftReport.sections`):
`observed`, the deviations real traffic showed (`drift/observed.py`), is one. `--fail-on` judges the layers named by
`DriftReport.gate` (by default the client and code layers and the observed section); when none of a comparison's
judged layers could be computed it judges its raw layer, and says so.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..documents import Json, canonical_json
from .rules import ORDER, RULES, Rule, Severity

RAW, CLIENT, CODE = "raw", "client", "code"
OBSERVED = "observed"  # a report-wide section: deviations observed in real traffic (`drift --observed FILE…`)
LETTERS = {RAW: "a", CLIENT: "b", CODE: "c"}
TITLES = {
    RAW: "What Atlassian changed",
    CLIENT: "What the client sees",
    CODE: "What breaks in user code",
    OBSERVED: "Observed: the site disagrees with the document",
}
COMPARISON_KEYS = (RAW, CLIENT, CODE)  # the layers of every comparison; other keys are report-wide sections
DEFAULT_GATE = (CLIENT, CODE, OBSERVED)
# Every layer key `--fail-layers` accepts; a new section joining the report appends its own.
LAYER_KEYS: list[str] = [RAW, CLIENT, CODE, OBSERVED]
HEALTH_KINDS = {
    "overlay-action-no-match": "no longer match (the build would fail)",
    "overlay-action-failed": "cannot be applied (the build would fail)",
    "flavor-merge-failed": "flavor no longer merges",
    "patched-document-broken": "patched document broken",
    "overlay-action-not-needed": "no longer needed",
}


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


class Finding(Protocol):
    """What every layer lists and every renderer reads: a classified change with a stable fingerprint."""

    @property
    def rule(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def pointer(self) -> str: ...
    @property
    def operations(self) -> tuple[OperationRef, ...]: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def summary(self) -> str: ...
    @property
    def why(self) -> str: ...
    @property
    def is_api(self) -> bool: ...
    @property
    def fingerprint(self) -> str: ...
    def where(self) -> str: ...
    def sort_key(self) -> tuple[Any, ...]: ...
    def as_json(self) -> dict[str, Any]: ...


def _where(pointer: str, operations: tuple[OperationRef, ...]) -> str:
    if not operations:
        return pointer
    if len(operations) == 1:
        return str(operations[0])
    return f"{operations[0]} and {len(operations) - 1} more operation(s)"


@dataclass(frozen=True)
class Change:
    """One classified change of an OpenAPI document (a rule of the catalogue).

    `pointer` is a JSON pointer into the new document (into the old one for what was removed); `subject` is the same
    place spelled without array indexes (parameters by `in:name`; a component compared with its renamed successor as
    `Old→New`), so it stays stable across versions and feeds the fingerprint. `operations` are the operations
    affected (several when a shared component changed).
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
    def summary(self) -> str:
        return RULES[self.rule].summary

    @property
    def why(self) -> str:
        return RULES[self.rule].why

    @property
    def is_api(self) -> bool:
        """False for documentation and metadata edits, which never count as API changes."""
        return self.severity > Severity.INFO

    @property
    def is_health(self) -> bool:
        return RULES[self.rule].group == "overlay"

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
        return _where(self.pointer, self.operations)

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
class CodeChange:
    """A change of the regenerated package's Python API (layer c), as its provider classified it.

    `pointer` names the Python object (`jsm_cloud.models.CmdbWorkspaceDTO`); the provider brings its own rule ids,
    severities and fingerprints (stable across runs, like a `Change`'s).
    """

    rule: str
    severity: Severity
    message: str
    pointer: str
    fingerprint: str
    summary: str = ""
    why: str = ""
    operations: tuple[OperationRef, ...] = ()
    old: Json = None
    new: Json = None

    @property
    def is_api(self) -> bool:
        return self.severity > Severity.INFO

    def where(self) -> str:
        return _where(self.pointer, self.operations)

    def sort_key(self) -> tuple[Any, ...]:
        return (-self.severity, len(ORDER), self.pointer, "", self.rule)

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.label,
            "message": self.message,
            "operations": [op.as_json() for op in self.operations],
            "pointer": self.pointer,
            "old": self.old,
            "new": self.new,
            "fingerprint": self.fingerprint,
        }


@dataclass
class Layer:
    """One question an alert answers, with its findings, overlay health and counts, or why it was not computed."""

    key: str  # RAW, CLIENT, CODE, or another section's key (e.g. "observed")
    title: str  # the question: "What Atlassian changed"
    basis: str  # what was compared: "raw documents", "patched documents of flavor cloud (pin + 21 overlay files)"
    changes: list[Finding] = field(default_factory=list)
    health: list[Change] = field(default_factory=list)  # overlay findings (the client layer)
    not_computed: str | None = None  # why the layer is missing; its findings are then unknown

    @property
    def letter(self) -> str:
        return LETTERS.get(self.key, "")

    @property
    def heading(self) -> str:
        prefix = f"({self.letter}) " if self.letter else ""
        return f"{prefix}{self.title}"

    @property
    def computed(self) -> bool:
        return self.not_computed is None

    @property
    def judged(self) -> bool:
        """Whether `--fail-on` can judge this layer: it was computed, or it has overlay findings (a merge failure)."""
        return self.computed or bool(self.health)

    def api_changes(self) -> list[Finding]:
        return [c for c in self.changes if c.is_api]

    def documentation(self) -> list[Finding]:
        return [c for c in self.changes if not c.is_api]

    def counts(self) -> dict[Severity, int]:
        """API changes and documentation edits by severity; overlay findings are counted apart (health_counts)."""
        counts = dict.fromkeys(Severity, 0)
        for change in self.changes:
            counts[change.severity] += 1
        return counts

    def health_counts(self) -> dict[str, int]:
        """Overlay findings per kind (no match, failed, merge failed, not needed)."""
        counts: dict[str, int] = {}
        for finding in self.health:
            counts[finding.rule] = counts.get(finding.rule, 0) + 1
        return counts

    def at_or_above(self, threshold: Severity) -> list[Finding]:
        failing: list[Finding] = [c for c in self.changes if c.is_api and c.severity >= threshold]
        failing += [c for c in self.health if c.severity >= threshold]
        return failing

    def as_json(self, *, gated: bool) -> dict[str, Any]:
        return {
            "key": self.key,
            "letter": self.letter,
            "title": self.title,
            "basis": self.basis,
            "computed": self.computed,
            "not_computed": self.not_computed,
            "judged_by_fail_on": gated,
            "summary": {s.label: n for s, n in sorted(self.counts().items(), reverse=True)},
            "overlay_summary": self.health_counts(),
            "changes": [c.as_json() for c in self.api_changes()],
            "overlay_health": [c.as_json() for c in self.health],
            "documentation": [c.as_json() for c in self.documentation()],
        }


@dataclass(frozen=True)
class DocumentInfo:
    """One side of a comparison: how it is named, where it came from, its digest and `info.version`.

    `note` says how the document was obtained when that is not obvious (e.g. extracted from an HTML page).
    """

    label: str
    origin: str
    sha256: str
    version: str
    note: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "label": self.label,
            "origin": self.origin,
            "sha256": self.sha256,
            "version": self.version,
            "note": self.note,
        }


@dataclass
class Comparison:
    """One document against another, in layers; with a pin: the proposed new pin, or why none is proposed."""

    old: DocumentInfo
    new: DocumentInfo
    layers: list[Layer]
    pin: str | None = None
    proposed_pin: str | None = None  # a TOML snippet for openapi/sources.toml
    not_proposed: str | None = None  # why no pin is proposed although the document changed
    warnings: list[str] = field(default_factory=list)  # said in the alert's first line (e.g. an older --latest)
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
        return cls(old=unknown, new=unknown, layers=[], pin=pin, error=message, exit_code=exit_code)

    @property
    def identical(self) -> bool:
        return self.error is None and self.old.sha256 == self.new.sha256

    def layer(self, key: str) -> Layer | None:
        return next((layer for layer in self.layers if layer.key == key), None)

    @property
    def raw(self) -> Layer:
        found = self.layer(RAW)
        return found if found is not None else Layer(RAW, TITLES[RAW], "raw documents")

    @property
    def changes(self) -> list[Finding]:
        """The raw layer's findings (API changes and documentation edits)."""
        return self.raw.changes

    def api_changes(self) -> list[Finding]:
        return self.raw.api_changes()

    def documentation(self) -> list[Finding]:
        return self.raw.documentation()

    def health(self) -> list[Change]:
        return [finding for layer in self.layers for finding in layer.health]

    def judged(self, gate: tuple[str, ...]) -> list[Layer]:
        """The layers `--fail-on` judges: the gate's layers that could be judged, else the raw layer."""
        chosen = [layer for layer in self.layers if layer.key in gate and layer.judged]
        return chosen or [layer for layer in self.layers if layer.key == RAW]

    def at_or_above(self, threshold: Severity, gate: tuple[str, ...] = (RAW,)) -> list[Finding]:
        return [finding for layer in self.judged(gate) for finding in layer.at_or_above(threshold)]

    def as_json(self, threshold: Severity, gate: tuple[str, ...]) -> dict[str, Any]:
        judged = {id(layer) for layer in self.judged(gate)}
        return {
            "title": self.title,
            "pin": self.pin,
            "old": self.old.as_json(),
            "new": self.new.as_json(),
            "identical": self.identical,
            "error": self.error,
            "warnings": self.warnings,
            "failing": len(self.at_or_above(threshold, gate)),
            "judged_layers": [layer.key for layer in self.layers if id(layer) in judged],
            "layers": [layer.as_json(gated=id(layer) in judged) for layer in self.layers],
            "proposed_pin": self.proposed_pin,
            "not_proposed": self.not_proposed,
        }


def _short(info: DocumentInfo) -> str:
    """A version when it is short, else the start of the sha256."""
    return info.version if 0 < len(info.version) <= 24 else f"sha256 {info.sha256[:12]}"


@dataclass
class DriftReport:
    """Everything one `jsm-openapi drift` run compared, judged against a `--fail-on` threshold on the gate's layers.

    `sections` are report-wide layers that belong to no single comparison (e.g. deviations observed in traffic).
    """

    comparisons: list[Comparison]
    threshold: Severity = Severity.BREAKING
    gate: tuple[str, ...] = DEFAULT_GATE
    sections: list[Layer] = field(default_factory=list)

    def errors(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.error]

    def exit_code(self) -> int:
        """The first error's exit code, else 1 when a judged finding is at or above the threshold, else 0."""
        for comparison in self.errors():
            return comparison.exit_code
        return 1 if self.failing() else 0

    def failing(self) -> list[Finding]:
        found = [f for comparison in self.comparisons for f in comparison.at_or_above(self.threshold, self.gate)]
        found += [
            f for section in self.sections if section.key in self.gate for f in section.at_or_above(self.threshold)
        ]
        return found

    def layers(self) -> list[Layer]:
        return [layer for comparison in self.comparisons for layer in comparison.layers] + self.sections

    def fingerprints(self) -> list[str]:
        """Sorted fingerprints of every API change and overlay finding of every layer (documentation excluded)."""
        found = {c.fingerprint for layer in self.layers() for c in [*layer.changes, *layer.health] if c.is_api}
        return sorted(found)

    def fingerprint_set(self) -> str:
        """One id for the whole set: a nightly alert with the same set updates the same issue."""
        return hashlib.sha256("\n".join(self.fingerprints()).encode()).hexdigest()[:16]

    def as_json(self) -> dict[str, Any]:
        return {
            "schema_version": 2,
            "fail_on": self.threshold.label,
            "fail_on_layers": list(self.gate),
            "failing": len(self.failing()),
            "fingerprint_set": self.fingerprint_set(),
            "fingerprints": self.fingerprints(),
            "comparisons": [c.as_json(self.threshold, self.gate) for c in self.comparisons],
            "sections": [s.as_json(gated=s.key in self.gate) for s in self.sections],
        }
