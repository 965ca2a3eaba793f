"""Overlay health on a new upstream document: would the project's overlays still build, and are they still needed?

For each flavor built from the pin, the flavor's raw document is merged again with NEW in place of the pinned
document, and every overlay action is classified on it (`overlay.health`). An action that matches nothing (or cannot
be applied) would break the strict build; one that matches but changes nothing is no longer needed (Atlassian fixed
the gap). Each finding says what the same action did on the pinned document.
"""

from __future__ import annotations

from ..documents import Json
from ..errors import InputError
from ..fetch import Fetcher
from ..merge import merge_documents
from ..overlay.health import BROKEN, FAILED, NEEDED, NOT_NEEDED, ActionHealth, overlay_health
from ..pipeline import load_flavor_overlays
from ..project import Project
from ..sources import Flavor, Pin, Sources
from .model import Change

_RULES = {BROKEN: "overlay-action-no-match", FAILED: "overlay-action-failed", NOT_NEEDED: "overlay-action-not-needed"}


def overlay_findings(
    project: Project, sources: Sources, pin: Pin, new_document: Json, fetcher: Fetcher
) -> tuple[list[str], list[Change]]:
    """The flavors checked and the findings: broken, failed and no-longer-needed actions on NEW."""
    checked: list[str] = []
    findings: list[Change] = []
    for flavor in sources.flavors_of(pin):
        pinned = [(p, fetcher.load(p)) for p in flavor.documents]
        replaced = [(p, new_document if p.name == pin.name else doc) for p, doc in pinned]
        checked.append(flavor.name)
        try:
            merged_new, _ = merge_documents(flavor, replaced)
        except InputError as exc:
            findings.append(
                Change(
                    "flavor-merge-failed",
                    f"flavor {flavor.name} no longer merges with the new {pin.name}: {exc.message}",
                    pointer=f"openapi/sources.toml [flavor.{flavor.name}]",
                    subject=f"merge:{flavor.name}:{pin.name}",
                    new=exc.message,
                )
            )
            continue
        merged_old, _ = merge_documents(flavor, pinned)
        overlays = load_flavor_overlays(project, flavor)
        before = overlay_health(merged_old, overlays)
        after = overlay_health(merged_new, overlays)
        findings.extend(
            _finding(flavor, old, new) for old, new in zip(before, after, strict=True) if new.status in _RULES
        )
    return checked, findings


def _finding(flavor: Flavor, old: ActionHealth, new: ActionHealth) -> Change:
    report = new.report
    summary = report.description.splitlines()[0][:100] if report.description else report.target
    if new.status == NOT_NEEDED:
        what = "matches but changes nothing: Atlassian fixed the gap; remove it when moving the pin"
    elif new.status == BROKEN:
        what = f"target {report.target} matches nothing: the strict build would fail"
    else:
        what = f"cannot be applied: {new.error}"
    was = "" if old.status == NEEDED else f" (already {old.status} on the pinned document)"
    return Change(
        _RULES[new.status],
        f"[{flavor.name}] {summary}: {what}{was}",
        pointer=report.label,
        subject=f"overlay:{flavor.name}:{report.source}#{report.index + 1}:{report.target}",
        old=old.status,
        new=new.status,
    )
