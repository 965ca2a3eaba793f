"""The Markdown alert: what changed, most important first, then every change by severity, overlay health,
documentation edits (folded) and the proposed pin. The first lines are what a person reads before anything else.
"""

from __future__ import annotations

from ..model import Change, Comparison, DriftReport
from ..rules import RULES, Severity, fail_on_name
from .common import API_SEVERITIES, ICONS, TITLES, Headline, counts_line, headline, operations_text

FOLD = 10  # more rows than this for one rule go into a <details> block
DOC_ROWS = 200  # documentation edits listed at most (the JSON report has them all)
MARKER = "jsm-openapi-drift"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{text}`" if text else ""


def _headline_line(line: Headline) -> str:
    first = line.changes[0]
    icon = ICONS[line.severity]
    if len(line.changes) == 1:
        where = f"`{first.operations[0]}`" if len(first.operations) == 1 else ""
        extra = f" ({len(first.operations)} operations: {operations_text(first)})" if len(first.operations) > 1 else ""
        prefix = f"{where}: " if where else ""
        return f"- {icon} {prefix}{first.message}{extra} — `{first.rule}`"
    summary = RULES[line.rule].summary.rstrip(".")
    return f"- {icon} {len(line.changes)} × {summary} (e.g. {first.where()}) — `{line.rule}`"


def _table(changes: list[Change]) -> list[str]:
    rows = ["| rule | where | change | fingerprint |", "|---|---|---|---|"]
    for change in changes:
        where = operations_text(change, limit=5) or change.pointer
        rows.append(f"| `{change.rule}` | {_cell(where)} | {_cell(change.message)} | `{change.fingerprint}` |")
    return rows


def _severity_section(comparison: Comparison, severity: Severity, level: str) -> list[str]:
    changes = [c for c in comparison.changes if c.severity == severity and c.definition.group != "overlay"]
    if not changes:
        return []
    lines = ["", f"{level} {ICONS[severity]} {TITLES[severity]} ({len(changes)})", ""]
    by_rule: dict[str, list[Change]] = {}
    for change in changes:
        by_rule.setdefault(change.rule, []).append(change)
    small = [c for rule_changes in by_rule.values() if len(rule_changes) <= FOLD for c in rule_changes]
    if small:
        lines += _table(small)
    for rule_id, rule_changes in by_rule.items():
        if len(rule_changes) > FOLD:
            title = f"{len(rule_changes)} × <code>{rule_id}</code>: {RULES[rule_id].summary}"
            lines += ["", f"<details><summary>{title}</summary>", "", *_table(rule_changes), "", "</details>"]
    return lines


def _health_section(comparison: Comparison, level: str) -> list[str]:
    if not comparison.health_checked:
        return []
    findings = comparison.health()
    flavors = ", ".join(comparison.health_checked)
    lines = ["", f"{level} Overlay health on the new document ({flavors})", ""]
    if not findings:
        return [*lines, "Every overlay action still matches and is still needed."]
    lines += ["| | rule | overlay action | finding | fingerprint |", "|---|---|---|---|---|"]
    for change in findings:
        lines.append(
            f"| {ICONS[change.severity]} | `{change.rule}` | {_cell(change.pointer)} | {_cell(change.message)} "
            f"| `{change.fingerprint}` |"
        )
    return lines


def _documentation_section(comparison: Comparison, level: str) -> list[str]:
    docs = comparison.documentation()
    if not docs:
        return []
    counts: dict[str, int] = {}
    for change in docs:
        counts[change.rule] = counts.get(change.rule, 0) + 1
    listed = ", ".join(f"{n} × `{rule}`" for rule, n in counts.items())
    lines = ["", f"{level} {ICONS[Severity.INFO]} Documentation and metadata ({len(docs)}, not API changes)", ""]
    lines += [listed, "", "<details><summary>every edit</summary>", ""]
    rows = ["| rule | where | change |", "|---|---|---|"]
    for change in docs[:DOC_ROWS]:
        rows.append(f"| `{change.rule}` | {_cell(change.where())} | {_cell(change.message)} |")
    if len(docs) > DOC_ROWS:
        rows.append(f"| | | … {len(docs) - DOC_ROWS} more in the JSON report |")
    return [*lines, *rows, "", "</details>"]


def _comparison(comparison: Comparison, level: str) -> list[str]:
    if comparison.error:
        return [f"⚠️ Could not compare {comparison.pin}: {comparison.error}"]
    lines = [f"**{counts_line(comparison)}**", ""]
    if comparison.identical:
        return [f"Same bytes as {comparison.old.label} (sha256 {comparison.old.sha256[:12]}…): nothing changed."]
    top = headline(comparison)
    if top:
        lines += [_headline_line(line) for line in top]
    else:
        lines.append("No API change: the documents differ only in documentation, metadata, key order or formatting.")
    lines += [
        "",
        f"Old: {comparison.old.origin} (sha256 {comparison.old.sha256[:12]}…, version {comparison.old.version})",
    ]
    lines += [f"New: {comparison.new.origin} (sha256 {comparison.new.sha256[:12]}…, version {comparison.new.version})"]
    sub = level + "#"
    for severity in API_SEVERITIES:
        lines += _severity_section(comparison, severity, sub)
    lines += _health_section(comparison, sub)
    lines += _documentation_section(comparison, sub)
    if comparison.proposed_pin:
        lines += ["", f"{sub} Proposed pin", "", "```toml", comparison.proposed_pin.rstrip(), "```"]
    return lines


def _status(report: DriftReport) -> str:
    if report.errors():
        return "⚠️"
    worst = max((c.severity for comp in report.comparisons for c in comp.changes if c.is_api), default=None)
    if worst is None:
        return "✅"
    return ICONS[worst]


def render_markdown(report: DriftReport) -> str:
    """The alert body. It ends with an HTML comment carrying the fingerprint set (the nightly job keys issues on it)."""
    status = _status(report)
    lines: list[str] = []
    if len(report.comparisons) == 1:
        comparison = report.comparisons[0]
        lines += [f"# {status} Spec drift: {comparison.title}", ""]
        lines += _comparison(comparison, "#")
    else:
        changed = [c for c in report.comparisons if c.changes]
        lines += [f"# {status} Spec drift: {len(changed)} of {len(report.comparisons)} document(s) changed", ""]
        for comparison in report.comparisons:
            name = _code(comparison.pin or comparison.new.label)
            summary = "⚠️ could not compare (see below)" if comparison.error else counts_line(comparison)
            lines.append(f"- {name}: {summary}")
        for comparison in report.comparisons:
            lines += ["", f"## {comparison.title}", "", *_comparison(comparison, "##")]
    failing = len(report.failing())
    lines += [
        "",
        "---",
        f"{failing} change(s) at or above `--fail-on {fail_on_name(report.threshold)}`. "
        "Rules and severities: docs/drift-rules.md.",
        f"<!-- {MARKER} fingerprint-set: {report.fingerprint_set()} -->",
    ]
    return "\n".join(lines) + "\n"
