"""Layer (c), what breaks in user code: the real generator on real Cloud copies and on synthetic changes.

The package is generated from each patched document (openapi-python-client, this project's configuration and
templates) and the two Python APIs are compared with the releases' griffe diff; severities are judged from the
caller's side. Each project here keeps its snapshot cache (.cache/api), so a side generated once is reused.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_in_process import run
from cloud_history import SHA, dated_copies

from jsm_openapi.errors import ExitCode
from jsm_openapi.project import Project

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
FOUR = "(in all four functions)"


@pytest.fixture(scope="module")
def copies(mirror: Path) -> dict[str, Path]:
    return dated_copies(mirror)


@pytest.fixture(scope="module")
def real_project(tmp_path_factory: pytest.TempPathFactory, project_copier: Callable[[Path], Project]) -> Path:
    """A copy of the project: the real pins, overlays, generator configuration and templates (no packages, and no
    release ledger: whether the committed one matches today's inputs must not decide where the old side comes from)."""
    root = project_copier(tmp_path_factory.mktemp("real") / "project").root
    shutil.rmtree(root / "generated" / "releases")
    return root


@pytest.fixture(scope="module")
def bare_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Cloud flavor pinned at 2025-09-17 without overlays, with the real generator configuration and templates."""
    root = tmp_path_factory.mktemp("bare") / "project"
    (root / "openapi").mkdir(parents=True)
    (root / "overlays" / "cloud").mkdir(parents=True)
    (root / "generated").mkdir()
    shutil.copy2(REPO / "generated" / "cloud.config.yaml", root / "generated")
    shutil.copytree(REPO / "generated" / "templates", root / "generated" / "templates")
    (root / "openapi" / "sources.toml").write_text(
        'schema_version = 1\n\n[flavor.cloud]\ntitle = "JSM Cloud"\npackage = "jsm_cloud"\nproject = "jsm-cloud"\n\n'
        '[[flavor.cloud.document]]\nname = "jsm-cloud"\n'
        'url = "https://dac-static.atlassian.com/cloud/jira/service-desk/swagger.v3.json"\n'
        f'sha256 = "{SHA["2025-09-17"]}"\nversion = "1001.0.0-SNAPSHOT"\nretrieved = 2025-09-17\n'
    )
    return root


def use(monkeypatch: pytest.MonkeyPatch, root: Path, mirror: Path) -> None:
    monkeypatch.setenv("JSM_SPEC_MIRROR", str(mirror))
    monkeypatch.setenv("JSM_SPEC_CACHE", str(root.parent / "upstream-cache"))
    monkeypatch.setenv("JSM_OPENAPI_ROOT", str(root))


def layer(comparison: dict[str, Any], key: str) -> dict[str, Any]:
    (found,) = [entry for entry in comparison["layers"] if entry["key"] == key]
    return found  # type: ignore[no-any-return]


def by_pointer(changes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {change["pointer"]: change for change in changes}


def drift_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run(capsys, "drift", *args, "--format", "json")
    (comparison,) = json.loads(out)["comparisons"]
    return code, comparison


# -- real Cloud history ------------------------------------------------------------------------------------------


def test_a_pin_against_an_older_real_copy_lists_the_removed_classes_and_functions(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    real_project: Path,
    mirror: Path,
    copies: dict[str, Path],
) -> None:
    use(monkeypatch, real_project, mirror)
    args = ("--pin", "jsm-cloud", "--latest", str(copies["2024-09-28"]))
    code, comparison = drift_json(capsys, *args)
    python = layer(comparison, "code")
    assert python["computed"] and "a fresh generation" in python["basis"]  # nothing to reuse yet: both generated
    assert comparison["judged_layers"] == ["client", "code"] and code == ExitCode.FINDINGS
    found = by_pointer(python["changes"])
    # the 2025 models the 2024 copy lacks: one breaking finding per module, its `jsm_cloud.models` re-export folded in
    module = found["jsm_cloud.models.request_type_permission_check_response"]
    assert (module["rule"], module["severity"]) == ("python-module-removed", "breaking")
    assert "with its re-export `jsm_cloud.models.RequestTypePermissionCheckResponse`" in module["message"]
    assert not any(c["rule"] == "python-re-export-removed" for c in python["changes"])
    field = found["jsm_cloud.models.service_desk_dto.ServiceDeskDTO.project_type_key"]
    assert (field["rule"], field["severity"]) == ("python-field-removed", "breaking")
    # an operation's four functions that lose a keyword argument alike are one finding, tied to the operation
    cursor = found["jsm_cloud.api.knowledgebase.get_articles(cursor)"]
    assert cursor["rule"] == "python-parameter-removed" and FOUR in cursor["message"]
    assert cursor["operations"] == [
        {"method": "GET", "path": "/rest/servicedeskapi/knowledgebase/article", "operationId": ""}
    ]
    gone = found["jsm_cloud.api.servicedesk.check_request_type_permissions"]
    assert gone["rule"] == "python-module-removed" and gone["operations"][0]["method"] == "POST"
    assert comparison["failing"] == layer(comparison, "client")["summary"]["breaking"] + python["summary"]["breaking"]

    # a second run generates nothing (the snapshot cache) and gives the same findings, fingerprints included
    code_again, again = drift_json(capsys, *args)
    cached = layer(again, "code")
    assert "old side from the snapshot cache, new side from the snapshot cache" in cached["basis"]
    assert [c["fingerprint"] for c in cached["changes"]] == [c["fingerprint"] for c in python["changes"]]
    assert code_again == code
    # a damaged cache entry is generated again, not trusted
    entries = sorted((real_project / ".cache" / "api").glob("jsm-cloud-*.json"))
    assert len(entries) == 2
    entries[0].write_text('{"format": "jsm-openapi-api-snapshot", "version": 1, "snapshot": 7')
    _, repaired = drift_json(capsys, *args)
    assert "a fresh generation" in layer(repaired, "code")["basis"]
    assert [c["fingerprint"] for c in layer(repaired, "code")["changes"]] == [
        c["fingerprint"] for c in python["changes"]
    ]

    # --no-code: (c) is not asked for; the verdict rests on (b)
    _, skipped = drift_json(capsys, *args, "--no-code")
    assert not layer(skipped, "code")["computed"] and "--no-code" in layer(skipped, "code")["not_computed"]
    assert skipped["judged_layers"] == ["client"]
    for fmt in ("text", "markdown", "junit"):
        text = run(capsys, "drift", *args, "--format", fmt)[1]
        assert "python-module-removed" in text and cursor["fingerprint"] in text, fmt


def test_the_old_side_comes_from_the_package_in_place_then_from_the_release_ledger(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    real_project: Path,
    mirror: Path,
    copies: dict[str, Path],
) -> None:
    """Generated from the pin and its overlays, the package in place is the old side (no generation); once recorded,
    the ledger's api.txt is (not even a render). The findings are the same whatever the old side's source."""
    use(monkeypatch, real_project, mirror)
    args = ("--pin", "jsm-cloud", "--latest", str(copies["2024-09-28"]))
    _, generated = drift_json(capsys, *args)
    assert run(capsys, "generate", "--flavor", "cloud")[0] == ExitCode.OK
    _, in_place = drift_json(capsys, *args)
    assert "old side from the package in place (generated/jsm-cloud)" in layer(in_place, "code")["basis"]
    assert run(capsys, "release", "record", "--flavor", "cloud")[0] == ExitCode.OK
    _, recorded = drift_json(capsys, *args)
    assert "old side from the release ledger (jsm-cloud " in layer(recorded, "code")["basis"]
    prints = [
        sorted(c["fingerprint"] for c in layer(each, "code")["changes"]) for each in (generated, in_place, recorded)
    ]
    assert prints[0] == prints[1] == prints[2] and prints[0]
    # the ledger holds no package: a removed function's operation is named from the document, as the generator does
    gone = by_pointer(layer(recorded, "code")["changes"])["jsm_cloud.api.servicedesk.check_request_type_permissions"]
    assert (
        gone["operations"][0]["path"]
        == "/rest/servicedeskapi/servicedesk/{serviceDeskId}/requesttype/permissions/check"
    )


def test_newer_real_history_is_judged_from_the_callers_side(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    mirror: Path,
    copies: dict[str, Path],
    project_copier: Callable[[Path], Project],
) -> None:
    """The real overlays on the pin re-pointed at 2022-07-24, against the real 2024-09-28 copy."""
    root = project_copier(tmp_path / "project").root
    sources = root / "openapi" / "sources.toml"
    text = sources.read_text().replace(SHA["2025-09-17"], SHA["2022-07-24"])
    sources.write_text(text.replace("retrieved = 2025-09-17", "retrieved = 2022-07-24"))
    use(monkeypatch, root, mirror)
    code, comparison = drift_json(capsys, "--pin", "jsm-cloud", "--latest", str(copies["2024-09-28"]))
    assert code == ExitCode.FINDINGS
    found = by_pointer(layer(comparison, "code")["changes"])
    # Atlassian moved the Insight operations under the Assets tag: the generated module is gone
    assert found["jsm_cloud.api.insight"]["severity"] == "breaking"
    # `query` became required without a default: callers must now pass it
    query = found["jsm_cloud.api.knowledgebase.get_articles(query)"]
    assert (query["rule"], query["severity"]) == ("python-parameter-changed", "breaking")
    assert "now required" in query["message"]
    # `highlight`, `start`, `limit` became required with a default: the argument keeps it (as (b) says)
    for pointer in (
        "jsm_cloud.api.knowledgebase.get_articles(highlight)",
        "jsm_cloud.api.request.get_attachments_for_request(start)",
        "jsm_cloud.api.request.get_attachments_for_request(limit)",
    ):
        assert found[pointer]["rule"] == "python-parameter-required-with-default", pointer
        assert found[pointer]["severity"] == "non-breaking" and FOUR in found[pointer]["message"]
    client_rules = {c["rule"] for c in layer(comparison, "client")["changes"]}
    assert "parameter-became-required-with-default" in client_rules


# -- synthetic changes of the real document ----------------------------------------------------------------------


def test_a_structure_equal_component_rename_is_one_breaking_rename_in_b_and_in_c(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    bare_project: Path,
    mirror: Path,
    copies: dict[str, Path],
    tmp_path: Path,
) -> None:
    use(monkeypatch, bare_project, mirror)
    document = json.loads(copies["2025-09-17"].read_bytes())
    renamed = json.loads(
        json.dumps(document).replace('"#/components/schemas/ServiceDeskDTO"', '"#/components/schemas/DeskDTO"')
    )
    renamed["components"]["schemas"]["DeskDTO"] = renamed["components"]["schemas"].pop("ServiceDeskDTO")
    (tmp_path / "renamed.json").write_text(json.dumps(renamed))
    code, comparison = drift_json(capsys, "--pin", "jsm-cloud", "--latest", str(tmp_path / "renamed.json"))
    assert code == ExitCode.FINDINGS
    (client,) = layer(comparison, "client")["changes"]
    assert (client["rule"], client["severity"]) == ("component-renamed", "breaking")
    # one finding: the functions returning it and the `jsm_cloud.models` re-export only follow the rename
    (python,) = layer(comparison, "code")["changes"]
    assert (python["rule"], python["severity"]) == ("python-class-renamed", "breaking")
    assert (python["old"], python["new"]) == (
        "jsm_cloud.models.service_desk_dto.ServiceDeskDTO",
        "jsm_cloud.models.desk_dto.DeskDTO",
    )
    assert comparison["failing"] == 2

    # the issue's own example, with its paged wrapper (whose field refers to the renamed class): OLD NEW --flavor
    text = copies["2022-04-28"].read_text()
    names = {"InsightWorkspaceDTO": "CmdbWorkspaceDTO", "PagedDTOInsightWorkspaceDTO": "PagedDTOCmdbWorkspaceDTO"}
    for old, new in names.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    cmdb = json.loads(text)
    cmdb["components"]["schemas"] = {names.get(k, k): v for k, v in cmdb["components"]["schemas"].items()}
    (tmp_path / "cmdb.json").write_text(json.dumps(cmdb))
    code, out, _ = run(
        capsys, "drift", str(tmp_path / "cmdb.json"), str(copies["2022-04-28"]), "--flavor", "cloud", "--format", "json"
    )
    (comparison,) = json.loads(out)["comparisons"]
    renames = {
        (c["old"], c["new"]) for c in layer(comparison, "code")["changes"] if c["rule"] == "python-class-renamed"
    }
    assert renames == {
        (
            "jsm_cloud.models.cmdb_workspace_dto.CmdbWorkspaceDTO",
            "jsm_cloud.models.insight_workspace_dto.InsightWorkspaceDTO",
        ),
        (
            "jsm_cloud.models.paged_dto_cmdb_workspace_dto.PagedDTOCmdbWorkspaceDTO",
            "jsm_cloud.models.paged_dto_insight_workspace_dto.PagedDTOInsightWorkspaceDTO",
        ),
    }
    assert len(layer(comparison, "code")["changes"]) == 2 and code == ExitCode.FINDINGS


def test_an_integer_path_id_becoming_a_string_is_potential_in_c_too(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    bare_project: Path,
    mirror: Path,
    copies: dict[str, Path],
    tmp_path: Path,
) -> None:
    """The generated signature changes (`service_desk_id: int` → `str`), but an int still goes out the same
    (tests/test_drift_generator_evidence.py): only a type checker notices. Potential, not breaking."""
    use(monkeypatch, bare_project, mirror)
    document = json.loads(copies["2025-09-17"].read_bytes())
    ids = json.loads(json.dumps(document))
    for item in ids["paths"].values():
        for param in item.get("get", {}).get("parameters", []):
            if param["in"] == "path" and param["name"] == "serviceDeskId":
                param["schema"] = {"type": "integer", "format": "int64"}
    old, new = tmp_path / "ids.json", tmp_path / "jsm-cloud-new.json"
    old.write_text(json.dumps(ids))
    new.write_text(json.dumps(document))
    code, out, _ = run(capsys, "drift", str(old), str(new), "--flavor", "cloud", "--format", "json")
    (comparison,) = json.loads(out)["comparisons"]
    python = layer(comparison, "code")
    assert python["computed"] and python["changes"]
    assert {(c["rule"], c["severity"]) for c in python["changes"]} == {
        ("python-parameter-type-stringified", "potential")
    }
    by_op = {c["operations"][0]["path"]: c for c in python["changes"]}
    desk = by_op["/rest/servicedeskapi/servicedesk/{serviceDeskId}"]
    assert (desk["old"], desk["new"]) == ("service_desk_id: int", "service_desk_id: str") and FOUR in desk["message"]
    assert len(python["changes"]) == len(layer(comparison, "client")["changes"])  # one per operation, like (b)
    assert code == ExitCode.OK
    assert run(capsys, "drift", str(old), str(new), "--flavor", "cloud", "--fail-on", "potential")[0] == 1


def test_a_new_copy_the_generator_cannot_build_is_a_breaking_finding(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    bare_project: Path,
    mirror: Path,
    copies: dict[str, Path],
    tmp_path: Path,
) -> None:
    use(monkeypatch, bare_project, mirror)
    document = json.loads(copies["2025-09-17"].read_bytes())
    del document["info"]["title"]  # the differ reads on; openapi-python-client refuses the document
    (tmp_path / "untitled.json").write_text(json.dumps(document))
    code, out, _ = run(capsys, "drift", "--pin", "jsm-cloud", "--latest", str(tmp_path / "untitled.json"))
    assert code == ExitCode.FINDINGS
    line = next(line for line in out.splitlines() if "python-package-not-generated" in line)
    assert "openapi-python-client produced no package" in line and "info.title" in line
    assert "If you believe" not in out  # the generator's boilerplate is left out; the finding stays one line


def test_without_the_generator_c_says_which_extra_to_install(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    bare_project: Path,
    mirror: Path,
    copies: dict[str, Path],
) -> None:
    from jsm_openapi import generate

    real = generate._tool_version
    monkeypatch.setattr(
        generate, "_tool_version", lambda name: "not installed" if name == generate.GENERATOR else real(name)
    )
    use(monkeypatch, bare_project, mirror)
    code, comparison = drift_json(capsys, "--pin", "jsm-cloud", "--latest", str(copies["2024-09-28"]))
    python = layer(comparison, "code")
    assert not python["computed"] and "pip install 'jsm-openapi[generate]'" in python["not_computed"]
    assert "openapi-python-client is not installed" in python["not_computed"]
    assert comparison["judged_layers"] == ["client"] and code == ExitCode.FINDINGS  # (b) still judges


def test_two_bare_documents_never_generate(
    capsys: pytest.CaptureFixture[str], copies: dict[str, Path], tmp_path: Path
) -> None:
    old, new = str(copies["2022-07-24"]), str(copies["2024-09-28"])
    code, comparison = drift_json(capsys, old, new)
    assert "--flavor" in layer(comparison, "code")["not_computed"] and comparison["judged_layers"] == ["raw"]
    code, _, err = run(capsys, "drift", old, new, "--code")
    assert code == ExitCode.INPUT and "--code needs the flavor" in err
    code, _, err = run(capsys, "drift", "--pin", "jsm-cloud", "--flavor", "cloud")
    assert code == ExitCode.INPUT and "--flavor goes with OLD NEW" in err
    # a whole process: `jsm-openapi drift OLD NEW` imports nothing of the generator, griffe, the releases or the
    # pipeline
    probe = (
        "import sys\nfrom jsm_openapi.cli import main\n"
        "sys.argv = ['jsm-openapi', 'drift', sys.argv[1], sys.argv[2]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('griffe', 'openapi_python_client', 'jsm_openapi.generate', 'jsm_openapi.release', "
        "'jsm_openapi.drift.python_api', 'jsm_openapi.pipeline')\n"
        "print('LOADED', sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe, old, new], capture_output=True, text=True, check=False)
    assert "(a) What Atlassian changed: 6 breaking" in proc.stdout, proc.stderr[-2000:]
    assert "LOADED []" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]


def test_every_rule_of_layer_c_is_documented() -> None:
    source = (REPO / "src" / "jsm_openapi" / "drift" / "python_api.py").read_text()
    docs = (REPO / "docs" / "drift-rules.md").read_text()
    rules = set(re.findall(r'"(python-[a-z-]+)"', source))
    assert {"python-fields-reordered", "python-parameter-type-stringified", "python-package-not-generated"} <= rules
    assert all(f"`{rule}`" in docs for rule in rules), rules
    for what in ("module", "class", "function", "attribute", "field", "parameter", "re-export"):
        assert f"`{what}`" in docs.split("## Layer (c)", 1)[1].split("## Observed", 1)[0]


def test_old_new_in_a_flavor_of_several_documents_must_say_which_one(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    real_project: Path,
    mirror: Path,
    copies: dict[str, Path],
) -> None:
    use(monkeypatch, real_project, mirror)
    old, new = str(copies["2024-09-28"]), str(copies["2025-09-17"])
    code, _, err = run(capsys, "drift", old, new, "--flavor", "server")
    assert code == ExitCode.INPUT and "flavor server is built from 2 documents (jira-platform-dc, jsm-dc)" in err
    assert "--pin jsm-dc --latest NEW" in err
    code, _, err = run(capsys, "drift", old, new, "--flavor", "nope")
    assert code == ExitCode.USAGE and "invalid choice: 'nope'" in err  # like every --flavor of the command line
