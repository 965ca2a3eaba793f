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

When the observed-deviation reader of `jsm_openapi.drift.observed` is available, it may replace `_records` here: the
mapping to Deviation is the part this module owns.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from ..contract.findings import MAX_DETAIL, clean, explain, fingerprint, wire_operation
from ..errors import InputError
from .model import OBSERVED, Deviation

RECORD_FORMAT = "jsm-observed-deviation"
RECORD_VERSION = 1
MAX_LINE = 1 << 20
MAX_FILES = 1000
_OPERATION = re.compile(r"^[A-Z]{3,7} /[^\s]{0,500}$")
_KEYWORD = re.compile(r"^[A-Za-z$]{1,64}$")
_POINTER_SEGMENT = re.compile(r"^(?:\*|[A-Za-z_$][A-Za-z0-9_.$~-]{0,63})$")
_HINT = "observed-deviation files are JSON Lines of jsm-observed-deviation records (README 'Nightly conformance')"


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
        for record, where in _records(path):
            if flavor and record["flavor"] != flavor:
                continue
            deviation = _deviation(record, where)
            known = found.get(deviation.fingerprint)
            if known is None:
                found[deviation.fingerprint] = deviation
            else:
                known.count += 1
                known.first_seen = min(known.first_seen, deviation.first_seen)
                known.last_seen = max(known.last_seen, deviation.last_seen)
    return sorted(found.values(), key=lambda d: (d.operation, d.check, d.pointer, d.detail))


def _deviation(record: dict[str, Any], where: str) -> Deviation:
    operation = wire_operation(record["flavor"], record["operation"])
    keyword, status, path = record["keyword"], record["status"], record["path"]
    seen = record["seen"]
    if keyword == "status":
        check, pointer, detail = "status_code_conformance", "", str(status)
        summary = f"status {status} is not documented (seen in traffic)"
    elif keyword == "json":
        check, pointer, detail = "response_body", "", "json"
        summary = f"the body is not the declared JSON (seen {clean(seen.get('type', '?'), 20)})"
    else:
        check, pointer, detail = "response_schema_conformance", path, keyword
        summary = explain(keyword, record["expected"], clean(seen.get("type", "?"), 20))
    when = record["observed_at"]
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


def _records(path: Path) -> list[tuple[dict[str, Any], str]]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read observed deviations from {path}: {exc.strerror or exc}", hint=_HINT) from None
    records = []
    with handle:
        for number, raw in enumerate(iter(lambda: handle.readline(MAX_LINE + 1), b""), start=1):
            where = f"{path}:{number}"
            if len(raw) > MAX_LINE:
                raise InputError(f"{where}: a line longer than {MAX_LINE} bytes is not a deviation record", hint=_HINT)
            if raw.strip():
                records.append((_parse(raw, where), where))
    return records


def _parse(raw: bytes, where: str) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(f"{where}: not a JSON record ({type(exc).__name__})", hint=_HINT) from None
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        raise InputError(f"{where}: not a {RECORD_FORMAT} record", hint=_HINT)
    if data.get("version") != RECORD_VERSION:
        raise InputError(f"{where}: record version {data.get('version')!r:.20} is not {RECORD_VERSION}", hint=_HINT)
    problem = _problem(data)
    if problem:
        raise InputError(f"{where}: {problem}", hint=_HINT)
    return data


def _problem(data: dict[str, Any]) -> str | None:
    """What is wrong with a record's fields, or None."""
    if data.get("flavor") not in ("server", "cloud"):
        return "flavor must be server or cloud"
    operation = data.get("operation")
    if not isinstance(operation, str) or not _OPERATION.match(operation):
        return "operation must be METHOD /path"
    status = data.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        return "status must be an HTTP status code"
    keyword = data.get("keyword")
    if not isinstance(keyword, str) or not _KEYWORD.match(keyword):
        return "keyword must be a JSON Schema keyword, status or json"
    path = data.get("path")
    if not isinstance(path, str) or len(path) > 2048 or (path and not path.startswith("/")):
        return 'path must be a JSON pointer ("" or "/...")'
    if path and not all(_POINTER_SEGMENT.match(segment) for segment in path[1:].split("/")):
        return "path must be generalized (field names and *), not values"
    seen = data.get("seen")
    if not isinstance(seen, dict) or len(seen) > 4 or any(isinstance(v, str) and len(v) > 64 for v in seen.values()):
        return 'seen must be a shape like {"type": "string", "length": 3}'
    if "expected" not in data or len(json.dumps(data["expected"], default=str)) > 4096:
        return "expected is missing or too long"
    when = data.get("observed_at")
    try:
        if not isinstance(when, str) or len(when) > 40:
            raise ValueError
        datetime.fromisoformat(when.replace("Z", "+00:00"))
    except ValueError:
        return "observed_at must be an ISO 8601 time"
    return None
