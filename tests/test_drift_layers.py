"""The alert in three layers on real Cloud history: (a) raw documents, (b) patched documents, (c) the Python API.

Also: what `--fail-on` judges, a provider for (c), report-wide sections, and a `--latest` older than the pin.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_in_process import run
from cloud_history import SHA, dated_copies

from jsm_openapi.drift.code_layer import CodeContext, register_provider
from jsm_openapi.drift.model import CODE, CodeChange, Comparison, DocumentInfo, DriftReport, Layer
from jsm_openapi.drift.render import Format, render
from jsm_openapi.drift.rules import Severity
from jsm_openapi.errors import ExitCode

RETRIEVED = {
    "2022-04-28": "2022-04-28",
    "2022-07-24": "2022-07-24",
    "2024-09-28": "2024-09-28",
    "2025-09-17": "2025-09-17",
}
ATTACH = "/rest/servicedeskapi/request/{issueIdOrKey}/attachment"

# Pins the attachment operation's name by method and path (the way overlays/cloud/020 names operations), so the
# client keeps `create_attachment` whatever Atlassian calls it.
PIN_NAME = f"""\
overlay: 1.1.0
info: {{title: names, version: 1.0.0}}
actions:
  - description: keep the generated function create_attachment, whatever the operationId upstream
    target: "$.paths['{ATTACH}'].post"
    update: {{operationId: createAttachment}}
"""
GONE = """\
overlay: 1.1.0
info: {title: gone, version: 1.0.0}
actions:
  - description: >-
      Wrong: the upload body is a bare binary string. Right: a multipart form with a file part, because JSM reads the
      part named file and nothing else; this sentence is long on purpose, so that no report may cut it short anywhere.
    target: >-
      $.paths['/rest/servicedeskapi/servicedesk/{serviceDeskId}/attachTemporaryFile'].post.requestBody
      .content['multipart/form-data'].schema[?@.type == 'string']
    update: {description: a file}
"""


@pytest.fixture(scope="module")
def copies(mirror: Path) -> dict[str, Path]:
    return dated_copies(mirror)


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch, mirror: Path, tmp_path: Path) -> Path:
    monkeypatch.setenv("JSM_SPEC_MIRROR", str(mirror))
    monkeypatch.setenv("JSM_SPEC_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "project"
    monkeypatch.setenv("JSM_OPENAPI_ROOT", str(root))
    return root


def pin_cloud(root: Path, day: str, overlays: dict[str, str] | None = None) -> None:
    (root / "openapi").mkdir(parents=True, exist_ok=True)
    (root / "openapi" / "sources.toml").write_text(
        'schema_version = 1\n\n[flavor.cloud]\ntitle = "JSM Cloud"\npackage = "jsm_cloud"\nproject = "jsm-cloud"\n\n'
        '[[flavor.cloud.document]]\nname = "jsm-cloud"\n'
        'url = "https://dac-static.atlassian.com/cloud/jira/service-desk/swagger.v3.json"\n'
        f'sha256 = "{SHA[day]}"\nversion = "1001.0.0-SNAPSHOT"\nretrieved = {RETRIEVED[day]}\n'
    )
    folder = root / "overlays" / "cloud"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (overlays or {}).items():
        (folder / name).write_text(text)


def layer(comparison: dict[str, Any], key: str) -> dict[str, Any]:
    (found,) = [entry for entry in comparison["layers"] if entry["key"] == key]
    return found  # type: ignore[no-any-return]


def rules_of(entries: list[dict[str, Any]]) -> set[str]:
    return {entry["rule"] for entry in entries}


def test_a_rename_an_overlay_pins_is_in_a_but_gone_from_b(
    capsys: pytest.CaptureFixture[str], project: Path, copies: dict[str, Path]
) -> None:
    pin_cloud(project, "2022-07-24", {"020-names.yaml": PIN_NAME})
    code, out, _ = run(capsys, "drift", "--pin", "jsm-cloud", "--latest", str(copies["2024-09-28"]), "--format", "json")
    (comparison,) = json.loads(out)["comparisons"]
    raw, client, python = layer(comparison, "raw"), layer(comparison, "client"), layer(comparison, "code")
    assert "operation-id-changed" in rules_of(raw["changes"])  # what Atlassian changed
    assert "operation-id-changed" not in rules_of(client["changes"])  # what the client sees: the name is pinned
    assert client["overlay_health"] == []  # the action still applies (it changes the new copy)
    assert client["basis"].startswith("patched documents of flavor cloud")
    # this project cannot generate (no generator configuration): (c) says so instead of failing the run
    assert not python["computed"] and "no generator configuration for cloud" in python["not_computed"]
    # the breaking changes the overlays do not absorb still fail, judged on (b) only
    assert comparison["judged_layers"] == ["client"] and code == ExitCode.FINDINGS
    assert comparison["failing"] == client["summary"]["breaking"] < raw["summary"]["breaking"]
    code, markdown, _ = run(
        capsys, "drift", "--pin", "jsm-cloud", "--latest", str(copies["2024-09-28"]), "--format", "markdown"
    )
    absorbed = markdown.split("Absorbed by the overlays", 1)[1].split("###", 1)[0]
    assert "operation-id-changed" in absorbed and "createCommentWithAttachment" in absorbed


def test_an_overlay_that_stops_applying_is_counted_apart_and_said_whole(
    capsys: pytest.CaptureFixture[str], project: Path, copies: dict[str, Path]
) -> None:
    pin_cloud(project, "2022-07-24", {"060-upload.yaml": GONE})
    code, out, _ = run(capsys, "drift", "--pin", "jsm-cloud", "--latest", str(copies["2024-09-28"]))
    lines = out.splitlines()
    client = next(line for line in lines if line.strip().startswith("(b) What the client sees (cloud):"))
    # API changes and overlay findings are counted apart: the breaking count is API changes only
    assert "overlays: 1 no longer match (the build would fail)" in " ".join(out.split())
    assert client.split(":", 1)[1].strip().startswith(tuple(f"{n} breaking" for n in range(10)))
    finding = out.split("overlay findings:", 1)[1]
    flat = " ".join(finding.split())
    # the action's description is whole (wrapped over lines, never cut)
    assert "so that no report may cut it short anywhere." in flat
    assert "overlays/cloud/060-upload.yaml action #1" in flat and "matches nothing: the strict build would fail" in flat
    block = list(itertools.takewhile(lambda line: line.startswith("      "), finding.splitlines()[1:]))
    assert len(block) > 3 and all(line.startswith(" " * 19) for line in block[1:])  # wrapped under its text
    assert code == ExitCode.FINDINGS


def test_fail_layers_chooses_what_fail_on_judges(
    capsys: pytest.CaptureFixture[str], project: Path, copies: dict[str, Path]
) -> None:
    pin_cloud(project, "2022-07-24", {"020-names.yaml": PIN_NAME})
    args = ["drift", "--pin", "jsm-cloud", "--latest", str(copies["2024-09-28"]), "--format", "json"]
    raw = json.loads(run(capsys, *args, "--fail-layers", "raw")[1])
    client = json.loads(run(capsys, *args)[1])
    assert raw["fail_on_layers"] == ["raw"] and raw["comparisons"][0]["judged_layers"] == ["raw"]
    assert raw["failing"] == client["failing"] + 1  # the pinned rename counts only in (a)
    code, _, err = run(capsys, *args, "--fail-layers", "client,bogus")
    assert code == ExitCode.INPUT and "unknown layer(s) bogus" in err


@pytest.fixture
def python_api() -> Iterator[list[CodeContext]]:
    """A stand-in provider for layer (c): one breaking change per flavor; it sees the patched documents."""
    seen: list[CodeContext] = []

    def provider(context: CodeContext) -> Layer:
        seen.append(context)
        change = CodeChange(
            rule="class-removed",
            severity=Severity.BREAKING,
            message="class CmdbWorkspaceDTO removed",
            pointer=f"{context.package}.models.CmdbWorkspaceDTO",
            fingerprint="0123456789abcdef",
            summary="A public class is gone.",
            why="Imports of it fail.",
        )
        return Layer(CODE, "What breaks in user code", f"{context.package} regenerated", changes=[change])

    previous = register_provider(provider)
    yield seen
    register_provider(previous)


def test_a_provider_for_layer_c_joins_the_alert_and_is_judged(
    capsys: pytest.CaptureFixture[str], project: Path, copies: dict[str, Path], python_api: list[CodeContext]
) -> None:
    pin_cloud(project, "2024-09-28")
    code, out, _ = run(capsys, "drift", "--pin", "jsm-cloud", "--latest", str(copies["2025-09-17"]), "--format", "json")
    report = json.loads(out)
    (comparison,) = report["comparisons"]
    python = layer(comparison, "code")
    assert python["computed"] and python["changes"][0]["pointer"] == "jsm_cloud.models.CmdbWorkspaceDTO"
    assert comparison["judged_layers"] == ["client", "code"] and code == ExitCode.FINDINGS  # (b) alone: 0 breaking
    assert layer(comparison, "client")["summary"]["breaking"] == 0 and comparison["failing"] == 1
    assert "0123456789abcdef" in report["fingerprints"]
    (context,) = python_api
    assert context.flavor == "cloud" and context.package == "jsm_cloud"
    assert (
        "/rest/servicedeskapi/servicedesk/{serviceDeskId}/requesttype/permissions/check"
        in context.new_document["paths"]
    )
    assert (
        "/rest/servicedeskapi/servicedesk/{serviceDeskId}/requesttype/permissions/check"
        not in context.old_document["paths"]
    )
    for fmt in ("text", "markdown", "junit"):
        text = run(capsys, "drift", "--pin", "jsm-cloud", "--latest", str(copies["2025-09-17"]), "--format", fmt)[1]
        assert "class CmdbWorkspaceDTO removed" in text, fmt


def test_report_wide_sections_join_every_format_and_the_gate() -> None:
    """How another section (e.g. deviations observed in real traffic) joins an alert: a layer with its own key."""
    info = DocumentInfo("old.json", "old.json", "a" * 64, "1")
    observed = Layer(
        "observed",
        "What real traffic showed",
        "2 captured exchanges",
        changes=[
            CodeChange("undocumented-status", Severity.POTENTIAL, "GET /x answered 418", "GET /x", "feedbeeffeedbeef")
        ],
    )
    empty = Comparison(info, info, layers=[])
    judged = DriftReport([empty], threshold=Severity.POTENTIAL, gate=("client", "observed"), sections=[observed])
    ignored = DriftReport([empty], threshold=Severity.POTENTIAL, gate=("client", "code"), sections=[observed])
    assert DriftReport([empty], threshold=Severity.POTENTIAL, sections=[observed]).exit_code() == 1  # judged by default
    assert judged.exit_code() == 1 and ignored.exit_code() == 0
    for report in (judged, ignored):
        for fmt in Format:
            assert "GET /x answered 418" in render(report, fmt), fmt
    assert judged.as_json()["sections"][0]["key"] == "observed"
    assert "feedbeeffeedbeef" in judged.fingerprints()


# -- a --latest older than the pin --------------------------------------------------------------------------------


def test_an_older_latest_copy_is_said_first_and_never_proposed(
    capsys: pytest.CaptureFixture[str], project: Path, copies: dict[str, Path], tmp_path: Path
) -> None:
    pin_cloud(project, "2025-09-17")
    older = str(copies["2022-04-28"])
    _, out, _ = run(capsys, "drift", "--pin", "jsm-cloud", "--latest", older)
    first = out.splitlines()[0]
    assert first.startswith("WARNING: jsm-cloud: the latest copy jsm-cloud-2022-04-28.json is OLDER than the pin")
    assert "dated 2022-04-28, before 2025-09-17" in first and "not proposed as a new pin" in first
    _, markdown, _ = run(capsys, "drift", "--pin", "jsm-cloud", "--latest", older, "--format", "markdown")
    assert "OLDER" in markdown.splitlines()[0] and "Proposed pin" not in markdown and "No pin proposed" in markdown
    reports = tmp_path / "reports"
    run(capsys, "drift", "--pin", "jsm-cloud", "--latest", older, "--report-dir", str(reports))
    proposals = (reports / "proposed-pins.toml").read_text()
    assert tomllib.loads(proposals) == {}  # no table: nothing to paste into sources.toml
    assert "# jsm-cloud: not proposed: the latest copy jsm-cloud-2022-04-28.json is OLDER" in proposals
    assert "older copy" in (reports / "issue-title.txt").read_text()
    report = json.loads((reports / "drift.json").read_text())
    assert report["comparisons"][0]["proposed_pin"] is None and report["comparisons"][0]["warnings"]


def test_an_older_copy_without_a_date_is_told_by_the_drift_itself(
    capsys: pytest.CaptureFixture[str], project: Path, copies: dict[str, Path], tmp_path: Path
) -> None:
    pin_cloud(project, "2025-09-17")
    undated = tmp_path / "jsm-cloud-latest.json"
    undated.write_bytes(copies["2024-09-28"].read_bytes())
    _, out, _ = run(capsys, "drift", "--pin", "jsm-cloud", "--latest", str(undated), "--format", "json")
    (comparison,) = json.loads(out)["comparisons"]
    assert comparison["proposed_pin"] is None
    assert "the drift looks like a step back" in comparison["warnings"][0]
    # the same step forwards is a newer copy, proposed as the pin
    pin_cloud(project, "2024-09-28")
    forward = tmp_path / "jsm-cloud-next.json"
    forward.write_bytes(copies["2025-09-17"].read_bytes())
    _, out, _ = run(capsys, "drift", "--pin", "jsm-cloud", "--latest", str(forward), "--format", "json")
    (comparison,) = json.loads(out)["comparisons"]
    assert comparison["warnings"] == [] and tomllib.loads(comparison["proposed_pin"])


def test_an_older_info_version_wins_over_everything_else(
    capsys: pytest.CaptureFixture[str], project: Path, copies: dict[str, Path], tmp_path: Path
) -> None:
    pin_cloud(project, "2024-09-28")
    document = json.loads(copies["2025-09-17"].read_bytes())  # newer content...
    document["info"]["version"] = "1000.9.0"  # ...but an older version than the pin's 1001.0.0-SNAPSHOT-b81c…
    dated = tmp_path / "jsm-cloud-2099-01-01.json"
    dated.write_text(json.dumps(document))
    _, out, _ = run(capsys, "drift", "--pin", "jsm-cloud", "--latest", str(dated), "--format", "json")
    (comparison,) = json.loads(out)["comparisons"]
    assert "info.version 1000.9.0 <" in comparison["warnings"][0] and comparison["proposed_pin"] is None


def test_old_and_new_swapped_are_flagged(capsys: pytest.CaptureFixture[str], copies: dict[str, Path]) -> None:
    _, out, _ = run(capsys, "drift", str(copies["2025-09-17"]), str(copies["2024-09-28"]))
    assert out.splitlines()[0].startswith("WARNING: jsm-cloud-2024-09-28.json: NEW is OLDER than OLD")
    assert "were OLD and NEW swapped?" in out.splitlines()[0]
    _, out, _ = run(capsys, "drift", str(copies["2024-09-28"]), str(copies["2025-09-17"]))
    assert not out.startswith("WARNING")


def cmdb_project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, copies: dict[str, Path], overlay: str) -> None:
    """Pinned: the real 2022-04-28 copy with its workspace models named Cmdb… (they are Insight… in the real one)."""
    text = copies["2022-04-28"].read_text()
    names = {"InsightWorkspaceDTO": "CmdbWorkspaceDTO", "PagedDTOInsightWorkspaceDTO": "PagedDTOCmdbWorkspaceDTO"}
    for old, new in names.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    pinned = json.loads(text)
    pinned["components"]["schemas"] = {names.get(k, k): v for k, v in pinned["components"]["schemas"].items()}
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "pinned.json").write_text(json.dumps(pinned))
    root = tmp_path / "project"
    monkeypatch.setenv("JSM_SPEC_MIRROR", str(mirror))
    monkeypatch.setenv("JSM_SPEC_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("JSM_OPENAPI_ROOT", str(root))
    pin_cloud(root, "2022-04-28", {"010-workspace.yaml": overlay})
    sources = root / "openapi" / "sources.toml"
    sha = hashlib.sha256((mirror / "pinned.json").read_bytes()).hexdigest()
    sources.write_text(sources.read_text().replace(SHA["2022-04-28"], sha))


def test_a_component_rename_fails_the_build_in_b_and_names_the_broken_overlay_target(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, copies: dict[str, Path]
) -> None:
    overlay = (
        "overlay: 1.1.0\ninfo: {title: t, version: 1.0.0}\nactions:\n"
        "  - description: the workspace id is an opaque string\n"
        "    target: $.components.schemas.CmdbWorkspaceDTO.properties.workspaceId\n"
        "    update: {description: opaque}\n"
    )
    cmdb_project(monkeypatch, tmp_path, copies, overlay)
    code, out, _ = run(capsys, "drift", "--pin", "jsm-cloud", "--latest", str(copies["2022-04-28"]), "--format", "json")
    assert code == ExitCode.FINDINGS
    (comparison,) = json.loads(out)["comparisons"]
    raw, client = layer(comparison, "raw"), layer(comparison, "client")
    assert {(c["old"], c["new"]) for c in raw["changes"]} == {
        ("CmdbWorkspaceDTO", "InsightWorkspaceDTO"),
        ("PagedDTOCmdbWorkspaceDTO", "PagedDTOInsightWorkspaceDTO"),
    }
    assert rules_of(client["changes"]) == {"component-renamed"}  # the client sees the renamed models too
    (finding,) = client["overlay_health"]
    assert finding["rule"] == "overlay-action-no-match"
    assert "(the new document renamed it: `CmdbWorkspaceDTO` is now `InsightWorkspaceDTO`)" in finding["message"]
    assert comparison["failing"] == 3  # two renames and the overlay that would break the build


def test_a_patched_document_an_overlay_breaks_is_a_finding_not_a_crash(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, copies: dict[str, Path]
) -> None:
    """The overlay still applies to the new copy, but points it at a schema the new copy no longer has."""
    overlay = (
        "overlay: 1.1.0\ninfo: {title: t, version: 1.0.0}\nactions:\n"
        "  - description: the workspaces page, by its name\n"
        "    target: $.paths['/rest/servicedeskapi/insight/workspace'].get.responses['200']\n"
        "      .content['application/json']\n"
        "    update: {schema: {$ref: '#/components/schemas/PagedDTOCmdbWorkspaceDTO', description: the page}}\n"
    )
    cmdb_project(monkeypatch, tmp_path, copies, overlay)
    code, out, _ = run(capsys, "drift", "--pin", "jsm-cloud", "--latest", str(copies["2022-04-28"]), "--format", "json")
    assert code == ExitCode.FINDINGS
    (comparison,) = json.loads(out)["comparisons"]
    client = layer(comparison, "client")
    assert not client["computed"] and "cannot be compared" in client["not_computed"]
    (broken,) = client["overlay_health"]
    assert broken["rule"] == "patched-document-broken" and broken["severity"] == "breaking"
    assert "PagedDTOCmdbWorkspaceDTO" in broken["message"] and "points at nothing" in broken["message"]
    assert comparison["judged_layers"] == ["client"]
