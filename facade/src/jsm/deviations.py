"""Observed deviations: where an answer disagreed with the API document, and the JSON Lines file they are kept in.

A deviation names the operation, the status, the place in the answer (a JSON pointer, and the same place with array
indexes and map keys generalized to `*`), the schema keyword that failed, what the document expects there and the
*shape* of what was seen: its JSON type and length, never its value. One record per line, appended:

    {"format": "jsm-observed-deviation", "version": 1, "observed_at": "2025-11-23T10:00:00Z",
     "source": "jsm-client 0.2.0", "flavor": "cloud", "site": {"version": "10.3.0", "platform_version": "..."},
     "document": {"package": "jsm_cloud", "patched_sha256": "..."},
     "operation": "GET /rest/servicedeskapi/servicedesk/{serviceDeskId}", "status": 200,
     "pointer": "/values/3/id", "path": "/values/*/id", "keyword": "type", "expected": "string",
     "seen": {"type": "integer"}, "schema": "#/components/schemas/ServiceDeskDTO/properties/id/type",
     "fingerprint": "0123456789abcdef"}

Nothing in a record comes from the answer's values: object keys that appear in pointers are kept only when they look
like field names (letters, digits, `_ . - $`, at most 64 characters), others become `*`. No URL, header, credential
or site address is written. `jsm-openapi drift --observed FILE…` reads these files (README "Observed deviations").
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import ConfigurationError

RECORD_FORMAT = "jsm-observed-deviation"
RECORD_VERSION = 1
_FIELD_NAME = re.compile(r"^[A-Za-z_$][A-Za-z0-9_.$-]{0,63}$")
log = logging.getLogger("jsm.validation")


def json_type(value: Any) -> str:
    """The JSON type name of a parsed value."""
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


def shape_of(value: Any) -> dict[str, Any]:
    """What a value looks like without what it says: its JSON type, and its length for strings, arrays, objects."""
    kind = json_type(value)
    if kind in ("string", "array", "object"):
        return {"type": kind, "length": len(value)}
    return {"type": kind}


def safe_key(key: str | int) -> str:
    """An object key as it may appear in a record: field-like names are kept, anything else becomes `*`."""
    text = str(key)
    return text if _FIELD_NAME.match(text) else "*"


def pointer_of(segments: list[str | int] | tuple[str | int, ...]) -> str:
    """A JSON pointer (RFC 6901) from path segments, with non-field-like keys hidden."""
    return "".join(
        "/" + (str(s) if isinstance(s, int) else safe_key(s).replace("~", "~0").replace("/", "~1")) for s in segments
    )


@dataclass(frozen=True)
class Deviation:
    """One place where an answer disagreed with the API document."""

    flavor: str
    operation: str
    """`METHOD path template`, as the generated package names it."""
    status: int
    pointer: str
    """Where in the answer (first occurrence), e.g. `/values/3/id`; empty for the whole body."""
    path: str
    """The same place, generalized: array indexes and map keys as `*` (`/values/*/id`)."""
    keyword: str
    """The JSON Schema keyword that failed (`type`, `required`, `additionalProperties`, `enum`, ...), or `status`
    (a status the operation does not declare) or `json` (a body that is not the declared JSON)."""
    expected: Any
    """What the document says there (a type, the enum's values, `false` for a closed object, the statuses ...)."""
    seen: dict[str, Any]
    """The shape of what the site sent: `{"type": "integer"}`, `{"type": "string", "length": 12}`, `{"status": 200}`."""
    schema: str = ""
    """The failing keyword's place in the patched document (`#/components/schemas/UserDTO/properties/id/type`)."""
    site_version: str | None = None
    platform_version: str | None = None
    document: dict[str, str] = field(default_factory=dict)
    """`package` and `patched_sha256` of the generated package whose document was used."""

    @property
    def key(self) -> tuple[Any, ...]:
        """What makes two deviations the same one (the pointer's indexes, the value's length and the site do not)."""
        expected = json.dumps(self.expected, sort_keys=True, default=str)
        return (self.flavor, self.operation, self.status, self.path, self.keyword, expected, self.seen.get("type"))

    @property
    def fingerprint(self) -> str:
        """16 hex digits identifying the deviation across runs and sites (what `drift --observed` groups by)."""
        return fingerprint(*self.key)

    def describe(self) -> str:
        """One line for a log or an error message."""
        where = self.path or "(the body)"
        site = ", ".join(p for p in (self.flavor, f"JSM {self.site_version}" if self.site_version else "") if p)
        return (
            f"{self.operation} answered {self.status}: the site disagrees with the API document at {where}: "
            f"{explain(self.keyword, self.expected, self.seen)} ({site}) [{self.fingerprint}]"
        )

    def as_record(self, *, source: str, observed_at: datetime | None = None) -> dict[str, Any]:
        """The JSON Lines record (format `jsm-observed-deviation`, version 1)."""
        when = (observed_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "format": RECORD_FORMAT,
            "version": RECORD_VERSION,
            "observed_at": when,
            "source": source,
            "flavor": self.flavor,
            "site": {"version": self.site_version, "platform_version": self.platform_version},
            "document": dict(self.document),
            "operation": self.operation,
            "status": self.status,
            "pointer": self.pointer,
            "path": self.path,
            "keyword": self.keyword,
            "expected": self.expected,
            "seen": dict(self.seen),
            "schema": self.schema,
            "fingerprint": self.fingerprint,
        }


def fingerprint(*parts: Any) -> str:
    """sha256 of the parts as canonical JSON, first 16 hex digits."""
    text = json.dumps(list(parts), sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def explain(keyword: str, expected: Any, seen: dict[str, Any]) -> str:
    """`expected X, seen Y` in words."""
    shown = seen.get("type", "?")
    if "length" in seen:
        shown = f"{shown} of length {seen['length']}"
    if keyword == "additionalProperties":
        return f"a field the document does not declare (the object is closed); seen {shown}"
    if keyword == "required":
        return "a required field is missing"
    if keyword == "status":
        return f"status {seen.get('status')} is not one the operation declares ({', '.join(map(str, expected))})"
    if keyword == "json":
        return f"expected a JSON body ({expected}), seen {shown}"
    if keyword == "type":
        return f"expected {_text(expected)}, seen {shown}"
    return f"{keyword} {_text(expected)} not met, seen {shown}"


def _text(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text if len(text) <= 120 else text[:117] + "..."


class DeviationLog:
    """Appends deviation records to a JSON Lines file, one line each, safely from several threads."""

    def __init__(self, path: str | Path, *, source: str) -> None:
        self.path = Path(path)
        self.source = source
        self._lock = threading.Lock()
        self._broken = False
        try:
            with self.path.open("a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise ConfigurationError(
                f"cannot append observed deviations to {self.path}: {exc.strerror or exc}; give a writable file path"
            ) from None

    def append(self, deviation: Deviation) -> None:
        line = json.dumps(deviation.as_record(source=self.source), sort_keys=True, ensure_ascii=True) + "\n"
        with self._lock:
            if self._broken:
                return
            try:
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(line)
            except OSError as exc:  # the API call must not fail because a log file did
                self._broken = True
                log.error("cannot append observed deviations to %s (%s); no more will be written", self.path, exc)
