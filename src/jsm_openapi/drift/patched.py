"""Layer (b), what the client sees: the patched documents (pinned copy + overlays vs new copy + overlays), per flavor.

For each flavor built from the pin, the flavor's documents are merged twice, once as pinned and once with the new
copy in place of the pinned one, and the flavor's overlays are applied to both, non-strictly, classifying every
action on the way (`overlay.health`). The two patched documents are then compared with the same rules as the raw
ones: a rename an overlay pins (an operationId set by method and path) is gone here; an overlay that stops applying
shows both as a finding (the strict build would fail) and as whatever the client then sees differently. An action
that still matches but changes nothing is no longer needed (Atlassian fixed the gap).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..documents import Json
from ..errors import InputError
from ..fetch import Fetcher
from ..merge import merge_documents
from ..overlay.health import BROKEN, FAILED, NEEDED, NOT_NEEDED, ActionHealth, patched_with_health
from ..pipeline import load_flavor_overlays
from ..project import Project
from ..sources import Flavor, Pin, Sources
from .code_layer import CodeContext
from .diff import compare_documents
from .model import CLIENT, TITLES, Change, Finding, Layer

TITLE = TITLES[CLIENT]
_RULES = {BROKEN: "overlay-action-no-match", FAILED: "overlay-action-failed", NOT_NEEDED: "overlay-action-not-needed"}


@dataclass
class ClientSide:
    """Layer (b) of one flavor, and the patched documents layer (c) is generated from (None when not merged)."""

    layer: Layer
    context: CodeContext | None


def client_sides(
    project: Project, sources: Sources, pin: Pin, *, new_document: Json, fetcher: Fetcher, raw: list[Finding]
) -> list[ClientSide]:
    """One client layer per flavor built from the pin (none for a pin tracked for drift only)."""
    return [
        client_side(project, flavor, pin, new_document=new_document, fetcher=fetcher, raw=raw)
        for flavor in sources.flavors_of(pin)
    ]


def client_side(
    project: Project,
    flavor: Flavor,
    pin: Pin,
    *,
    new_document: Json,
    fetcher: Fetcher,
    raw: list[Finding],
    old_document: Json | None = None,
) -> ClientSide:
    """Layer (b) of one flavor with `new_document` in place of the pin's document; `old_document` replaces the
    pinned copy on the old side too (`drift OLD NEW --flavor`), else the pinned copy is the old side."""
    renamed = _renamed(raw)

    def old_of(each: Pin) -> Json:
        return old_document if old_document is not None and each.name == pin.name else fetcher.load(each)

    pinned = [(each, old_of(each)) for each in flavor.documents]
    replaced = [(p, new_document if p.name == pin.name else doc) for p, doc in pinned]
    overlays = load_flavor_overlays(project, flavor)
    title = f"{TITLE} ({flavor.name})"
    basis = f"patched documents of flavor {flavor.name}: each copy + the same {len(overlays)} overlay file(s)"
    try:
        merged_new, _ = merge_documents(flavor, replaced)
    except InputError as exc:
        finding = Change(
            "flavor-merge-failed",
            f"flavor {flavor.name} no longer merges with the new {pin.name}: {exc.message}",
            pointer=f"openapi/sources.toml [flavor.{flavor.name}]",
            subject=f"merge:{flavor.name}:{pin.name}",
            new=exc.message,
        )
        reason = f"the flavor's documents no longer merge, so nothing can be patched: {exc.message}"
        return ClientSide(Layer(CLIENT, title, basis, health=[finding], not_computed=reason), None)
    merged_old, _ = merge_documents(flavor, pinned)
    patched_old, before = patched_with_health(merged_old, overlays)
    patched_new, after = patched_with_health(merged_new, overlays)
    health = [
        _finding(flavor, old, new, renamed) for old, new in zip(before, after, strict=True) if new.status in _RULES
    ]
    try:
        changes: list[Finding] = list(
            compare_documents(
                patched_old,
                patched_new,
                old_label=f"{flavor.name} patched (pinned)",
                new_label=f"{flavor.name} patched (new {pin.name})",
            )
        )
    except InputError as exc:
        broken = Change(
            "patched-document-broken",
            f"[{flavor.name}] the new {pin.name} with the overlays applied: {exc.message}",
            pointer=f"flavor {flavor.name} patched",
            subject=f"patched:{flavor.name}:{pin.name}",
            new=exc.message,
        )
        reason = f"the patched new document cannot be compared: {exc.message}"
        return ClientSide(Layer(CLIENT, title, basis, health=[*health, broken], not_computed=reason), None)
    layer = Layer(CLIENT, title, basis, changes=changes, health=health)
    context = CodeContext(flavor.name, flavor.package, patched_old, patched_new, project=project, definition=flavor)
    return ClientSide(layer, context)


def _renamed(raw: list[Finding]) -> dict[str, str]:
    """Names the new document changed (components and operationIds), old → new: hints for broken overlay targets."""
    names: dict[str, str] = {}
    for change in raw:
        if (
            isinstance(change, Change)
            and change.rule in ("component-renamed", "operation-id-changed")
            and isinstance(change.old, str)
            and isinstance(change.new, str)
            and change.old
            and change.new
        ):
            names[change.old] = change.new
    return names


def _finding(flavor: Flavor, old: ActionHealth, new: ActionHealth, renamed: dict[str, str]) -> Change:
    report = new.report
    summary = " ".join(report.description.split()) if report.description else report.target
    if new.status == NOT_NEEDED:
        what = "it matches but changes nothing: Atlassian fixed the gap; remove it when moving the pin"
    elif new.status == BROKEN:
        what = f"target {report.target} matches nothing: the strict build would fail"
        hints = [
            f"`{old_name}` is now `{new_name}`"
            for old_name, new_name in sorted(renamed.items())
            if re.search(rf"(?<![\w-]){re.escape(old_name)}(?![\w-])", report.target)
        ]
        if hints:
            what += f" (the new document renamed it: {', '.join(hints)})"
    else:
        what = f"it cannot be applied: {new.error}"
    was = "" if old.status == NEEDED else f" (already {old.status} on the pinned document)"
    return Change(
        _RULES[new.status],
        f"[{flavor.name}] {what}{was}. The action: {summary}",
        pointer=report.label,
        subject=f"overlay:{flavor.name}:{report.source}#{report.index + 1}:{report.target}",
        old=old.status,
        new=new.status,
    )
