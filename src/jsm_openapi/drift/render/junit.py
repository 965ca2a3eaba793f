"""JUnit XML: a test suite per comparison, a test case per API change or overlay finding.

A case fails when its severity is at or above `--fail-on`; documentation edits are not cases. A comparison without
API changes gets one passing case, so CI shows that it ran.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..model import DriftReport
from ..rules import fail_on_name


def render_junit(report: DriftReport) -> str:
    root = ET.Element("testsuites", name="jsm-openapi drift")
    total = failed = 0
    for comparison in report.comparisons:
        suite = ET.SubElement(root, "testsuite", name=comparison.title)
        properties = ET.SubElement(suite, "properties")
        for name, value in (
            ("fail-on", fail_on_name(report.threshold)),
            ("old", f"{comparison.old.origin} sha256:{comparison.old.sha256}"),
            ("new", f"{comparison.new.origin} sha256:{comparison.new.sha256}"),
            ("fingerprint-set", report.fingerprint_set()),
        ):
            ET.SubElement(properties, "property", name=name, value=value)
        cases = [c for c in comparison.changes if c.is_api]
        suite_failed = 0
        for change in cases:
            case = ET.SubElement(
                suite, "testcase", classname=f"drift.{change.rule}", name=f"{change.where()}: {change.message}"
            )
            details = (
                f"rule: {change.rule} ({change.severity.label})\npointer: {change.pointer}\n"
                f"fingerprint: {change.fingerprint}\nwhy: {change.definition.why}"
            )
            if change.severity >= report.threshold:
                suite_failed += 1
                failure = ET.SubElement(
                    case, "failure", type=change.severity.label, message=f"{change.severity.label}: {change.message}"
                )
                failure.text = details
            else:
                ET.SubElement(case, "system-out").text = details
        if comparison.error:
            case = ET.SubElement(suite, "testcase", classname="drift", name=f"compare {comparison.pin}")
            ET.SubElement(case, "error", message=comparison.error.splitlines()[0]).text = comparison.error
        elif not cases:
            ET.SubElement(suite, "testcase", classname="drift", name="no API changes")
        count = max(len(cases), 1)
        suite.set("tests", str(count))
        suite.set("failures", str(suite_failed))
        suite.set("errors", "1" if comparison.error else "0")
        total += count
        failed += suite_failed
    root.set("tests", str(total))
    root.set("failures", str(failed))
    root.set("errors", str(len(report.errors())))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
