"""Drift runs: two documents, or a pin against the newest upstream copy (with overlay health and a proposed pin)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from ..fetch import Fetcher
from ..project import Project
from ..sources import Pin, Sources
from .diff import compare_documents
from .inputs import Loaded, load, load_latest, load_pinned
from .model import Comparison
from .rules import Severity

if TYPE_CHECKING:
    import httpx

Progress = Callable[[str], None]


def compare_loaded(old: Loaded, new: Loaded) -> Comparison:
    """Compare two loaded documents (identical bytes short-cut to no change)."""
    if old.info.sha256 == new.info.sha256:
        changes = []
    else:
        changes = compare_documents(old.document, new.document, old_label=old.info.label, new_label=new.info.label)
    return Comparison(old=old.info, new=new.info, changes=changes)


def compare_sources(old: str, new: str, *, client: httpx.Client | None = None) -> Comparison:
    """`jsm-openapi drift OLD NEW`: two files or URLs."""
    return compare_loaded(load(old, client=client), load(new, client=client))


def compare_pin(
    project: Project,
    sources: Sources,
    pin: Pin,
    fetcher: Fetcher,
    *,
    latest: str | None = None,
    client: httpx.Client | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> Comparison:
    """A pin against its newest upstream copy, with overlay health per flavor and a proposed pin when it changed."""
    from .overlay_check import overlay_findings  # the overlay engine: `drift OLD NEW` never needs it
    from .proposal import proposed_pin

    say = progress or (lambda _message: None)
    say(f"{pin.name}: loading the pinned document")
    pinned = load_pinned(pin, fetcher)
    say(f"{pin.name}: fetching the latest from {latest or pin.url}")
    newest = load_latest(pin, latest, client=client)
    say(f"{pin.name}: comparing")
    comparison = compare_loaded(pinned, newest)
    comparison.pin = pin.name
    if comparison.identical:
        return comparison
    say(f"{pin.name}: checking overlays on the new document")
    checked, findings = overlay_findings(project, sources, pin, newest.document, fetcher)
    comparison.health_checked = checked
    comparison.changes = sorted([*comparison.changes, *findings], key=lambda c: c.sort_key())
    counts = comparison.counts()
    summary = ", ".join(
        f"{counts[s]} {s.label}" for s in (Severity.BREAKING, Severity.POTENTIAL, Severity.NON_BREAKING)
    )
    comparison.proposed_pin = proposed_pin(
        sources, pin, newest.info, retrieved=today or date.today(), summary=f"{summary} change(s)"
    )
    return comparison
