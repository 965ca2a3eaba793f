"""What every renderer shares: severity words and icons, the headline (most important changes first)."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Change, Comparison
from ..rules import Severity

ICONS = {Severity.BREAKING: "🔴", Severity.POTENTIAL: "🟠", Severity.NON_BREAKING: "🟢", Severity.INFO: "⚪"}
TITLES = {
    Severity.BREAKING: "Breaking",
    Severity.POTENTIAL: "Potentially breaking",
    Severity.NON_BREAKING: "Non-breaking",
    Severity.INFO: "Documentation and metadata",
}
API_SEVERITIES = (Severity.BREAKING, Severity.POTENTIAL, Severity.NON_BREAKING)
COLLAPSE = 5  # a rule with more occurrences than this becomes one headline line


@dataclass(frozen=True)
class Headline:
    """One line of the headline: a single change, or many changes of one rule."""

    rule: str
    changes: tuple[Change, ...]

    @property
    def severity(self) -> Severity:
        return self.changes[0].severity


def headline(comparison: Comparison, limit: int = 12) -> list[Headline]:
    """API changes and overlay findings, most severe first; a rule seen many times is folded into one line."""
    buckets: dict[str, list[Change]] = {}
    for change in comparison.changes:
        if change.is_api:
            buckets.setdefault(change.rule, []).append(change)
    lines: list[Headline] = []
    for rule_id, changes in buckets.items():
        if len(changes) > COLLAPSE:
            lines.append(Headline(rule_id, tuple(changes)))
        else:
            lines.extend(Headline(rule_id, (change,)) for change in changes)
    lines.sort(key=lambda line: line.changes[0].sort_key())
    return lines[:limit]


def counts_line(comparison: Comparison) -> str:
    counts = comparison.counts()
    api = " · ".join(f"{counts[s]} {TITLES[s].lower()}" for s in API_SEVERITIES)
    return f"{api} API change(s); {counts[Severity.INFO]} documentation/metadata edit(s)"


def operations_text(change: Change, limit: int = 3) -> str:
    """The affected operations, short: `POST /x (createX)`, or the first few and a count."""
    if not change.operations:
        return ""
    shown = ", ".join(str(op) for op in change.operations[:limit])
    more = len(change.operations) - limit
    return f"{shown} and {more} more" if more > 0 else shown
