"""The terminal report: a summary line per comparison, then one line per change (documentation edits counted)."""

from __future__ import annotations

from ..model import DriftReport
from ..rules import fail_on_name
from .common import counts_line


def render_text(report: DriftReport) -> str:
    lines: list[str] = []
    for comparison in report.comparisons:
        if comparison.error:
            lines.append(f"{comparison.pin}: could not compare: {comparison.error}")
            continue
        lines.append(f"{comparison.title}: {counts_line(comparison)}")
        if comparison.identical:
            lines.append("  same bytes: nothing changed")
        for change in comparison.changes:
            if not change.is_api:
                continue
            where = change.where()
            lines.append(
                f"  {change.severity.label:<12} {change.rule:<36} {where}: {change.message}  [{change.fingerprint}]"
            )
        if comparison.health_checked and not comparison.health():
            lines.append(
                f"  overlays ({', '.join(comparison.health_checked)}): every action still matches and is needed"
            )
        docs = comparison.documentation()
        if docs:
            lines.append(f"  {len(docs)} documentation/metadata edit(s) not listed (see --format markdown or json)")
    failing = len(report.failing())
    verdict = "fail" if failing else "pass"
    lines.append(f"{verdict}: {failing} change(s) at or above --fail-on {fail_on_name(report.threshold)}")
    return "\n".join(lines) + "\n"
