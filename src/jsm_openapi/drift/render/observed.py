"""The observed-deviations section of a drift report, in each format (alone, or appended to a document report)."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape, quoteattr

from ...documents import pretty_json
from ..observed import ObservedAlert, ObservedReport
from ..rules import Severity, fail_on_name
from .common import ICONS

MARKER = "jsm-openapi-observed"


def _counts(report: ObservedReport) -> str:
    by = {s: sum(a.severity == s for a in report.alerts) for s in Severity}
    severities = f"{by[Severity.BREAKING]} breaking, {by[Severity.POTENTIAL]} potential"
    return (
        f"{len(report.alerts)} alert(s) from {report.records} record(s) in {len(report.files)} file(s): "
        f"{severities}, {by[Severity.NON_BREAKING]} non-breaking"
    )


def _seen(alert: ObservedAlert) -> str:
    return f"×{len(alert.records)}, JSM {', '.join(alert.site_versions)}"


def observed_text(report: ObservedReport, threshold: Severity) -> str:
    lines = [f"observed deviations: {_counts(report)}"]
    for alert in report.alerts:
        lines.append(
            f"  {alert.severity.label:<12} {alert.rule.id:<28} {alert.message} ({_seen(alert)})  [{alert.fingerprint}]"
        )
    failing = len(report.failing(threshold))
    lines.append(f"{'fail' if failing else 'pass'}: {failing} observed alert(s) at or above --fail-on "
                 f"{fail_on_name(threshold)}")  # fmt: skip
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def observed_markdown(report: ObservedReport, threshold: Severity, *, level: str = "##") -> str:
    lines = [f"{level} Observed: the site disagrees with the document", "", _counts(report) + ".", ""]
    if report.alerts:
        lines += [
            "| | rule | where | what | seen | schema (patched document) | fingerprint |",
            "|---|---|---|---|---|---|---|",
        ]
        for alert in report.alerts:
            first = alert.first
            where = f"`{first.operation}` {first.status} `{first.path or '(body)'}` ({first.flavor})"
            what = alert.message.split(": ", 1)[-1]
            lines.append(
                f"| {ICONS[alert.severity]} | `{alert.rule.id}` | {_cell(where)} | {_cell(what)} | {_seen(alert)} "
                f"| `{_cell(first.schema)}` | `{alert.fingerprint}` |"
            )
        lines += ["", "Fix the document with an overlay at the schema place named (overlays/README.md), citing the "
                  "records' fingerprints as evidence."]  # fmt: skip
    failing = len(report.failing(threshold))
    lines += ["", f"{failing} observed alert(s) at or above `--fail-on {fail_on_name(threshold)}`."]
    lines += ["", f"<!-- {MARKER} fingerprint-set: {report.fingerprint_set()} -->"]
    return "\n".join(lines) + "\n"


def observed_json(report: ObservedReport, threshold: Severity) -> str:
    return pretty_json({"schema_version": 1, "observed": report.as_json(threshold)}).decode()


def observed_junit_suite(report: ObservedReport, threshold: Severity) -> str:
    failing = report.failing(threshold)
    cases = []
    for alert in report.alerts:
        name = quoteattr(f"{alert.rule.id} {alert.where}")
        body = ""
        if alert in failing:
            body = (
                f"<failure message={quoteattr(alert.message)} type={quoteattr(alert.severity.label)}>"
                f"{escape(json.dumps(alert.as_json(), default=str))}</failure>"
            )
        cases.append(f'    <testcase classname="observed.{alert.first.flavor}" name={name}>{body}</testcase>')
    head = f'  <testsuite name="observed deviations" tests="{len(report.alerts)}" failures="{len(failing)}">'
    return "\n".join([head, *cases, "  </testsuite>"]) + "\n"


def observed_junit(report: ObservedReport, threshold: Severity) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n'
        + observed_junit_suite(report, threshold)
        + ("</testsuites>\n")
    )


def render_observed(report: ObservedReport, fmt: str, threshold: Severity) -> str:
    """The observed report alone, in one format (`text`, `markdown`, `json`, `junit`)."""
    renderers = {
        "text": observed_text,
        "markdown": observed_markdown,
        "json": observed_json,
        "junit": observed_junit,
    }
    return renderers[fmt](report, threshold)


def append_observed(base: str, report: ObservedReport, fmt: str, threshold: Severity) -> str:
    """A document drift report (`base`, already rendered) with the observed section added, in the same format."""
    if fmt == "json":
        merged = json.loads(base)
        merged["observed"] = report.as_json(threshold)
        return pretty_json(merged).decode()
    if fmt == "junit":
        closing = base.rfind("</testsuites>")
        if closing == -1:
            return base + observed_junit(report, threshold)
        return base[:closing] + observed_junit_suite(report, threshold) + base[closing:]
    section = observed_markdown(report, threshold) if fmt == "markdown" else observed_text(report, threshold)
    return base.rstrip("\n") + "\n\n" + section
