"""Apply overlays to a document, following the Overlay 1.1 merge rules, strictly by default.

Merge rules (spec 1.1, "Action Object"): a property only in the target stays; a property only in the update is added;
in both, a primitive replaces a primitive, an array is concatenated to an array, an object merges recursively into an
object, and any other combination is an error. An update aimed at an array appends the update as one entry.
`remove` deletes each selected node from its parent. `copy` selects exactly one node and merges it like `update`.
Strict mode (the default) makes a target that selects nothing an error.

Growth is bounded (`document_limits`): before an `update` or `copy` runs, what it adds (its value's size times the
nodes it targets) and how deep it nests are checked against `patched_limit` and MAX_DEPTH, so one `copy: $` aimed
at many nodes (or a chain of them) is refused before it can exhaust memory.
"""

from __future__ import annotations

import copy as _copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jsonpath_rfc9535 as jsonpath

from ..document_limits import GROWTH_ALLOWANCE, GROWTH_FACTOR, MAX_DEPTH, measure, patched_limit
from ..documents import Json
from ..errors import ExitCode, OverlayError
from ..pointers import Location, jsonpath_of
from .model import Action, Overlay


@dataclass
class ActionReport:
    """What one action did: how many nodes it selected, where, and whether it changed the document."""

    source: str
    index: int
    description: str
    target: str
    kind: str
    matched: int
    changed: bool
    locations: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.source} action #{self.index + 1}"

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "action": self.index + 1,
            "description": self.description,
            "target": self.target,
            "kind": self.kind,
            "matched": self.matched,
            "changed": self.changed,
            "locations": self.locations,
        }


class OverlayLimitError(OverlayError):
    """An action would make the patched document pass the size or depth limits (a malformed overlay: exit 3)."""

    exit_code = ExitCode.INPUT


@dataclass
class DocumentBudget:
    """An upper bound of the values a document being patched holds, checked before each action adds to it."""

    values: int
    limit: int

    @classmethod
    def of(cls, document: Json) -> DocumentBudget:
        values = measure(document).values
        return cls(values, patched_limit(values))

    def admit(self, value: Any, targets: list[tuple[Location, Any]], *, where: str) -> None:
        """Count what merging `value` into every target adds; refuse it (before it happens) past the limits."""
        size = measure(value)
        deepest = max(len(loc) + (1 if isinstance(node, list) else 0) for loc, node in targets) + size.depth
        if size.too_deep or deepest > MAX_DEPTH:
            raise OverlayLimitError(
                f"{where}: the patched document would nest more than {MAX_DEPTH} levels deep",
                hint="an overlay adds what the document lacks; nothing in an OpenAPI document nests that deep",
            )
        grown = self.values + size.values * len(targets)
        if size.too_large or grown > self.limit:
            raise OverlayLimitError(
                f"{where}: the patched document would hold more than {self.limit:,} values "
                f"({len(targets)} target(s), each getting {size.values:,}{'+' if size.too_large else ''}); "
                f"overlays may grow a document {GROWTH_FACTOR}-fold or by {GROWTH_ALLOWANCE:,} values, whichever is "
                "more",
                hint="narrow the target or the copy source (the limits are in the README, Exit codes)",
            )
        self.values = grown


class _Failure(Exception):
    def __init__(self, where: Location, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "primitive"


def _merge_object(target: dict[str, Any], update: dict[str, Any], where: Location) -> bool:
    """Merge `update` into `target` in place (spec rules); return whether anything changed."""
    changed = False
    for key, new in update.items():
        if key not in target:
            target[key] = _copy.deepcopy(new)
            changed = True
            continue
        old = target[key]
        old_kind, new_kind = _kind(old), _kind(new)
        if old_kind != new_kind:
            raise _Failure(
                (*where, key),
                f"cannot merge {new_kind} into {old_kind} at {jsonpath_of((*where, key))}: the spec merges like with "
                "like (remove the node first to replace it)",
            )
        if new_kind == "object":
            changed |= _merge_object(old, new, (*where, key))
        elif new_kind == "array":
            changed |= any(item not in old for item in new)
            old.extend(_copy.deepcopy(new))
        else:
            if old != new or type(old) is not type(new):
                changed = True
            target[key] = _copy.deepcopy(new)
    return changed


def _merge_into(node: Any, value: Any, where: Location) -> bool:
    """Merge a value into a selected node: objects merge, arrays get the value appended."""
    if isinstance(node, dict):
        if not isinstance(value, dict):
            raise _Failure(
                where,
                f"target {jsonpath_of(where)} is an object, so the update must be an object, found {_kind(value)}",
            )
        return _merge_object(node, value, where)
    if isinstance(node, list):
        changed = value not in node
        node.append(_copy.deepcopy(value))
        return changed
    raise _Failure(
        where, f"target {jsonpath_of(where)} is a primitive ({node!r}); select its parent object and update the key"
    )


def _remove(document: Json, locations: Iterable[Location]) -> None:
    """Remove nodes, deepest first and later array items first, so earlier removals never shift later ones."""
    ordered = sorted(
        locations, key=lambda loc: (len(loc), loc[-1] if loc and isinstance(loc[-1], int) else -1), reverse=True
    )
    for location in ordered:
        if not location:
            raise _Failure(location, "cannot remove the document root")
        parent = document
        try:
            for step in location[:-1]:
                parent = parent[step]
            del parent[location[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # already gone with an ancestor selected by the same action


def _find(document: Json, query: str) -> list[tuple[Location, Any]]:
    return [(tuple(node.location), node.value) for node in jsonpath.find(query, document)]


def apply_action(
    document: Json, action: Action, *, source: str, strict: bool = True, budget: DocumentBudget | None = None
) -> ActionReport:
    """Apply one action to `document` in place and report what it did; `budget` bounds the document's growth (give
    the same one to every action applied to a document; default: measured afresh)."""
    nodes = _find(document, action.target)
    report = ActionReport(
        source=source,
        index=action.index,
        description=action.description,
        target=action.target,
        kind=action.kind,
        matched=len(nodes),
        changed=False,
        locations=[jsonpath_of(loc) for loc, _ in nodes],
    )
    if not nodes:
        if strict:
            raise OverlayError(
                f"{source}: {action.label()} matched nothing: target {action.target}",
                hint="the upstream document changed or the target is wrong; fix the target, or remove the action if "
                "Atlassian fixed the gap (`jsm-openapi overlays status` shows each action's matches)",
            )
        return report
    try:
        if action.kind == "remove":
            _remove(document, [loc for loc, _ in nodes])
            report.changed = True
        else:
            if action.kind == "update":
                value = action.update
            else:
                assert action.copy is not None
                sources = _find(document, action.copy)
                if len(sources) != 1:
                    raise _Failure((), f"copy {action.copy} must select exactly one node, it selected {len(sources)}")
                value = sources[0][1]
            (budget or DocumentBudget.of(document)).admit(value, nodes, where=f"{source}: {action.label()}")
            if action.kind == "copy":
                value = _copy.deepcopy(value)
            for location, node in nodes:
                report.changed |= _merge_into(node, value, location)
    except _Failure as failure:
        raise OverlayError(
            f"{source}: {action.label()} failed: {failure.message}",
            hint="see the merge rules in overlays/README.md",
        ) from None
    return report


def apply_overlay(
    document: Json, overlay: Overlay, *, strict: bool = True, budget: DocumentBudget | None = None
) -> list[ActionReport]:
    """Apply an overlay's actions in order, in place."""
    budget = budget or DocumentBudget.of(document)
    return [
        apply_action(document, action, source=overlay.source, strict=strict, budget=budget)
        for action in overlay.actions
    ]


def apply_overlays(
    document: Json, overlays: Iterable[Overlay], *, strict: bool = True
) -> tuple[Json, list[ActionReport]]:
    """Apply overlays in order to a copy of `document`; return the patched copy and one report per action."""
    patched = _copy.deepcopy(document)
    budget = DocumentBudget.of(patched)
    reports: list[ActionReport] = []
    for overlay in overlays:
        reports.extend(apply_overlay(patched, overlay, strict=strict, budget=budget))
    return patched, reports
