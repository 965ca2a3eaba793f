"""Known gaps: contract failures the project already knows about, each with the reason and the fix it waits for.

Like `generated/accepted-skips.toml`, the list is explicit and every entry says why. A failure it matches is
tolerated and still reported (the summary lists every known gap it saw, so nothing is hidden); anything else fails.
An entry the run never saw is reported too, so fixed gaps get removed.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..documents import read_toml
from ..errors import InputError

_KEYS = {"operation", "check", "status", "match", "flavor", "target", "reason"}


@dataclass(frozen=True)
class Gap:
    operation: str  # a label or a glob over labels: "GET /rest/servicedeskapi/*"
    check: str
    reason: str
    status: int | None = None
    match: str | None = None  # a piece of the failure's text or the answer's body (e.g. an i18n key)
    flavor: str | None = None
    target: str | None = None

    @property
    def key(self) -> str:
        status = f" → {self.status}" if self.status else ""
        match = f" ({self.match})" if self.match else ""
        return f"{self.check}: {self.operation}{status}{match}"

    def applies(self, target: str, flavor: str) -> bool:
        return self.flavor in (None, flavor) and self.target in (None, target)

    def matches(self, label: str, check: str, status: int | None, text: str = "") -> bool:
        return (
            check == self.check
            and (self.status is None or status == self.status)
            and (self.match is None or self.match in text)
            and fnmatch.fnmatchcase(label, self.operation)
        )


@dataclass
class KnownGaps:
    gaps: list[Gap] = field(default_factory=list)
    seen: Counter[str] = field(default_factory=Counter)

    def match(self, label: str, check: str, status: int | None, text: str = "") -> Gap | None:
        for gap in self.gaps:
            if gap.matches(label, check, status, text):
                self.seen[gap.key] += 1
                return gap
        return None

    @property
    def unseen(self) -> list[Gap]:
        return [gap for gap in self.gaps if gap.key not in self.seen]


def load_gaps(path: Path, *, target: str, flavor: str) -> KnownGaps:
    """The gaps of `path` that apply to this target and flavor (none when the file does not exist)."""
    if not path.is_file():
        return KnownGaps()
    data = read_toml(path, hint="fix the file")
    gaps = []
    for number, entry in enumerate(data.get("gap", []), start=1):
        gaps.append(_gap(path, number, entry))
    return KnownGaps([gap for gap in gaps if gap.applies(target, flavor)])


def _gap(path: Path, number: int, entry: Any) -> Gap:
    where = f"{path} [[gap]] #{number}"
    if not isinstance(entry, dict):
        raise InputError(f"{where} is not a table", hint="each [[gap]] has operation, check and reason")
    unknown = set(entry) - _KEYS
    if unknown:
        raise InputError(f"{where}: unknown keys {sorted(unknown)}", hint=f"known keys: {sorted(_KEYS)}")
    for key in ("operation", "check", "reason"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise InputError(
                f"{where}: {key} is missing or empty", hint="every gap names its operation, check and reason"
            )
    match = entry.get("match")
    if match is not None and (not isinstance(match, str) or not match):
        raise InputError(f"{where}: match must be a non-empty string", hint='e.g. match = "sd.paging.error"')
    status = entry.get("status")
    if status is not None and not isinstance(status, int):
        raise InputError(f"{where}: status {status!r} is not a number", hint="e.g. status = 400")
    return Gap(
        operation=entry["operation"],
        check=entry["check"],
        reason=entry["reason"].strip(),
        status=status,
        match=match,
        flavor=entry.get("flavor"),
        target=entry.get("target"),
    )
