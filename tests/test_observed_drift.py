"""`jsm-openapi drift --observed`: observed-deviation files (as the facade writes them) become alerts; malformed
or hostile files are refused with the file and line named."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from cli_in_process import run
from hypothesis import given, settings
from hypothesis import strategies as st

from jsm.deviations import Deviation, DeviationLog
from jsm_openapi.drift.model import DriftReport
from jsm_openapi.drift.observed import read_observed
from jsm_openapi.drift.render import Format, render

CLOUD_DOC = "jsm-cloud/jsm-cloud-2025-09-17.json"
OLDER_CLOUD_DOC = "jsm-cloud/jsm-cloud-2024-09-28.json"


def deviation(**changes: Any) -> Deviation:
    fields: dict[str, Any] = {
        "flavor": "cloud",
        "operation": "GET /rest/servicedeskapi/servicedesk/{serviceDeskId}",
        "status": 200,
        "pointer": "/id",
        "path": "/id",
        "keyword": "type",
        "expected": "string",
        "seen": {"type": "integer"},
        "schema": "#/components/schemas/ServiceDeskDTO/properties/id/type",
        "site_version": "10.3.0",
    }
    return Deviation(**{**fields, **changes})


def write(path: Path, *deviations: Deviation) -> Path:
    log = DeviationLog(path, source="jsm-client test")
    for each in deviations:
        log.append(each)
    return path


def test_a_file_of_deviations_becomes_alerts_with_the_writers_fingerprints(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first = write(
        tmp_path / "a.jsonl",
        deviation(),
        deviation(path="/values/*/canEdit", pointer="/values/0/canEdit", keyword="additionalProperties",
                  expected=False, seen={"type": "boolean"}),
    )  # fmt: skip
    second = write(tmp_path / "b.jsonl", deviation(site_version="10.4.0"))  # the same deviation on another site
    code, out, _ = run(capsys, "drift", "--observed", str(first), str(second))
    assert code == 1  # a breaking one (a type), at the default --fail-on breaking
    assert (
        "GET /rest/servicedeskapi/servicedesk/{serviceDeskId}: the cloud site disagrees with the document: answer 200, "
        '/id: expected "string", seen integer (×2, JSM 10.3.0, 10.4.0); schema #/components/schemas/ServiceDeskDTO'
    ) in out
    assert deviation().fingerprint in out and "×2, JSM 10.3.0, 10.4.0" in out
    assert "observed-undeclared-field" in out and "2 distinct deviation(s) from 3 record(s) in 2 file(s)" in out
    assert "Observed: the site disagrees with the document: 1 breaking · 0 potentially breaking · 1 non-breaking" in out
    section = read_observed([first, second])
    assert section.key == "observed" and [c.rule for c in section.changes] == [
        "observed-type",
        "observed-undeclared-field",
    ]
    assert {c.fingerprint for c in section.changes} == {deviation().fingerprint, section.changes[1].fingerprint}

    code, out, _ = run(capsys, "drift", "--observed", str(first), "--format", "json", "--fail-on", "any")
    data = json.loads(out)
    assert data["schema_version"] == 2 and data["comparisons"] == [] and data["failing"] == 2
    (observed,) = data["sections"]
    assert observed["key"] == "observed" and observed["judged_by_fail_on"]
    assert observed["summary"] == {"breaking": 1, "potential": 0, "non-breaking": 1, "info": 0}
    assert {a["rule"] for a in observed["changes"]} == {"observed-type", "observed-undeclared-field"}
    assert sum(a["records"] for a in observed["changes"]) == 2
    # the section's fingerprints are the report's: the nightly issue keys on them
    assert sorted(a["fingerprint"] for a in observed["changes"]) == data["fingerprints"]
    assert code == 1
    assert run(capsys, "drift", "--observed", str(first), "--fail-layers", "client")[0] == 0  # not judged: passes
    only_undeclared = write(tmp_path / "c.jsonl", deviation(keyword="additionalProperties", expected=False))
    assert run(capsys, "drift", "--observed", str(only_undeclared))[0] == 0  # non-breaking: passes by default


def test_every_format_and_the_report_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    observed = write(tmp_path / "a.jsonl", deviation())
    for fmt, marker in (("markdown", "fingerprint-set:"), ("junit", "<testsuite"), ("text", "observed-type")):
        code, out, _ = run(capsys, "drift", "--observed", str(observed), "--format", fmt)
        assert code == 1 and marker in out
    folder = tmp_path / "reports"
    folder.mkdir()
    code, _, _ = run(capsys, "drift", "--observed", str(observed), "--report-dir", str(folder))
    assert code == 1
    names = {p.name for p in folder.iterdir()}
    assert names == {"drift.json", "drift.md", "drift.txt", "drift.junit.xml", "issue-title.txt", "issue.md"}
    report = json.loads((folder / "drift.json").read_text())
    assert deviation().fingerprint in (folder / "issue.md").read_text()
    assert f"fingerprint-set: {report['fingerprint_set']}" in (folder / "issue.md").read_text()
    title = (folder / "issue-title.txt").read_text()
    assert title.startswith("Observed deviations: 1 place(s) where the site disagrees — 1 breaking")
    assert f"[{report['fingerprint_set']}]" in title


def test_beside_document_drift_the_report_has_both(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, mirror: Path
) -> None:
    observed = write(tmp_path / "a.jsonl", deviation(keyword="additionalProperties", expected=False))
    old, new = str(mirror / OLDER_CLOUD_DOC), str(mirror / CLOUD_DOC)
    code, out, _ = run(capsys, "drift", old, new, "--observed", str(observed), "--format", "json")
    data = json.loads(out)
    (section,) = data["sections"]
    assert data["comparisons"] and section["changes"][0]["rule"] == "observed-undeclared-field"
    alone = json.loads(run(capsys, "drift", old, new, "--format", "json")[1])
    # one report: the observed fingerprints join the document drift's set
    assert set(data["fingerprints"]) == {*alone["fingerprints"], section["changes"][0]["fingerprint"]}
    assert data["fingerprint_set"] != alone["fingerprint_set"]
    code_alone, _, _ = run(capsys, "drift", old, new)
    assert code == code_alone  # a non-breaking observation does not change the verdict
    breaking = write(tmp_path / "b.jsonl", deviation())
    assert run(capsys, "drift", old, old, "--observed", str(breaking))[0] == 1  # judged beside a comparison too
    code, out, _ = run(capsys, "drift", old, new, "--observed", str(observed), "--format", "junit")
    suites = ET.fromstring(out)
    names = [suite.get("name") for suite in suites.findall("testsuite")]
    assert "Observed: the site disagrees with the document" in names and len(names) == 4  # (a), (b), (c), observed
    code, out, _ = run(capsys, "drift", old, new, "--observed", str(observed), "--format", "markdown")
    first_lines = out.split("## ", 1)[0]
    assert "**Observed: the site disagrees with the document**: 0 breaking" in first_lines
    assert section["changes"][0]["fingerprint"] in out
    report_dir = tmp_path / "reports"
    run(capsys, "drift", old, new, "--observed", str(observed), "--report-dir", str(report_dir))
    assert section["changes"][0]["fingerprint"] in (report_dir / "issue.md").read_text()
    assert "; observed: 1 place(s) where the site disagrees" in (report_dir / "issue-title.txt").read_text()
    assert not list(report_dir.glob("observed.*"))  # one report, not two


def test_files_and_documents_in_any_order_as_a_shell_glob_gives_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, mirror: Path
) -> None:
    """`drift OLD NEW --observed *.jsonl`: the files after the first join --observed, wherever the options are."""
    files = [write(tmp_path / f"{n}.jsonl", deviation(site_version=f"10.{n}.0")) for n in range(3)]
    old, new = str(mirror / OLDER_CLOUD_DOC), str(mirror / CLOUD_DOC)
    for args in (
        [old, new, "--observed", *map(str, files)],
        ["--observed", str(files[0]), old, "--fail-on", "any", new, str(files[1]), "--observed", str(files[2])],
    ):
        code, out, _ = run(capsys, "drift", *args, "--format", "json")
        data = json.loads(out)
        [comparison] = data["comparisons"]
        assert "2024-09-28" in comparison["old"]["label"] and "2025-09-17" in comparison["new"]["label"], args
        (observed,) = data["sections"]
        assert sum(a["records"] for a in observed["changes"]) == 3 and code == 1, args
    code, _, err = run(capsys, "drift", old, "--bogus", new)
    assert code == 2 and "unrecognized arguments: --bogus" in err


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("not json", "not a JSON record"),
        ('{"format": "something-else"}', "not a jsm-observed-deviation record"),
        ('{"format": "jsm-observed-deviation", "version": 2}', "newer client"),
        ('{"format": "jsm-observed-deviation", "version": 1}', "'flavor'"),
        ("[" * 100000 + "]" * 100000, "not a JSON record"),
    ],
)
def test_malformed_lines_exit_3_naming_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, line: str, says: str
) -> None:
    path = write(tmp_path / "bad.jsonl", deviation())
    with path.open("a") as handle:
        handle.write(line + "\n")
    code, _, err = run(capsys, "drift", "--observed", str(path))
    assert code == 3 and f"{path}:2" in err and says in err


def test_an_edited_record_and_a_missing_file_are_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", deviation())
    record = json.loads(path.read_text())
    record["expected"] = "integer"  # someone "fixed" the evidence by hand
    path.write_text(json.dumps(record) + "\n")
    code, _, err = run(capsys, "drift", "--observed", str(path))
    assert code == 3 and "does not match the record's fields" in err
    code, _, err = run(capsys, "drift", "--observed", str(tmp_path / "missing.jsonl"))
    assert code == 3 and "cannot read observed deviations" in err


@settings(max_examples=60, deadline=None)
@given(
    field=st.sampled_from(["flavor", "operation", "status", "pointer", "path", "keyword", "seen", "observed_at"]),
    value=st.one_of(
        st.text(max_size=80), st.integers(min_value=-(10**30), max_value=10**30), st.none(), st.booleans(),
        st.lists(st.integers(), max_size=3), st.just("\ud800"), st.just("x" * 5000),
    ),
)  # fmt: skip
def test_hostile_field_values_are_refused_or_read_safely(tmp_path_factory: Any, field: str, value: Any) -> None:
    path = write(tmp_path_factory.mktemp("h") / "h.jsonl", deviation())
    record = json.loads(path.read_text())
    record[field] = value
    record.pop("fingerprint")
    path.write_text(json.dumps(record) + "\n")
    try:
        report = read_observed([path])
    except Exception as exc:  # only the documented bad-input error, never a crash
        assert type(exc).__name__ == "InputError", exc
        return
    alert = report.changes[0]
    text = (
        alert.message
        + json.dumps(alert.as_json(), default=str)
        + render(DriftReport([], sections=[report]), Format.markdown)
    )
    text.encode("utf-8")  # printable anywhere: no lone surrogates survive
