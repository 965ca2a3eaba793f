"""The terminal report: warnings first, then per comparison one count line per layer, then the findings.

Layer (a) lists every API change, one per line; layer (b) lists only how it differs from (a) (changes the overlays
absorb, changes only the patched documents show) and the overlay findings, whose descriptions are wrapped, never cut;
layer (c) lists the Python API changes. Report-wide sections (observed deviations) follow, one finding per line.
"""

from __future__ import annotations

import textwrap

from ..model import Comparison, DriftReport, Finding, Layer
from ..rules import fail_on_name
from .common import counts_text, delta, gate_text, section_line, warnings

WIDTH = 118


def _wrap(text: str, indent: str, hang: str = "    ") -> list[str]:
    """Long lines wrapped at WIDTH (never cut; words, paths and URLs are never split)."""
    lines = textwrap.wrap(
        text,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + hang,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return lines or [indent]


def _finding(change: Finding, indent: str, *, wrap: bool = False) -> list[str]:
    """One line per API change (grep-friendly); overlay findings, whose descriptions are prose, wrapped."""
    text = f"{change.severity.label:<12} {change.rule:<36} {change.where()}: {change.message}  [{change.fingerprint}]"
    return _wrap(text, indent, hang=" " * 13) if wrap else [indent + text]


def _layer(comparison: Comparison, layer: Layer) -> list[str]:
    lines: list[str] = []
    if not layer.computed and not layer.health:
        return lines
    changes = layer.api_changes()
    difference = delta(comparison, layer)
    if difference is not None:
        same = f"{difference.shared} API change(s) the same as (a)"
        if difference.only_client or difference.absorbed:
            lines.append(f"  {layer.heading}: {same}; how it differs:")
        else:
            lines.append(f"  {layer.heading}: {same}, no other")
        if difference.absorbed:
            lines.append("    absorbed by the overlays (not seen by the client):")
            for change in difference.absorbed:
                lines += _finding(change, "      ")
        if difference.only_client:
            lines.append("    only through the overlays:")
            for change in difference.only_client:
                lines += _finding(change, "      ")
    elif changes:
        lines.append(f"  {layer.heading}")
        for change in changes:
            lines += _finding(change, "    ")
    if layer.health:
        lines.append("    overlay findings:")
        for finding in layer.health:
            lines += _finding(finding, "      ", wrap=True)
    elif layer.computed and layer.key == "client":
        lines.append("    overlays: every action still matches and is still needed")
    return lines


def render_text(report: DriftReport) -> str:
    lines = [f"WARNING: {warning}" for warning in warnings(report)]
    for comparison in report.comparisons:
        if comparison.error:
            lines.append(f"{comparison.pin}: could not compare: {comparison.error}")
            continue
        lines.append(comparison.title)
        if comparison.new.note:
            lines += _wrap(f"new copy: {comparison.new.note}", "  ")
        if comparison.identical:
            lines.append("  same bytes: nothing changed")
            continue
        for layer in comparison.layers:
            lines += _wrap(f"{layer.heading}: {counts_text(layer)}", "  ")
        lines.append(f"  {gate_text(report, comparison)}")
        for layer in comparison.layers:
            lines += _layer(comparison, layer)
        docs = comparison.documentation()
        if docs:
            lines.append(f"  {len(docs)} documentation/metadata edit(s) not listed (see --format markdown or json)")
        if comparison.not_proposed:
            lines += _wrap(f"no pin proposed: {comparison.not_proposed}", "  ")
    for section in report.sections:
        lines += _wrap(section_line(report, section), "")
        lines += _wrap(section.basis, "  ")
        for change in section.api_changes():
            lines += _finding(change, "  ")
    failing = len(report.failing())
    verdict = "fail" if failing else "pass"
    lines.append(f"{verdict}: {failing} finding(s) at or above --fail-on {fail_on_name(report.threshold)}")
    return "\n".join(lines) + "\n"
