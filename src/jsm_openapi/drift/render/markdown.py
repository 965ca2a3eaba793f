"""The Markdown alert. Its first lines are what a person reads before anything else: the title (with any warning,
such as a latest copy older than the pin), one count line per layer, what `--fail-on` judged, and the most important
findings. Then each layer: (a) every API change by severity; (b) how the client's view differs from (a) and the
overlay health; (c) the Python API changes or why they were not computed. Documentation edits are folded; the
proposed pin (or why there is none) closes the comparison. Report-wide sections (observed deviations) have a count
line among the first lines and their findings after the comparisons.
"""

from __future__ import annotations

from ..model import CLIENT, Comparison, DocumentInfo, DriftReport, Finding, Layer
from ..rules import Severity, fail_on_name
from .common import (
    API_SEVERITIES,
    ICONS,
    TITLES,
    Headline,
    counts_text,
    delta,
    headline,
    operations_text,
    warnings,
)

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
    letter = f"({line.layer.letter}) " if line.layer.letter else ""
    if len(line.changes) == 1:
        where = f"`{first.operations[0]}`" if len(first.operations) == 1 else ""
        extra = f" ({len(first.operations)} operations: {operations_text(first)})" if len(first.operations) > 1 else ""
        prefix = f"{where}: " if where else ""
        return f"- {icon} {letter}{prefix}{first.message}{extra} — `{first.rule}`"
    summary = first.summary.rstrip(".") or first.rule
    return f"- {icon} {letter}{len(line.changes)} × {summary} (e.g. {first.where()}) — `{line.rule}`"


def _table(changes: list[Finding]) -> list[str]:
    rows = ["| rule | where | change | fingerprint |", "|---|---|---|---|"]
    for change in changes:
        where = operations_text(change, limit=5) or change.pointer
        rows.append(f"| `{change.rule}` | {_cell(where)} | {_cell(change.message)} | `{change.fingerprint}` |")
    return rows


def _by_severity(changes: list[Finding], level: str) -> list[str]:
    lines: list[str] = []
    for severity in API_SEVERITIES:
        chosen = [c for c in changes if c.severity == severity]
        if not chosen:
            continue
        lines += ["", f"{level} {ICONS[severity]} {TITLES[severity]} ({len(chosen)})", ""]
        by_rule: dict[str, list[Finding]] = {}
        for change in chosen:
            by_rule.setdefault(change.rule, []).append(change)
        small = [c for rule_changes in by_rule.values() if len(rule_changes) <= FOLD for c in rule_changes]
        if small:
            lines += _table(small)
        for rule_id, rule_changes in by_rule.items():
            if len(rule_changes) > FOLD:
                title = f"{len(rule_changes)} × <code>{rule_id}</code>: {rule_changes[0].summary}"
                lines += ["", f"<details><summary>{title}</summary>", "", *_table(rule_changes), "", "</details>"]
    return lines


def _health(layer: Layer) -> list[str]:
    if not layer.health:
        fine = layer.computed and layer.key == CLIENT
        return ["", "Overlays: every action still matches and is still needed."] if fine else []
    lines = ["", "Overlay health on the new copy:", "", "| | rule | overlay action | finding | fingerprint |"]
    lines.append("|---|---|---|---|---|")
    for finding in layer.health:
        lines.append(
            f"| {ICONS[finding.severity]} | `{finding.rule}` | {_cell(finding.pointer)} | {_cell(finding.message)} "
            f"| `{finding.fingerprint}` |"
        )
    return lines


def _layer(comparison: Comparison | None, layer: Layer, level: str) -> list[str]:
    lines = ["", f"{level} {layer.heading}", "", f"*{layer.basis}*"]
    if not layer.computed:
        lines += ["", f"Not computed: {layer.not_computed}"]
        return lines + _health(layer)
    difference = delta(comparison, layer) if comparison is not None else None
    if difference is None:
        changes = layer.api_changes()
        if not changes:
            lines += ["", "No API change."]
        return lines + _by_severity(changes, level + "#") + _health(layer)
    lines += ["", f"{difference.shared} API change(s) of (a) reach the client as they are."]
    if difference.absorbed:
        lines += ["", f"{level}# Absorbed by the overlays ({len(difference.absorbed)}): in (a), not seen by the client"]
        lines += ["", *_table(difference.absorbed)]
    if difference.only_client:
        lines += ["", f"{level}# Only through the overlays ({len(difference.only_client)}): not in (a)"]
        lines += _by_severity(difference.only_client, level + "##")
    return lines + _health(layer)


def _documentation_section(comparison: Comparison, level: str) -> list[str]:
    docs = comparison.documentation()
    if not docs:
        return []
    counts: dict[str, int] = {}
    for change in docs:
        counts[change.rule] = counts.get(change.rule, 0) + 1
    listed = ", ".join(f"{n} × `{rule}`" for rule, n in counts.items())
    lines = ["", f"{level} {ICONS[Severity.INFO]} Documentation and metadata in (a) ({len(docs)}, not API changes)", ""]
    lines += [listed, "", "<details><summary>every edit</summary>", ""]
    rows = ["| rule | where | change |", "|---|---|---|"]
    for change in docs[:DOC_ROWS]:
        rows.append(f"| `{change.rule}` | {_cell(change.where())} | {_cell(change.message)} |")
    if len(docs) > DOC_ROWS:
        rows.append(f"| | | … {len(docs) - DOC_ROWS} more in the JSON report |")
    return [*lines, *rows, "", "</details>"]


def _layer_lines(comparison: Comparison, report: DriftReport) -> list[str]:
    """One line per layer with its counts; the layers `--fail-on` judges say so, with their failing count."""
    judged = {id(layer) for layer in comparison.judged(report.gate)}
    threshold = fail_on_name(report.threshold)
    lines = []
    for layer in comparison.layers:
        mark = ""
        if id(layer) in judged:
            mark = f" — judged by `--fail-on {threshold}`: **{len(layer.at_or_above(report.threshold))} failing**"
        lines.append(f"- **{layer.heading}**: {counts_text(layer)}{mark}")
    return lines


def _comparison(report: DriftReport, comparison: Comparison, level: str) -> list[str]:
    if comparison.error:
        return [f"⚠️ Could not compare {comparison.pin}: {comparison.error}"]
    if comparison.identical:
        return [f"Same bytes as {comparison.old.label} (sha256 {comparison.old.sha256[:12]}…): nothing changed."]
    lines = [f"> ⚠️ {warning}" for warning in comparison.warnings]
    lines += [*([""] if lines else []), *_layer_lines(comparison, report), ""]
    top = headline(comparison.judged(report.gate))
    if top:
        lines += [_headline_line(line) for line in top]
    elif any(layer.computed for layer in comparison.judged(report.gate)):
        lines.append("No API change: the documents differ only in documentation, metadata, key order or formatting.")
    lines += ["", _side("Old", comparison.old), _side("New", comparison.new)]
    sub = level + "#"
    for layer in comparison.layers:
        lines += _layer(comparison, layer, sub)
    lines += _documentation_section(comparison, sub)
    if comparison.proposed_pin:
        lines += ["", f"{sub} Proposed pin", "", "```toml", comparison.proposed_pin.rstrip(), "```"]
    elif comparison.not_proposed:
        lines += ["", f"{sub} No pin proposed", "", comparison.not_proposed]
    return lines


def _section_lines(report: DriftReport) -> list[str]:
    """One count line per report-wide section (e.g. observed deviations), among the alert's first lines."""
    threshold = fail_on_name(report.threshold)
    lines = []
    for section in report.sections:
        mark = ""
        if section.key in report.gate:
            mark = f" — judged by `--fail-on {threshold}`: **{len(section.at_or_above(report.threshold))} failing**"
        lines.append(f"- **{section.heading}**: {counts_text(section)}{mark}")
    return [*lines, ""] if lines else []


def _side(name: str, info: DocumentInfo) -> str:
    note = f"; {info.note}" if info.note else ""
    return f"{name}: {info.origin} (sha256 {info.sha256[:12]}…, version {info.version}{note})  "


def _status(report: DriftReport) -> str:
    if report.errors() or warnings(report):
        return "⚠️"
    worst = max((f.severity for f in report.failing()), default=None)
    if worst is None:
        worst = max((c.severity for layer in report.layers() for c in layer.api_changes()), default=None)
    return "✅" if worst is None else ICONS[worst]


def render_markdown(report: DriftReport) -> str:
    """The alert body. It ends with an HTML comment carrying the fingerprint set (the nightly job keys issues on it)."""
    status = _status(report)
    lines: list[str] = []
    warned = warnings(report)
    if not report.comparisons:  # observed deviations alone
        titles = "; ".join(f"{section.title} ({len(section.api_changes())})" for section in report.sections)
        lines += [f"# {status} {titles or 'Nothing compared'}", ""]
        lines += [line for line in _section_lines(report) if line]
    elif len(report.comparisons) == 1:
        comparison = report.comparisons[0]
        flag = " — ⚠️ the new copy is OLDER (see below)" if comparison.warnings else ""
        lines += [f"# {status} Spec drift: {comparison.title}{flag}", ""]
        lines += _section_lines(report)
        lines += _comparison(report, comparison, "#")
    else:
        changed = [c for c in report.comparisons if c.layers and any(layer.changes for layer in c.layers)]
        flag = f" — ⚠️ {len(warned)} warning(s)" if warned else ""
        lines += [f"# {status} Spec drift: {len(changed)} of {len(report.comparisons)} document(s) changed{flag}", ""]
        lines += _section_lines(report)
        lines += [f"> ⚠️ {warning}" for warning in warned]
        for comparison in report.comparisons:
            name = _code(comparison.pin or comparison.new.label)
            if comparison.error:
                summary = "⚠️ could not compare (see below)"
            else:
                failing = len(comparison.at_or_above(report.threshold, report.gate))
                summary = f"{failing} finding(s) at or above `--fail-on {fail_on_name(report.threshold)}`"
            lines.append(f"- {name}: {summary}")
        for comparison in report.comparisons:
            lines += ["", f"## {comparison.title}", "", *_comparison(report, comparison, "##")]
    for section in report.sections:
        lines += _layer(None, section, "##")
    failing = len(report.failing())
    lines += [
        "",
        "---",
        f"{failing} finding(s) at or above `--fail-on {fail_on_name(report.threshold)}` in layers "
        f"{', '.join(report.gate)}. Rules and severities: docs/drift-rules.md.",
        f"<!-- {MARKER} fingerprint-set: {report.fingerprint_set()} -->",
    ]
    return "\n".join(lines) + "\n"
