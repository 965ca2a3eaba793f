"""Observed deviations (what real traffic saw) as deviations of a site, beside the contract run's.

The adapter boundary: files of JSON Lines records in format `jsm-observed-deviation`, version 1, written by the
facade (`jsm.Client(..., validate="warn", deviations_file=PATH)`, issue 13). Only the fields below are read; a line
that is not such a record is an InputError naming the file and the line (nothing half-read). Each record becomes a
Deviation with the same fingerprint scheme as the contract run's (`contract.findings.fingerprint`): the operation on
the wire, the check (`response_schema_conformance` for schema keywords, `status_code_conformance` for an
undeclared status), the generalized pointer (`path`, array indexes as `*`) and the keyword or status, so a deviation
seen both by the nightly run and in traffic is one deviation with two sources.

    {"format": "jsm-observed-deviation", "version": 1, "observed_at": "2025-11-23T10:00:00Z", "flavor": "cloud",
     "operation": "GET /rest/servicedeskapi/servicedesk/{serviceDeskId}", "status": 200,
     "path": "/values/*/id", "keyword": "type", "expected": "string", "seen": {"type": "integer"}, ...}

The records are read and validated by `jsm_openapi.drift.observed` (one reader of the format); the mapping to
Deviation is the part this module owns.
"""

from __future__ import annotations

from pathlib import Path

from ..contract.findings import MAX_DETAIL, clean, explain, fingerprint, wire_operation
from ..drift.observed import Record, read_records
from ..errors import InputError
from .model import OBSERVED, Deviation

MAX_FILES = 1000


def observed_files(patterns: list[Path]) -> list[Path]:
    """The files the sites file names: paths or glob patterns (relative to the sites file), sorted."""
    found: list[Path] = []
    for pattern in patterns:
        if any(ch in pattern.name for ch in "*?["):
            found.extend(p for p in sorted(pattern.parent.glob(pattern.name)) if p.is_file())
        elif pattern.is_file():
            found.append(pattern)
    if len(found) > MAX_FILES:
        raise InputError(f"{len(found)} observed-deviation files, more than {MAX_FILES}", hint="rotate or merge them")
    return sorted(set(found))


def read_observed(paths: list[Path], flavor: str | None) -> list[Deviation]:
    """Every distinct deviation in the files (records of another flavor than the site's are ignored)."""
    found: dict[str, Deviation] = {}
    for path in paths:
        for record in read_records(path):
            if flavor and record.flavor != flavor:
                continue
            deviation = _deviation(record)
            known = found.get(deviation.fingerprint)
            if known is None:
                found[deviation.fingerprint] = deviation
            else:
                known.count += 1
                known.first_seen = min(known.first_seen, deviation.first_seen)
                known.last_seen = max(known.last_seen, deviation.last_seen)
    return sorted(found.values(), key=lambda d: (d.operation, d.check, d.pointer, d.detail))


def _deviation(record: Record) -> Deviation:
    operation = wire_operation(record.flavor, record.operation)
    keyword, status, path, seen = record.keyword, record.status, record.path, record.seen
    if keyword == "status":
        check, pointer, detail = "status_code_conformance", "", str(status)
        summary = f"status {status} is not documented (seen in traffic)"
    elif keyword == "json":
        check, pointer, detail = "response_body", "", "json"
        summary = f"the body is not the declared JSON (seen {clean(seen.get('type', '?'), 20)})"
    else:
        check, pointer, detail = "response_schema_conformance", path, keyword
        summary = explain(keyword, record.expected, clean(seen.get("type", "?"), 20))
    when = record.observed_at.isoformat().replace("+00:00", "Z")
    return Deviation(
        fingerprint=fingerprint(operation, check, pointer, clean(detail, MAX_DETAIL)),
        operation=operation,
        check=check,
        code="observed",
        pointer=pointer,
        detail=clean(detail, MAX_DETAIL),
        summary=summary,
        status=status,
        tests=[],
        count=1,
        sources=[OBSERVED],
        first_seen=when,
        last_seen=when,
    )
