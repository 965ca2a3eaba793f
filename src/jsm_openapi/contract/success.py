"""Success answers: every in-scope operation must get a 2xx answer that passes the checks, unless excused.

On the mock, an operation whose success answer the run never checked is a gap in the suite (its 2xx schema was
never held against anything), so it fails the run (`contract_tests/test_success_answers.py`). The only way out is an
entry in `contract_tests/success-exceptions.toml` with the operation, the flavor and the reason; an entry whose
operation did reach a checked 2xx fails too (remove it), and one naming an operation the document lacks is an error.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from .operations import Operation
from .results import OperationResult, Results

_KEYS = {"operation", "flavor", "reason"}


@dataclass(frozen=True)
class Excused:
    operation: str  # a label, exactly as the reports name it
    reason: str
    flavor: str | None = None


@dataclass
class SuccessExceptions:
    entries: dict[str, Excused] = field(default_factory=dict)  # label → entry (this flavor's)

    def reason(self, label: str) -> str | None:
        entry = self.entries.get(label)
        return entry.reason if entry is not None else None


def load_exceptions(path: Path, operations: list[Operation], *, flavor: str) -> SuccessExceptions:
    """The entries of `path` for `flavor` (none when the file does not exist); an entry naming no operation of the
    flavor's document, a duplicate or an unknown key is an InputError."""
    if not path.is_file():
        return SuccessExceptions()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: invalid TOML: {exc}", hint="fix the file") from exc
    labels = {op.label for op in operations}
    found = SuccessExceptions()
    entries = data.get("exception", [])
    if not isinstance(entries, list):
        raise InputError(f"{path}: `exception` must be an array of tables", hint="write each entry as [[exception]]")
    for number, raw in enumerate(entries, start=1):
        entry = _entry(path, number, raw)
        if entry.flavor not in (None, flavor):
            continue
        if entry.operation not in labels:
            raise InputError(
                f"{path} [[exception]] #{number}: {entry.operation!r} is not an operation of the {flavor} document",
                hint="name it as the coverage report does: 'POST /servicedeskapi/servicedesk/{serviceDeskId}/queue'",
            )
        if entry.operation in found.entries:
            raise InputError(f"{path} [[exception]] #{number}: {entry.operation!r} is listed twice", hint="keep one")
        found.entries[entry.operation] = entry
    return found


def _entry(path: Path, number: int, raw: Any) -> Excused:
    where = f"{path} [[exception]] #{number}"
    if not isinstance(raw, dict):
        raise InputError(f"{where} is not a table", hint="each [[exception]] has operation, flavor and reason")
    unknown = set(raw) - _KEYS
    if unknown:
        raise InputError(f"{where}: unknown keys {sorted(unknown)}", hint=f"known keys: {sorted(_KEYS)}")
    for key in ("operation", "reason"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise InputError(f"{where}: {key} is missing or empty", hint="every exception names its operation and why")
    flavor = raw.get("flavor")
    if flavor not in (None, "server", "cloud"):
        raise InputError(f"{where}: flavor {flavor!r} is not server or cloud", hint="or leave it out for both")
    return Excused(raw["operation"].strip(), " ".join(raw["reason"].split()), flavor)


def verdict(result: OperationResult, exceptions: SuccessExceptions) -> str | None:
    """Why an operation fails the success-answer rule, or None when it passes (or is excused and really unreached)."""
    label = result.operation.label
    reason = exceptions.reason(label)
    if result.success_checked:
        if reason is not None:
            return (
                f"{label} is listed in contract_tests/success-exceptions.toml ({reason}) but its success answer was "
                "checked this run: remove the entry"
            )
        return None
    if reason is not None:
        return None
    reached = ", ".join(f"{s}×{n}" for s, n in sorted(result.statuses.items())) or "no requests"
    failed = sorted(s for s in result.nonconformant if 200 <= s < 300)
    why = f"its 2xx answers ({', '.join(map(str, failed))}) failed the checks" if failed else "no 2xx answer"
    return (
        f"{label}: no success answer checked ({why}; statuses reached: {reached}). Every in-scope operation needs a "
        "2xx answer to a generated example: pin its ids, give its body real values or its set-up "
        "(src/jsm_openapi/contract/recipes.py), or list it with a reason in contract_tests/success-exceptions.toml"
    )


def success_counts(results: Results, exceptions: SuccessExceptions | None = None) -> tuple[int, int, int]:
    """(operations in scope with a checked success answer, operations in scope, of which excused)."""
    scope = results.in_scope
    excused = sum(1 for r in scope if exceptions is not None and exceptions.reason(r.operation.label) is not None)
    return sum(r.success_checked for r in scope), len(scope), excused
