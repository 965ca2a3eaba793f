"""JUnit XML: a test suite per comparison and layer, a test case per API change or overlay finding.

A case fails when its layer is judged by `--fail-on` (by default (b) and (c); (a) when neither was computed) and its
severity is at or above the threshold; the other layers' cases pass and carry their details. Documentation edits
are not cases. A layer without findings gets one passing case (or a skipped one, when it was not computed).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..model import Comparison, DriftReport, Finding, Layer
from ..rules import fail_on_name


def _case(suite: ET.Element, change: Finding, failing: bool) -> None:
    case = ET.SubElement(
        suite, "testcase", classname=f"drift.{change.rule}", name=f"{change.where()}: {change.message}"
    )
    details = (
        f"rule: {change.rule} ({change.severity.label})\npointer: {change.pointer}\n"
        f"fingerprint: {change.fingerprint}\nwhy: {change.why}"
    )
    if failing:
        failure = ET.SubElement(
            case, "failure", type=change.severity.label, message=f"{change.severity.label}: {change.message}"
        )
        failure.text = details
    else:
        ET.SubElement(case, "system-out").text = details


def _suite(root: ET.Element, report: DriftReport, comparison: Comparison | None, layer: Layer, judged: bool) -> int:
    title = f"{comparison.title} — {layer.heading}" if comparison else layer.heading
    suite = ET.SubElement(root, "testsuite", name=title)
    properties = ET.SubElement(suite, "properties")
    values = [("fail-on", fail_on_name(report.threshold)), ("judged", "yes" if judged else "no")]
    if comparison is not None:
        values += [
            ("old", f"{comparison.old.origin} sha256:{comparison.old.sha256}"),
            ("new", f"{comparison.new.origin} sha256:{comparison.new.sha256}"),
        ]
    values.append(("fingerprint-set", report.fingerprint_set()))
    for name, value in values:
        ET.SubElement(properties, "property", name=name, value=value)
    cases: list[Finding] = [*layer.health, *layer.api_changes()]
    failed = 0
    for change in cases:
        failing = judged and change.severity >= report.threshold
        failed += failing
        _case(suite, change, failing)
    if not cases:
        case = ET.SubElement(suite, "testcase", classname="drift", name=f"{layer.key}: no API changes")
        if not layer.computed:
            ET.SubElement(case, "skipped", message=f"not computed: {layer.not_computed}")
    suite.set("tests", str(max(len(cases), 1)))
    suite.set("failures", str(failed))
    suite.set("errors", "0")
    suite.set("skipped", "1" if not cases and not layer.computed else "0")
    return failed


def render_junit(report: DriftReport) -> str:
    root = ET.Element("testsuites", name="jsm-openapi drift")
    failed = 0
    for comparison in report.comparisons:
        if comparison.error:
            suite = ET.SubElement(root, "testsuite", name=comparison.title, tests="1", failures="0", errors="1")
            case = ET.SubElement(suite, "testcase", classname="drift", name=f"compare {comparison.pin}")
            ET.SubElement(case, "error", message=comparison.error.splitlines()[0]).text = comparison.error
            continue
        judged = {id(layer) for layer in comparison.judged(report.gate)}
        for layer in comparison.layers:
            failed += _suite(root, report, comparison, layer, id(layer) in judged)
    for section in report.sections:
        failed += _suite(root, report, None, section, section.key in report.gate)
    suites = root.findall("testsuite")
    root.set("tests", str(sum(int(s.get("tests", "0")) for s in suites)))
    root.set("failures", str(failed))
    root.set("errors", str(len(report.errors())))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
