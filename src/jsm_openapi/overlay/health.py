"""Overlay health: does each action still match, and is it still needed, on a given (raw) document?

An action is *needed* when applying it changes the document (the gap is still there), *not needed* when it matches
but changes nothing (Atlassian fixed the gap upstream), *no match* when its target matches nothing (it would fail
the strict build) and *failed* when it cannot be applied (an incompatible merge, a bad copy source). Actions are
applied in order, each on the result of the previous ones, exactly as the build does.
`jsm-openapi overlays status` and the drift report both use this.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..documents import Json
from ..errors import OverlayError
from .engine import ActionReport, DocumentBudget, apply_action
from .model import Overlay

NEEDED, NOT_NEEDED, BROKEN, FAILED = "needed", "not needed", "no match", "failed"


@dataclass(frozen=True)
class ActionHealth:
    report: ActionReport
    status: str  # NEEDED | NOT_NEEDED | BROKEN | FAILED
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        return {**self.report.as_json(), "status": self.status, "error": self.error}


def overlay_health(document: Json, overlays: Iterable[Overlay]) -> list[ActionHealth]:
    """Apply overlays non-strictly to a copy of `document`, classifying every action."""
    return patched_with_health(document, overlays)[1]


def patched_with_health(document: Json, overlays: Iterable[Overlay]) -> tuple[Json, list[ActionHealth]]:
    """Apply overlays non-strictly to a copy of `document`: the patched copy (actions that match nothing or fail
    are skipped, as a non-strict build does) and every action's health."""
    working = copy.deepcopy(document)
    budget = DocumentBudget.of(working)
    results: list[ActionHealth] = []
    for overlay in overlays:
        for action in overlay.actions:
            try:
                report = apply_action(working, action, source=overlay.source, strict=False, budget=budget)
            except OverlayError as exc:
                report = ActionReport(
                    source=overlay.source,
                    index=action.index,
                    description=action.description,
                    target=action.target,
                    kind=action.kind,
                    matched=0,
                    changed=False,
                )
                results.append(ActionHealth(report, FAILED, exc.message))
                continue
            if report.matched == 0:
                status = BROKEN
            elif report.changed:
                status = NEEDED
            else:
                status = NOT_NEEDED
            results.append(ActionHealth(report, status))
    return working, results
