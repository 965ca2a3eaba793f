"""Is the "latest" copy older than the pinned one? Then it is said first and never proposed as a pin.

Three kinds of evidence, strongest first:

1. `info.version`: the leading dotted numbers (`10.3.24`, `1001.0.0-SNAPSHOT-…` → `1001.0.0`), when both have them and
   they differ;
2. dates: a date in the latest copy's file name (`jsm-cloud-2022-04-28.json`) against the pin's `retrieved` date (or a
   date in the old copy's name, for OLD NEW);
3. the drift itself, when neither says anything: a step that mostly takes away what the old copy had (operations,
   parameters, properties, schemas, responses, scopes) and adds next to nothing looks like a step back in time.
   Atlassian adds far more than it removes, so this is a sign, not proof; it is worded as such.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .model import DocumentInfo, Finding

if TYPE_CHECKING:
    from datetime import date

_VERSION = re.compile(r"^\s*v?(\d+(?:\.\d+)*)")
_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")

# Rules that take away what the old copy had, and their counterparts that add (the drift's direction).
REMOVALS = frozenset(
    {
        "operation-removed",
        "parameter-removed",
        "request-property-removed",
        "response-property-removed",
        "component-schema-removed",
        "error-response-removed",
        "success-response-removed",
        "response-header-removed",
        "security-scheme-removed",
        "security-scheme-changed",
        "request-enum-value-removed",
        "response-enum-value-removed",
    }
)
ADDITIONS = frozenset(
    {
        "operation-added",
        "parameter-added",
        "required-parameter-added",
        "required-parameter-with-default-added",
        "request-property-added",
        "request-required-property-added",
        "response-property-added",
        "response-required-property-added",
        "component-schema-added",
        "error-response-added",
        "success-response-added",
        "response-header-added",
        "security-scheme-added",
        "security-scopes-added",
        "request-enum-value-added",
        "response-enum-value-added",
    }
)
MIN_REMOVALS = 3  # fewer removals than this never suggest a step back
RATIO = 4  # ... nor do removals that are not at least RATIO times the additions


@dataclass(frozen=True)
class Recency:
    """The verdict: older (with the evidence, for the first line), newer, or unknown."""

    older: bool
    evidence: list[str] = field(default_factory=list)

    def sentence(self, latest: str, pinned: str) -> str:
        return f"{latest} is OLDER than {pinned}: {'; '.join(self.evidence)}"


def version_key(version: str) -> tuple[int, ...] | None:
    match = _VERSION.match(version or "")
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def name_date(text: str) -> date | None:
    """The last ISO date in a file name or URL (`jsm-cloud-2022-04-28.json` → 2022-04-28), if any."""
    from datetime import date

    found = None
    for match in _DATE.finditer(text):
        try:
            found = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
    return found


def judge(old: DocumentInfo, new: DocumentInfo, changes: Iterable[Finding], *, old_date: date | None = None) -> Recency:
    """Whether NEW is older than OLD; `old_date` is the pin's retrieved date (else a date in OLD's name)."""
    old_version, new_version = version_key(old.version), version_key(new.version)
    if old_version is not None and new_version is not None and old_version != new_version:
        if new_version < old_version:
            return Recency(True, [f"info.version {new.version} < {old.version}"])
        return Recency(False, [f"info.version {new.version} > {old.version}"])
    before = old_date or name_date(old.label) or name_date(old.origin)
    after = name_date(new.label) or name_date(new.origin)
    if before is not None and after is not None and before != after:
        if after < before:
            return Recency(True, [f"dated {after.isoformat()}, before {before.isoformat()}"])
        return Recency(False, [f"dated {after.isoformat()}, after {before.isoformat()}"])
    rules = [c.rule for c in changes]
    removed = sum(rule in REMOVALS for rule in rules)
    added = sum(rule in ADDITIONS for rule in rules)
    if removed >= MIN_REMOVALS and removed >= RATIO * added:
        return Recency(True, [f"the drift looks like a step back: {removed} removal(s) against {added} addition(s)"])
    return Recency(False)
