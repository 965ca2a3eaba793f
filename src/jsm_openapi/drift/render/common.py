"""What every renderer shares: severity words and icons, layer count lines, the headline, (a) vs (b) deltas."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import CLIENT, COMPARISON_KEYS, HEALTH_KINDS, RAW, Comparison, DriftReport, Finding, Layer
from ..rules import Severity, fail_on_name

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
    """One line of the headline: a single finding, or many findings of one rule, in one layer."""

    layer: Layer
    rule: str
    changes: tuple[Finding, ...]

    @property
    def severity(self) -> Severity:
        return self.changes[0].severity


def headline(layers: list[Layer], limit: int = 12) -> list[Headline]:
    """The judged layers' API changes and overlay findings, most severe first; a frequent rule is folded into one."""
    lines: list[Headline] = []
    for layer in layers:
        buckets: dict[str, list[Finding]] = {}
        for change in [*layer.health, *layer.api_changes()]:
            buckets.setdefault(change.rule, []).append(change)
        for rule_id, changes in buckets.items():
            if len(changes) > COLLAPSE:
                lines.append(Headline(layer, rule_id, tuple(changes)))
            else:
                lines.extend(Headline(layer, rule_id, (change,)) for change in changes)
    lines.sort(key=lambda line: line.changes[0].sort_key())
    return lines[:limit]


def counts_text(layer: Layer) -> str:
    """`2 breaking · 1 potentially breaking · 5 non-breaking; overlays: …; 12 documentation/metadata edit(s)`."""
    counts = layer.counts()
    if layer.computed:
        parts = [" · ".join(f"{counts[s]} {TITLES[s].lower()}" for s in API_SEVERITIES)]
    else:
        parts = [f"not computed: {layer.not_computed}"]
    health = health_text(layer)
    if health:
        parts.append(f"overlays: {health}")
    if counts[Severity.INFO]:
        parts.append(f"{counts[Severity.INFO]} documentation/metadata edit(s)")
    return "; ".join(parts)


def health_text(layer: Layer) -> str:
    """Overlay findings per kind, kept apart from API changes: `2 no longer match (the build would fail), …`."""
    counts = layer.health_counts()
    return ", ".join(f"{counts[rule]} {what}" for rule, what in HEALTH_KINDS.items() if counts.get(rule))


def gate_text(report: DriftReport, comparison: Comparison) -> str:
    """Which layers `--fail-on` judged for a comparison, and how many findings fail."""
    judged = comparison.judged(report.gate)
    names = ", ".join(f"({layer.letter})" if layer.letter else layer.key for layer in judged) or "nothing"
    failing = len(comparison.at_or_above(report.threshold, report.gate))
    text = f"--fail-on {fail_on_name(report.threshold)} judges {names}: {failing} finding(s) at or above it"
    wanted = [
        key
        for key in report.gate
        if key in COMPARISON_KEYS and not any(layer.key == key and layer.judged for layer in comparison.layers)
    ]
    if judged and judged[0].key == RAW and wanted:
        text += f" ({' and '.join(wanted)} not computed)"
    return text


@dataclass(frozen=True)
class Delta:
    """How the client layer differs from the raw one: API changes only one of them has, and how many they share."""

    only_client: list[Finding]
    absorbed: list[Finding]
    shared: int


def delta(comparison: Comparison, layer: Layer) -> Delta | None:
    """(b) against (a), by fingerprint; None when either is missing."""
    raw = comparison.layer(RAW)
    if layer.key != CLIENT or not layer.computed or raw is None:
        return None
    raw_prints = {c.fingerprint for c in raw.api_changes()}
    client_prints = {c.fingerprint for c in layer.api_changes()}
    return Delta(
        only_client=[c for c in layer.api_changes() if c.fingerprint not in raw_prints],
        absorbed=[c for c in raw.api_changes() if c.fingerprint not in client_prints],
        shared=len(raw_prints & client_prints),
    )


def operations_text(change: Finding, limit: int = 3) -> str:
    """The affected operations, short: `POST /x (createX)`, or the first few and a count."""
    if not change.operations:
        return ""
    shown = ", ".join(str(op) for op in change.operations[:limit])
    more = len(change.operations) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def warnings(report: DriftReport) -> list[str]:
    """Every comparison's warnings, named by pin (or by document): what the first lines must say."""
    return [
        f"{comparison.pin or comparison.new.label}: {warning}"
        for comparison in report.comparisons
        for warning in comparison.warnings
    ]


def section_line(report: DriftReport, section: Layer) -> str:
    """A report-wide section's count line, with what `--fail-on` makes of it when the gate names it."""
    text = f"{section.heading}: {counts_text(section)}"
    if section.key in report.gate:
        failing = len(section.at_or_above(report.threshold))
        text += f"; --fail-on {fail_on_name(report.threshold)}: {failing} finding(s) at or above it"
    return text
