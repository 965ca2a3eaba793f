"""`jsm-openapi drift` end to end: files, URLs on loopback, pins and overlay health, formats, exit codes, workflow."""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import subprocess
import sys
import threading
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cli_in_process import run
from cloud_history import SHA, dated_copies

from jsm_openapi.cli.drift_commands import issue_body
from jsm_openapi.errors import ExitCode

REPO = Path(__file__).resolve().parents[1]
CLOUD_URL = "https://dac-static.atlassian.com/cloud/jira/service-desk/swagger.v3.json"


def layer(comparison: dict[str, object], key: str) -> dict[str, object]:
    """One layer of a comparison in the JSON report (raw, client, code)."""
    layers = comparison["layers"]
    assert isinstance(layers, list)
    (found,) = [entry for entry in layers if entry["key"] == key]
    return found  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def copies(mirror: Path) -> dict[str, Path]:
    return dated_copies(mirror)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # the test server's access log is not under test
        pass


@pytest.fixture(scope="module")
def http_mirror(mirror: Path) -> Iterator[str]:
    """The upstream mirror served over real HTTP on loopback."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(mirror)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# -- two documents ---------------------------------------------------------------------------------------------------


def test_fail_on_thresholds_and_exit_codes(capsys: pytest.CaptureFixture[str], copies: dict[str, Path]) -> None:
    old, new = str(copies["2022-04-28"]), str(copies["2022-07-24"])
    code, out, _ = run(capsys, "drift", old, new)
    assert code == ExitCode.OK  # only non-breaking changes
    assert "parameter-added" in out and "strictConflictStatusCode" in out
    assert "pass: 0 finding(s) at or above --fail-on breaking" in out
    assert run(capsys, "drift", old, new, "--fail-on", "potential")[0] == ExitCode.OK
    code, out, _ = run(capsys, "drift", old, new, "--fail-on", "any")
    # 3 API changes on create customer and one property, plus the OAuth scope migration in 3 grouped changes
    assert code == ExitCode.FINDINGS and "fail: 6 finding(s) at or above --fail-on any" in out
    assert run(capsys, "drift", str(copies["2022-07-24"]), str(copies["2024-09-28"]))[0] == ExitCode.FINDINGS


def test_every_format_to_an_output_file(
    capsys: pytest.CaptureFixture[str], copies: dict[str, Path], tmp_path: Path
) -> None:
    old, new = str(copies["2022-07-24"]), str(copies["2024-09-28"])
    for fmt, name in (("json", "r.json"), ("junit", "r.xml"), ("markdown", "r.md"), ("text", "r.txt")):
        code, out, _ = run(capsys, "drift", old, new, "--format", fmt, "--output", str(tmp_path / name))
        assert code == ExitCode.FINDINGS and "6 finding(s) at or above --fail-on breaking" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "r.md", "r.txt", "r.xml"]  # no temporary left
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["schema_version"] == 2 and report["failing"] == 6
    assert report["fail_on_layers"] == ["client", "code", "observed"]
    (comparison,) = report["comparisons"]
    raw = layer(comparison, "raw")
    # two bare documents: (b) and (c) cannot be computed, so --fail-on judges (a) and says so
    assert comparison["judged_layers"] == ["raw"] and raw["judged_by_fail_on"]
    assert not layer(comparison, "client")["computed"] and "--pin NAME" in layer(comparison, "client")["not_computed"]
    assert not layer(comparison, "code")["computed"]
    renamed = next(c for c in raw["changes"] if c["rule"] == "operation-id-changed")
    assert renamed["severity"] == "breaking" and renamed["operations"][0]["method"] == "POST"
    assert len(renamed["fingerprint"]) == 16 and renamed["fingerprint"] in report["fingerprints"]
    assert all(c["severity"] == "info" for c in raw["documentation"])
    suites = ET.parse(tmp_path / "r.xml").getroot()
    assert suites.get("failures") == "6"
    failures = suites.findall(".//failure")
    assert len(failures) == 6 and {f.get("type") for f in failures} == {"breaking"}
    raw_suite = next(s for s in suites.findall("testsuite") if "(a)" in (s.get("name") or ""))
    assert len(raw_suite.findall("testcase")) == len(raw["changes"])
    assert len(suites.findall(".//skipped")) == 2  # (b) and (c): not computed
    markdown = (tmp_path / "r.md").read_text()
    assert markdown.startswith("# 🔴 Spec drift") and f"fingerprint-set: {report['fingerprint_set']}" in markdown


def test_urls_are_fetched_over_http(
    capsys: pytest.CaptureFixture[str], http_mirror: str, copies: dict[str, Path], mirror: Path
) -> None:
    old = f"{http_mirror}/{copies['2022-04-28'].relative_to(mirror)}"
    new = f"{http_mirror}/{copies['2022-07-24'].relative_to(mirror)}"
    code, out, _ = run(capsys, "drift", old, new, "--format", "json")
    assert code == ExitCode.OK
    (comparison,) = json.loads(out)["comparisons"]
    assert comparison["new"]["note"] == ""  # served as JSON: nothing extracted
    assert comparison["old"]["origin"] == old and comparison["new"]["sha256"] == SHA["2022-07-24"]
    code, _, err = run(capsys, "drift", old, f"{http_mirror}/no-such-file.json")
    assert code == ExitCode.FETCH and "HTTP 404" in err and "no-such-file.json" in err


def test_urls_with_secrets_are_fetched_but_never_shown(
    capsys: pytest.CaptureFixture[str], http_mirror: str, copies: dict[str, Path], mirror: Path, tmp_path: Path
) -> None:
    """A URL's user:secret@, query values and fragment reach no report, in any format, nor an error."""
    base = http_mirror.replace("http://", "http://robot:s3cret-pass@")
    old = f"{base}/{copies['2022-04-28'].relative_to(mirror)}?token=t0ken-value#fr4gment"
    new = f"{base}/{copies['2022-07-24'].relative_to(mirror)}?token=t0ken-value"
    shown = []
    for form in ("text", "markdown", "json", "junit"):
        code, out, err = run(capsys, "drift", old, new, "--format", form, "--output", str(tmp_path / form))
        assert code == ExitCode.OK, err
        shown.append(out + err + (tmp_path / form).read_text())
    code, out, err = run(capsys, "drift", old, f"{base}/missing.json?token=t0ken-value")
    assert code == ExitCode.FETCH
    shown.append(out + err)
    assert "http://***@127.0.0.1:" in shown[2] and "?token=***" in shown[2]
    assert not any(secret in text for text in shown for secret in ("s3cret-pass", "t0ken-value", "fr4gment"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["drift", "missing-old.json", "missing-new.json"], "missing-old.json: cannot read"),
        (["drift", "ONLY_ONE"], "drift needs two documents"),
        (["drift", "--pin", "no-such-pin"], "no pin named 'no-such-pin'"),
    ],
)
def test_bad_input_exits_3_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(capsys, *args)
    assert code == ExitCode.INPUT and message in err


def test_an_invalid_document_names_file_and_position(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, copies: dict[str, Path]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"openapi": "3.0.1",\n  "paths": {,}}')
    code, _, err = run(capsys, "drift", str(copies["2022-04-28"]), str(broken), "--output", str(tmp_path / "r.txt"))
    assert code == ExitCode.INPUT and "broken.json: invalid JSON at line 2" in err
    assert not (tmp_path / "r.txt").exists()  # nothing half-written


def test_issue_body_fits_github_and_keeps_the_marker() -> None:
    long = (
        "# title\n"
        + "\n".join(f"| row {i} |" for i in range(20_000))
        + "\n---\nfooter\n<!-- jsm-openapi-drift fingerprint-set: abc -->\n"
    )
    body = issue_body(long, limit=5_000)
    assert len(body) <= 5_000 and body.rstrip().endswith("<!-- jsm-openapi-drift fingerprint-set: abc -->")
    assert issue_body("short\n") == "short\n"


# -- pins, overlay health, proposed pins -----------------------------------------------------------------------------


def make_project(root: Path, cloud_sha: str, overlays: dict[str, str] | None = None) -> Path:
    """A project whose Cloud flavor pins a dated copy, with the given overlay files (no real overlays)."""
    (root / "openapi").mkdir(parents=True)
    (root / "openapi" / "sources.toml").write_text(
        'schema_version = 1\n\n[flavor.cloud]\ntitle = "JSM Cloud"\npackage = "jsm_cloud"\nproject = "jsm-cloud"\n\n'
        '[[flavor.cloud.document]]\nname = "jsm-cloud"\ntitle = "JSM Cloud REST API"\n'
        f'url = "{CLOUD_URL}"\nsha256 = "{cloud_sha}"\nversion = "1001.0.0-SNAPSHOT"\nretrieved = 2022-07-24\n'
    )
    folder = root / "overlays" / "cloud"
    folder.mkdir(parents=True)
    for name, text in (overlays or {}).items():
        (folder / name).write_text(text)
    return root


OVERLAY = """\
overlay: 1.1.0
info: {title: drift test overlays, version: 1.0.0}
actions:
  - description: pins the attachment operation by its old operationId (gone in 2024)
    target: "$.paths[*][?@.operationId == 'createAttachment']"
    update: {x-test-note: pinned}
  - description: the temporary file upload body is required (Atlassian fixed it in 2024)
    target: "$.paths['/rest/servicedeskapi/servicedesk/{serviceDeskId}/attachTemporaryFile'].post.requestBody"
    update: {required: true}
  - description: still needed everywhere
    target: "$.paths['/rest/servicedeskapi/customer'].post"
    update: {x-test-note: customer}
"""


@pytest.fixture
def project_env(monkeypatch: pytest.MonkeyPatch, mirror: Path, tmp_path: Path) -> Path:
    monkeypatch.setenv("JSM_SPEC_MIRROR", str(mirror))
    monkeypatch.setenv("JSM_SPEC_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "project"
    monkeypatch.setenv("JSM_OPENAPI_ROOT", str(root))
    return root


def test_pin_against_a_newer_file_checks_overlays_and_proposes_a_pin(
    capsys: pytest.CaptureFixture[str], project_env: Path, copies: dict[str, Path], tmp_path: Path
) -> None:
    make_project(project_env, SHA["2022-07-24"], {"10-test.yaml": OVERLAY})
    # the exact form the fetcher's error message recommends
    code, out, _ = run(capsys, "drift", "--pin", "jsm-cloud", "--latest", str(copies["2024-09-28"]), "--format", "json")
    assert code == ExitCode.FINDINGS
    (comparison,) = json.loads(out)["comparisons"]
    client = layer(comparison, "client")
    assert comparison["pin"] == "jsm-cloud" and client["title"] == "What the client sees (cloud)"
    assert comparison["judged_layers"] == ["client"]  # (c) has no provider yet: not computed, not judged
    findings = {f["rule"]: f for f in client["overlay_health"]}
    assert set(findings) == {"overlay-action-no-match", "overlay-action-not-needed"}
    assert client["overlay_summary"] == {"overlay-action-no-match": 1, "overlay-action-not-needed": 1}
    assert findings["overlay-action-no-match"]["severity"] == "breaking"
    assert findings["overlay-action-no-match"]["pointer"] == "overlays/cloud/10-test.yaml action #1"
    message = findings["overlay-action-no-match"]["message"]
    # the whole description (never cut), and what became of the name the target looks for
    assert message.endswith("pins the attachment operation by its old operationId (gone in 2024)")
    assert "`createAttachment` is now `createCommentWithAttachment`" in message
    assert (findings["overlay-action-no-match"]["old"], findings["overlay-action-no-match"]["new"]) == (
        "needed",
        "no match",
    )
    assert findings["overlay-action-not-needed"]["pointer"] == "overlays/cloud/10-test.yaml action #2"
    assert "Atlassian fixed the gap" in findings["overlay-action-not-needed"]["message"]
    assert findings["overlay-action-not-needed"]["severity"] == "non-breaking"
    proposal = tomllib.loads(comparison["proposed_pin"])
    (pin,) = proposal["flavor"]["cloud"]["document"]
    assert pin["sha256"] == SHA["2024-09-28"] and pin["url"] == CLOUD_URL and pin["name"] == "jsm-cloud"
    assert pin["version"] == "1001.0.0-SNAPSHOT-b81c2ea7f66647f56f19e3106fce206b585c1f87"


def test_a_folder_gives_the_newest_copy_named_like_the_pin(
    capsys: pytest.CaptureFixture[str], project_env: Path, copies: dict[str, Path], tmp_path: Path
) -> None:
    make_project(project_env, SHA["2022-04-28"])
    folder = tmp_path / "latest"
    folder.mkdir()
    for day in ("2022-07-24", "2024-09-28"):
        (folder / f"jsm-cloud-{day}.json").symlink_to(copies[day])
    (folder / "jsm-cloudy-2099-01-01.json").symlink_to(copies["2025-09-17"])  # another pin's name: ignored
    code, out, _ = run(capsys, "drift", "--pin", "jsm-cloud", "--latest", str(folder), "--format", "json")
    assert code == ExitCode.FINDINGS
    (comparison,) = json.loads(out)["comparisons"]
    assert comparison["new"]["label"] == "jsm-cloud-2024-09-28.json"
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "assets-cloud-2026-03-31.json").symlink_to(copies["2025-09-17"])
    code, _, err = run(capsys, "drift", "--pin", "jsm-cloud", "--latest", str(empty))
    assert code == ExitCode.FETCH and "no file named like jsm-cloud" in err


def test_all_pins_against_the_mirror_write_a_report_folder(
    capsys: pytest.CaptureFixture[str], project_env: Path, mirror: Path, tmp_path: Path
) -> None:
    make_project(project_env, SHA["2024-09-28"])
    reports = tmp_path / "reports"
    code, out, _ = run(capsys, "drift", "--all-pins", "--latest", str(mirror), "--report-dir", str(reports))
    assert code == ExitCode.OK and "0 finding(s) at or above --fail-on breaking" in out
    names = sorted(p.name for p in reports.iterdir())
    assert names == sorted(
        ["drift.md", "drift.json", "drift.junit.xml", "drift.txt", "proposed-pins.toml", "issue-title.txt", "issue.md"]
    )
    report = json.loads((reports / "drift.json").read_text())
    assert report["comparisons"][0]["new"]["sha256"] == SHA["2025-09-17"]  # the newest dated copy
    proposals = tomllib.loads((reports / "proposed-pins.toml").read_text())
    assert proposals["flavor"]["cloud"]["document"][0]["sha256"] == SHA["2025-09-17"]
    assert f"[{report['fingerprint_set']}]" in (reports / "issue-title.txt").read_text()


def test_a_pin_that_cannot_be_fetched_is_reported_and_the_others_still_compared(
    capsys: pytest.CaptureFixture[str], project_env: Path, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(project_env, SHA["2024-09-28"])
    with (project_env / "openapi" / "sources.toml").open("a") as handle:
        handle.write(
            '\n[[tracked]]\nname = "assets-cloud"\nurl = "https://example.invalid/assets.json"\n'
            f'sha256 = "{"0" * 64}"\nversion = "1"\nretrieved = 2026-03-31\n'
        )
    monkeypatch.setenv("JSM_SPEC_OFFLINE", "1")
    reports = tmp_path / "reports"
    code, _, err = run(capsys, "drift", "--all-pins", "--latest", str(mirror), "--report-dir", str(reports))
    assert code == ExitCode.FETCH and "assets-cloud" in err and "the pinned copy of assets-cloud" in err
    report = json.loads((reports / "drift.json").read_text())
    cloud, assets = report["comparisons"]
    assert cloud["pin"] == "jsm-cloud" and cloud["error"] is None and layer(cloud, "raw")["changes"]
    assert assets["pin"] == "assets-cloud" and "JSM_SPEC_OFFLINE" in assets["error"]
    suites = ET.parse(reports / "drift.junit.xml").getroot()
    assert suites.get("errors") == "1" and len(suites.findall(".//error")) == 1
    code, _, err = run(capsys, "drift", "--pin", "assets-cloud", "--latest", str(mirror))
    assert code == ExitCode.FETCH and "only the cache" in err  # one pin: the error itself, with what to do


def test_a_flavor_that_no_longer_merges_is_a_breaking_finding(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    upstream = tmp_path / "upstream"
    upstream.mkdir()

    def write(name: str, paths: dict[str, object]) -> None:
        data = {"openapi": "3.0.1", "info": {"title": name, "version": "1"}, "paths": paths}
        (upstream / name).write_text(json.dumps(data))

    ok = {"get": {"operationId": "a", "responses": {"200": {"description": "ok"}}}}
    write("platform.json", {"/a": ok})
    write("service-2.json", {"/b": ok, "/a": ok})  # the newer copy also defines /a: the flavor cannot merge
    write("service.json", {"/b": ok})
    sha = {n: hashlib.sha256((upstream / n).read_bytes()).hexdigest() for n in ("platform.json", "service.json")}
    root = tmp_path / "project"
    (root / "openapi").mkdir(parents=True)
    tables = "".join(
        f'[[flavor.server.document]]\nname = "{name}"\nurl = "https://example.invalid/{name}"\n'
        f'sha256 = "{sha[name + ".json"]}"\nversion = "1"\nretrieved = 2025-01-01\n'
        for name in ("platform", "service")
    )
    (root / "openapi" / "sources.toml").write_text(
        f'schema_version = 1\n[flavor.server]\ntitle = "S"\npackage = "jsm_server"\n{tables}'
    )
    monkeypatch.setenv("JSM_SPEC_MIRROR", str(upstream))
    monkeypatch.setenv("JSM_SPEC_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("JSM_OPENAPI_ROOT", str(root))
    code, out, _ = run(
        capsys, "drift", "--pin", "service", "--latest", str(upstream / "service-2.json"), "--format", "json"
    )
    assert code == ExitCode.FINDINGS
    (comparison,) = json.loads(out)["comparisons"]
    client = layer(comparison, "client")
    (finding,) = client["overlay_health"]
    assert not client["computed"] and "no longer merge" in client["not_computed"]
    assert comparison["judged_layers"] == ["client"]  # judged on its finding although nothing could be patched
    assert (
        finding["rule"] == "flavor-merge-failed"
        and "GET /a is defined by both platform and service" in finding["message"]
    )


def test_the_real_overlays_are_checked_on_an_older_cloud_copy(
    capsys: pytest.CaptureFixture[str],
    tmp_project,
    copies: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    """Runs over whatever overlays the project has now: every finding names a real overlay file and action."""
    monkeypatch.setenv("JSM_OPENAPI_ROOT", str(tmp_project.root))
    code, out, _ = run(capsys, "drift", "--pin", "jsm-cloud", "--latest", str(copies["2024-09-28"]), "--format", "json")
    assert code in (ExitCode.OK, ExitCode.FINDINGS)
    (comparison,) = json.loads(out)["comparisons"]
    client = layer(comparison, "client")
    assert client["computed"] and client["title"] == "What the client sees (cloud)"
    overlay_files = {str(p.relative_to(tmp_project.root)) for p in (tmp_project.root / "overlays").rglob("*.yaml")}
    for finding in client["overlay_health"]:
        source = finding["pointer"].split(" action #")[0]
        assert source in overlay_files, finding
    # the pinned copy against itself: no change, so no finding and no proposal
    code, out, _ = run(capsys, "drift", "--pin", "jsm-cloud", "--latest", str(copies["2025-09-17"]), "--format", "json")
    (same,) = json.loads(out)["comparisons"]
    assert code == ExitCode.OK and same["identical"] and same["proposed_pin"] is None


# -- the nightly job -------------------------------------------------------------------------------------------------


def test_the_drift_workflow_passes_actionlint() -> None:
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    assert actionlint, "actionlint is missing: `uv pip install -e '.[dev]'` installs it"
    workflow = REPO / ".github" / "workflows" / "drift.yml"
    result = subprocess.run([actionlint, "-no-color", str(workflow)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    text = workflow.read_text()
    assert "schedule:" in text and "nox -s drift" in text and "fingerprint-set: $set_id" in text
    assert ".layers[]" in text and ".overlay_health | length" in text  # the JSON report's schema 2


def test_actionlint_does_report_a_broken_workflow(tmp_path: Path) -> None:
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    assert actionlint
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n"
    )
    result = subprocess.run([actionlint, "-no-color", str(broken)], capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "nope" in result.stdout


def test_nox_has_a_drift_session_writing_reports_drift() -> None:
    text = (REPO / "noxfile.py").read_text()
    assert "def drift(session" in text and '"--report-dir", "reports/drift"' in text
    assert "/reports/" in (REPO / ".gitignore").read_text()


def test_a_path_id_becoming_a_string_passes_fail_on_breaking_a_model_rename_does_not(
    capsys: pytest.CaptureFixture[str], copies: dict[str, Path], tmp_path: Path
) -> None:
    """The two examples of issue 11, end to end, on a real document changed in one way each."""
    document = json.loads(copies["2025-09-17"].read_bytes())
    ids = json.loads(json.dumps(document))
    for item in ids["paths"].values():
        for param in item.get("get", {}).get("parameters", []):
            if param["in"] == "path" and param["name"] == "serviceDeskId":
                param["schema"] = {"type": "integer", "format": "int64"}
    (tmp_path / "ids.json").write_text(json.dumps(ids))
    (tmp_path / "new.json").write_text(json.dumps(document))
    code, out, _ = run(capsys, "drift", str(tmp_path / "ids.json"), str(tmp_path / "new.json"))
    assert code == ExitCode.OK and "parameter-type-stringified" in out and "pass: 0 finding(s)" in out
    assert (
        run(capsys, "drift", str(tmp_path / "ids.json"), str(tmp_path / "new.json"), "--fail-on", "potential")[0] == 1
    )
    renamed = json.loads(
        json.dumps(document).replace('"#/components/schemas/ServiceDeskDTO"', '"#/components/schemas/DeskDTO"')
    )
    renamed["components"]["schemas"]["DeskDTO"] = renamed["components"]["schemas"].pop("ServiceDeskDTO")
    (tmp_path / "renamed.json").write_text(json.dumps(renamed))
    code, out, _ = run(capsys, "drift", str(tmp_path / "new.json"), str(tmp_path / "renamed.json"))
    assert code == ExitCode.FINDINGS and "fail: 1 finding(s) at or above --fail-on breaking" in out
    assert "schema `ServiceDeskDTO` renamed `DeskDTO`" in out
