"""Deviations a contract run found, as data: operation, check, pointer, what differed, and a stable fingerprint.

The Markdown summary is for people; this is for machines comparing runs (`jsm_openapi.conformance`). A deviation
is identified by its **fingerprint**: 16 hex digits of sha256 over the operation (method and wire path, so Server's
`/servicedeskapi/x` under `/rest` and Cloud's `/rest/servicedeskapi/x` are one operation), the check, the JSON
pointer into the answer with array indexes as `*`, and the stable part of what failed (the schema keyword, the
undocumented status code). The same deviation gets the same fingerprint on every night and every site; values from
the answer never enter it, nor the record: an answer's values are the site's data (names, emails), so a record says
what type was seen, not what value. Object keys from the answer appear in pointers only when they look like field
names; anything else becomes `*` (a hostile or personal key must not reach a report or an issue).

`result-<target>-<flavor>.json` (format `jsm-contract-result`, version 1) holds the run's facts, each operation's
outcome and every deviation; `jsm-openapi conformance` merges these across shards and sites.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..documents import write_atomic
from .redact import Redactor

RESULT_FORMAT = "jsm-contract-result"
RESULT_VERSION = 1
_FIELD_NAME = re.compile(r"^[A-Za-z_$][A-Za-z0-9_.$-]{0,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MAX_DETAIL = 80
MAX_SUMMARY = 300
MAX_EXTRA = 10


def wire_operation(flavor: str, label: str) -> str:
    """`METHOD /path` as it goes on the wire: Server's document paths hang from `/rest`, Cloud's carry it."""
    method, _, path = label.partition(" ")
    if flavor == "server" and not path.startswith("/rest/"):
        path = "/rest" + path
    return f"{method} {path}"


def fingerprint(operation: str, check: str, pointer: str, detail: str) -> str:
    """16 hex digits identifying a deviation across runs, shards and sites."""
    text = json.dumps([operation, check, pointer, detail], ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def safe_key(key: object) -> str:
    """An object key as it may appear in a report: field-like names are kept, anything else becomes `*`."""
    text = str(key)
    return text if _FIELD_NAME.match(text) else "*"


def general_pointer(segments: Iterable[object]) -> str:
    """A JSON pointer with array indexes and non-field keys as `*`: `/values/3/id` → `/values/*/id`."""
    parts = []
    for segment in segments:
        text = "*" if isinstance(segment, int) else safe_key(segment)
        parts.append("/" + text.replace("~", "~0").replace("/", "~1"))
    return "".join(parts)


def clean(text: object, limit: int) -> str:
    """One line of at most `limit` characters, without control characters."""
    line = _CONTROL.sub(" ", str(text)).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


@dataclass
class Finding:
    """One deviation: where (operation, pointer), which check, what (detail, summary), and the test that saw it."""

    operation: str | None  # the document's label (`GET /servicedeskapi/info` on Server); None: not tied to one
    check: str
    code: str  # schemathesis's stable failure code (ST108), or "test" for a failing hand-written assertion
    pointer: str
    detail: str
    summary: str
    status: int | None = None
    test: str = ""
    count: int = 1

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.operation or "", self.check, self.pointer, self.detail)

    def as_json(self, flavor: str) -> dict[str, Any]:
        wire = wire_operation(flavor, self.operation) if self.operation else ""
        return {
            "fingerprint": fingerprint(wire, self.check, self.pointer, self.detail),
            "operation": wire,
            "label": self.operation or "",
            "check": self.check,
            "code": self.code,
            "pointer": self.pointer,
            "detail": self.detail,
            "summary": self.summary,
            "status": self.status,
            "test": self.test,
            "count": self.count,
        }


def describe_failure(label: str | None, failure: Any, status: int | None) -> list[Finding]:
    """A schemathesis check failure as Findings (structure only: no value from the answer). An undeclared field in a
    closed object is one finding per field (at most MAX_EXTRA), pointing at the field."""
    checks = getattr(failure, "checks", ()) or ("custom",)
    check = str(checks[0])
    code = str(getattr(failure, "code", "") or "")
    title = clean(getattr(failure, "title", "") or check, 100)
    instance_path = getattr(failure, "instance_path", None)
    schema_path = getattr(failure, "schema_path", None)
    if instance_path is not None and schema_path is not None:
        keyword = next((str(s) for s in reversed(list(schema_path)) if isinstance(s, str)), "schema")
        try:
            parent = failure.schema  # the failing keyword's schema, $refs resolved
        except Exception:  # schemathesis renders it lazily; failing to render loses only words
            parent = {}
        expected = parent.get(keyword) if isinstance(parent, dict) else None
        instance = getattr(failure, "instance", None)
        pointer = general_pointer(instance_path)
        if keyword == "additionalProperties" and isinstance(instance, dict) and isinstance(parent, dict):
            properties = parent.get("properties")
            declared: dict[str, Any] = properties if isinstance(properties, dict) else {}
            extra = sorted({safe_key(key) for key in instance if key not in declared})[:MAX_EXTRA]
            summary = explain(keyword, expected, "")
            return [Finding(label, check, code, f"{pointer}/{key}", keyword, summary, status) for key in extra]
        summary = explain(keyword, expected, json_type(instance))
        return [Finding(label, check, code, pointer, clean(keyword, MAX_DETAIL), summary, status)]
    if hasattr(failure, "status_code") and hasattr(failure, "defined_status_codes"):
        defined = ", ".join(str(s) for s in failure.defined_status_codes)
        summary = f"status {failure.status_code} is not documented (documented: {defined})"
        return [Finding(label, check, code, "", str(failure.status_code), clean(summary, MAX_SUMMARY), status)]
    detail = ""
    try:
        detail = clean(getattr(failure, "_unique_key", "") or "", MAX_DETAIL)
    except Exception:  # an optional refinement
        detail = ""
    if check == "not_a_server_error" and status is not None:
        detail = str(status)
    summary = f"{title}" + (f" ({detail})" if detail else "")
    return [Finding(label, check, code, "", detail, clean(summary, MAX_SUMMARY), status)]


def explain(keyword: str, expected: Any, seen: str) -> str:
    """What a schema keyword wanted and what type the answer had, in words (no values from the answer)."""
    if keyword == "type":
        return clean(f"expected {_schema_text(expected)}, seen {seen}", MAX_SUMMARY)
    if keyword == "required":
        return clean(f"a required field is missing (required: {_schema_text(expected)})", MAX_SUMMARY)
    if keyword == "additionalProperties":
        return "a field the document does not declare (the object is closed)"
    if keyword == "enum":
        return clean(f"not one of {_schema_text(expected)} (seen {seen})", MAX_SUMMARY)
    if keyword in ("not", "false"):
        return "a value the document does not allow here"
    if expected is None:
        return clean(f"{keyword} not met (seen {seen})", MAX_SUMMARY)
    return clean(f"{keyword} {_schema_text(expected)} not met (seen {seen})", MAX_SUMMARY)


def _schema_text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return clean(text, 120)


@dataclass
class FindingLog:
    """The run's deviations: recorded by the checks as they fail, kept once the test that saw them has failed."""

    pending: list[Finding] = field(default_factory=list)
    kept: dict[tuple[str, str, str, str], Finding] = field(default_factory=dict)
    completed: set[str] = field(default_factory=set)  # node ids of tests that ran to an outcome

    def record(self, label: str | None, failures: Sequence[Any], status: int | None) -> None:
        """Check failures of one answer (the ones not tolerated as known gaps)."""
        for failure in failures:
            self.pending.extend(describe_failure(label, failure, status))

    def settle(self, nodeid: str, label: str | None, outcome: str) -> None:
        """A test ended: its deviations count if it failed (a failing test with none becomes one of its own)."""
        pending, self.pending = self.pending, []
        if outcome in ("passed", "failed"):
            self.completed.add(nodeid)
        if outcome != "failed":
            return
        if not pending:
            name = nodeid.rsplit("::", 1)[-1].split("[", 1)[0]
            pending = [Finding(label, "test", "test", "", clean(name, MAX_DETAIL), f"{clean(name, 100)} failed")]
        for finding in pending:
            finding.test = finding.test or nodeid
            known = self.kept.get(finding.key)
            if known is None:
                self.kept[finding.key] = finding
            else:
                known.count += finding.count

    def deviations(self) -> list[Finding]:
        return sorted(self.kept.values(), key=lambda f: f.key)


@dataclass(frozen=True)
class SiteFacts:
    """What the site says about itself (`/servicedeskapi/info`); values are the site's and get escaped on output."""

    version: str | None = None
    platform_version: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return {"version": self.version, "platform_version": self.platform_version}


def probe_site(session: Any, url: str) -> SiteFacts:
    """GET `/servicedeskapi/info` (anonymous on JSM): the site's JSM and platform versions, if it says them."""
    try:
        response = session.get(url, timeout=30)
        body = response.json() if response.status_code == 200 else None
    except Exception:  # the versions are informative: a run never fails for want of them
        return SiteFacts()
    if not isinstance(body, dict):
        return SiteFacts()

    def text(name: str) -> str | None:
        value = body.get(name)
        return clean(value, 64) if isinstance(value, str | int | float) and not isinstance(value, bool) else None

    return SiteFacts(text("version"), text("platformVersion"))


def write_result(path: Path, data: dict[str, Any], redactor: Redactor) -> Path:
    """Write the run's result (secrets redacted, atomically)."""
    text = json.dumps({"format": RESULT_FORMAT, "version": RESULT_VERSION, **data}, indent=1, ensure_ascii=False)
    write_atomic(path, (redactor.text(text) + "\n").encode())
    return path


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
