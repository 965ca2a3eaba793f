"""Observed deviations as drift alerts: `jsm-openapi drift --observed FILE…`.

Document drift says *Atlassian changed the document*; an observed deviation says *the site disagrees with the
document*: a real answer (from `jsm.Client(..., validate=..., deviations_file=...)` in production, or from the
contract suite's live runs) did not fit the patched document's schema. The files are JSON Lines, one record per
distinct deviation (format `jsm-observed-deviation`, version 1, documented in README "Observed deviations" and in
`jsm.deviations`). This module reads them strictly (a malformed line is an error naming the file and line: nothing
is half-read), groups records by fingerprint and turns each group into a finding with a rule and a severity judged
from the client's side, like document drift. The findings make the report-wide `observed` section of the drift report
(`DriftReport.sections`): counted, fingerprinted, judged by `--fail-on` and rendered in every format like a layer.

The fingerprint is recomputed here from the record's fields (never trusted from the file): sha256 of
`[flavor, operation, status, path, keyword, expected as sorted JSON, seen.type]` as canonical JSON, 16 hex digits,
the same as `jsm.deviations.Deviation.fingerprint`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import InputError
from .model import OBSERVED, TITLES, Layer, OperationRef
from .rules import ORDER, Severity

RECORD_FORMAT = "jsm-observed-deviation"
RECORD_VERSION = 1
MAX_LINE = 1 << 20  # a record is a few hundred bytes; a longer line is not one
MAX_EXPECTED = 4096
_OPERATION = re.compile(r"^[A-Z]{3,7} /\S{0,500}$")
_KEYWORD = re.compile(r"^[A-Za-z$]{1,64}$")
_FLAVOR = re.compile(r"^[a-z]{1,16}$")
_HEX16 = re.compile(r"^[0-9a-f]{16}$")
_GENERAL_SEGMENT = re.compile(r"^(?:\*|[A-Za-z_$][A-Za-z0-9_.$~-]{0,63})$")  # a field name or *, never a value


@dataclass(frozen=True)
class ObservedRule:
    """How one kind of deviation is judged."""

    id: str
    severity: Severity
    summary: str


FIX = (
    "Fix the document with an overlay at the schema place named (overlays/README.md), citing the fingerprint as "
    "evidence; the generated client is built from the document, so until then it reads these answers wrongly."
)
# Keyword → rule. Severities from the caller's side of the generated client (as in docs/drift-rules.md).
RULES: dict[str, ObservedRule] = {
    "type": ObservedRule(
        "observed-type", Severity.BREAKING, "A field arrives with another JSON type than the document says."
    ),
    "required": ObservedRule(
        "observed-required", Severity.BREAKING, "A field the document requires is missing from answers."
    ),
    "status": ObservedRule(
        "observed-status", Severity.BREAKING, "An answer has a status the operation does not declare."
    ),
    "json": ObservedRule("observed-body", Severity.BREAKING, "An answer's body is not the JSON the document declares."),
    "enum": ObservedRule(
        "observed-enum-value", Severity.POTENTIAL, "A value outside the document's enum (open enums read it)."
    ),
    "additionalProperties": ObservedRule(
        "observed-undeclared-field",
        Severity.NON_BREAKING,
        "A field the document does not declare, in an object it closes (kept in additional_properties).",
    ),
}
OTHER = ObservedRule(
    "observed-constraint", Severity.POTENTIAL, "A value breaks another constraint of the document (pattern, range)."
)


@dataclass(frozen=True)
class Record:
    """One validated line of an observed-deviations file."""

    flavor: str
    operation: str
    status: int
    pointer: str
    path: str
    keyword: str
    expected: Any
    seen: dict[str, Any]
    schema: str
    observed_at: datetime
    site_version: str | None
    source: str
    where: str  # file:line

    @property
    def fingerprint(self) -> str:
        expected = json.dumps(self.expected, sort_keys=True, default=str)
        parts = [self.flavor, self.operation, self.status, self.path, self.keyword, expected, self.seen.get("type")]
        text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ObservedFinding:
    """Every record of one deviation: the site disagrees with the document at one place (a finding of the
    `observed` section, read by every renderer like a document change)."""

    records: tuple[Record, ...]

    @property
    def first(self) -> Record:
        return self.records[0]

    @property
    def kind(self) -> ObservedRule:
        return RULES.get(self.first.keyword, OTHER)

    @property
    def rule(self) -> str:
        return self.kind.id

    @property
    def severity(self) -> Severity:
        return self.kind.severity

    @property
    def summary(self) -> str:
        return self.kind.summary

    @property
    def why(self) -> str:
        return FIX

    @property
    def is_api(self) -> bool:
        return True

    @property
    def fingerprint(self) -> str:
        return self.first.fingerprint

    @property
    def pointer(self) -> str:
        """Where an overlay fixes it: the schema keyword's place in the patched document (else the operation)."""
        return self.first.schema or self.first.operation

    @property
    def operations(self) -> tuple[OperationRef, ...]:
        method, _, path = self.first.operation.partition(" ")
        return (OperationRef(method.lower(), path),)

    @property
    def site_versions(self) -> list[str]:
        return sorted({r.site_version or "unknown" for r in self.records})

    @property
    def message(self) -> str:
        first = self.first
        seen = f"×{len(self.records)}, JSM {', '.join(self.site_versions)}"
        place = first.path or "(the body)"
        schema = f"; schema {first.schema}" if first.schema else ""
        answer = f"answer {first.status}, {place}"
        return f"the {first.flavor} site disagrees with the document: {answer}: {_explain(first)} ({seen}){schema}"

    def where(self) -> str:
        return self.first.operation

    def sort_key(self) -> tuple[Any, ...]:
        first = self.first
        return (-self.severity, len(ORDER), first.operation, f"{first.flavor} {first.status}", first.path)

    def as_json(self) -> dict[str, Any]:
        first = self.first
        return {
            "rule": self.rule,
            "severity": self.severity.label,
            "message": self.message,
            "operations": [op.as_json() for op in self.operations],
            "pointer": self.pointer,
            "flavor": first.flavor,
            "operation": first.operation,
            "status": first.status,
            "path": first.path,
            "first_pointer": first.pointer,
            "keyword": first.keyword,
            "expected": first.expected,
            "seen": first.seen,
            "schema": first.schema,
            "records": len(self.records),
            "first_seen": min(r.observed_at for r in self.records).isoformat(),
            "last_seen": max(r.observed_at for r in self.records).isoformat(),
            "site_versions": self.site_versions,
            "sources": sorted({r.source for r in self.records}),
            "fingerprint": self.fingerprint,
        }


def read_observed(paths: list[Path]) -> Layer:
    """Read observed-deviation files into the report's `observed` section: one finding per distinct deviation
    (records grouped by fingerprint), most severe first. InputError on any malformed line."""
    groups: dict[str, list[Record]] = {}
    for path in paths:
        for record in read_records(path):
            groups.setdefault(record.fingerprint, []).append(record)
    findings = [ObservedFinding(tuple(sorted(records, key=lambda r: r.observed_at))) for records in groups.values()]
    findings.sort(key=lambda f: f.sort_key())
    count = sum(len(f.records) for f in findings)
    names = ", ".join(_clean(p.name) for p in paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    basis = f"{len(findings)} distinct deviation(s) from {count} record(s) in {len(paths)} file(s): {names}"
    return Layer(OBSERVED, TITLES[OBSERVED], basis, changes=list(findings))


def is_observed_file(path: Path) -> bool:
    """Whether a file's first line is an observed-deviation record (how `--observed a b c` tells files apart)."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(MAX_LINE)
        data = json.loads(first)
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and data.get("format") == RECORD_FORMAT


def read_records(path: Path) -> list[Record]:
    """Every record of one observed-deviations file, validated; InputError naming the file and line otherwise."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(
            f"cannot read observed deviations from {path}: {exc.strerror or exc}",
            hint="give JSON Lines files written by jsm.Client(..., deviations_file=...) or the contract suite",
        ) from None
    records = []
    with handle:
        for number, raw in enumerate(iter(lambda: handle.readline(MAX_LINE + 1), b""), start=1):
            where = f"{path}:{number}"
            if len(raw) > MAX_LINE:
                raise InputError(f"{where}: a line longer than {MAX_LINE} bytes is not a deviation record")
            if not raw.strip():
                continue
            records.append(_parse(raw, where))
    return records


def _parse(raw: bytes, where: str) -> Record:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(f"{where}: not a JSON record ({type(exc).__name__})", hint=_HINT) from None
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        raise InputError(f'{where}: not a {RECORD_FORMAT} record (no "format": "{RECORD_FORMAT}")', hint=_HINT)
    version = data.get("version")
    if version != RECORD_VERSION:
        newer = isinstance(version, int) and not isinstance(version, bool) and version > RECORD_VERSION
        reason = "written by a newer client: upgrade jsm-openapi" if newer else "an unknown version"
        raise InputError(f"{where}: record version {version!r} is {reason} (this reads version {RECORD_VERSION})")
    try:
        return _record(data, where)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{where}: {exc}", hint=_HINT) from None


_HINT = "observed-deviation files are JSON Lines of jsm-observed-deviation records (README 'Observed deviations')"


def _record(data: dict[str, Any], where: str) -> Record:
    flavor = _text(data, "flavor", _FLAVOR)
    operation = _text(data, "operation", _OPERATION)
    status = data["status"]
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise ValueError(f"status must be an HTTP status code, not {_short(status)}")
    pointer, path = _pointer(data, "pointer"), _pointer(data, "path")
    if path and not all(_GENERAL_SEGMENT.match(segment) for segment in path[1:].split("/")):
        raise ValueError("path must be generalized (field names and *), not values")
    keyword = _text(data, "keyword", _KEYWORD)
    expected = data["expected"]
    if len(json.dumps(expected, default=str)) > MAX_EXPECTED:
        raise ValueError(f"expected is longer than {MAX_EXPECTED} characters")
    seen = data["seen"]
    if not isinstance(seen, dict) or not isinstance(seen.get("type", "status"), str) or len(seen) > 4:
        raise ValueError('seen must be an object like {"type": "string", "length": 3}')
    if any(isinstance(v, str) and len(v) > 64 for v in seen.values()):
        raise ValueError("seen holds a value, not a shape")
    schema = data.get("schema", "")
    if not isinstance(schema, str) or len(schema) > 2048:
        raise ValueError("schema must be a JSON pointer into the patched document")
    observed_at = _when(data.get("observed_at"))
    site = data.get("site") or {}
    version = site.get("version") if isinstance(site, dict) else None
    if version is not None and (not isinstance(version, str) or len(version) > 64):
        raise ValueError("site.version must be a short string")
    source = data.get("source", "")
    if not isinstance(source, str) or len(source) > 128:
        raise ValueError("source must be a short string")
    fingerprint = data.get("fingerprint")
    record = Record(
        flavor, operation, status, pointer, path, keyword, expected, seen, schema, observed_at,
        _clean(version) if version else None, _clean(source), where,
    )  # fmt: skip
    if fingerprint is not None and (not isinstance(fingerprint, str) or not _HEX16.match(fingerprint)):
        raise ValueError("fingerprint must be 16 hex digits")
    if fingerprint is not None and fingerprint != record.fingerprint:
        raise ValueError(
            f"fingerprint {fingerprint} does not match the record's fields ({record.fingerprint}): the line was edited"
        )
    return record


def _text(data: dict[str, Any], key: str, pattern: re.Pattern[str]) -> str:
    value = data[key]
    if not isinstance(value, str) or not pattern.match(value):
        raise ValueError(f"{key} {_short(value)} is not valid")
    return _clean(value)


def _pointer(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or len(value) > 2048 or (value and not value.startswith("/")):
        raise ValueError(f'{key} must be a JSON pointer ("" or "/..."), not {_short(value)}')
    return _clean(value)


def _when(value: Any) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("observed_at must be an ISO 8601 time")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"observed_at {_short(value)} is not an ISO 8601 time") from None


def _clean(text: str) -> str:
    """Text safe to print anywhere: lone surrogates and control characters replaced."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return "".join(c if c.isprintable() else "?" for c in text)


def _short(value: Any) -> str:
    text = repr(value)
    return _clean(text if len(text) <= 60 else text[:57] + "...")


def _explain(record: Record) -> str:
    seen = record.seen
    shown = str(seen.get("type", "?"))
    if "length" in seen:
        shown += f" of length {seen['length']}"
    expected = json.dumps(record.expected, default=str)
    expected = _clean(expected if len(expected) <= 100 else expected[:97] + "...")
    if record.keyword == "additionalProperties":
        return f"a field the document does not declare (closed object); seen {shown}"
    if record.keyword == "required":
        return f"the required field {expected} is missing"
    if record.keyword == "status":
        return f"status {seen.get('status', record.status)} is not declared (declared: {expected})"
    if record.keyword == "json":
        return f"expected a JSON body, seen {shown}"
    if record.keyword == "type":
        return f"expected {expected}, seen {shown}"
    return f"{record.keyword} {expected} not met, seen {shown}"
