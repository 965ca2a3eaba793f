"""`jsm-openapi parity`: Server vs Cloud patched documents built from the real pins (the mirror) with small overlays."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_in_process import run

from jsm_openapi.errors import ExitCode
from jsm_openapi.fetch import Fetcher
from jsm_openapi.parity import endpoints, parity_report, render_parity
from jsm_openapi.pipeline import load_patched, patch_flavor, project_sources, write_patched
from jsm_openapi.project import Project

REPO = Path(__file__).resolve().parents[1]
CONCEPT_SERVER = """\
overlay: 1.1.0
info: {title: display name concept (parity test), version: 1.0.0}
actions:
  - target: >-
      $.paths['/servicedeskapi/customer'].post.requestBody.content['application/json'].schema.properties.fullName
    update: {x-jsm-concept: customer.display-name}
"""
CONCEPT_CLOUD = """\
overlay: 1.1.0
info: {title: display name concept (parity test), version: 1.0.0}
actions:
  - target: "$.components.schemas.CustomerCreateDTO.properties.displayName"
    update: {x-jsm-concept: customer.display-name}
"""


@pytest.fixture(scope="module")
def patched(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> Project:
    """A project with the real pins and only the concept overlays above, patched into build/patched/."""
    root = tmp_path_factory.mktemp("parity") / "project"
    (root / "openapi").mkdir(parents=True)
    shutil.copy2(REPO / "openapi" / "sources.toml", root / "openapi" / "sources.toml")
    for flavor, text in (("server", CONCEPT_SERVER), ("cloud", CONCEPT_CLOUD)):
        (root / "overlays" / flavor).mkdir(parents=True)
        (root / "overlays" / flavor / "50-concept.yaml").write_text(text)
    project = Project(root)
    fetcher = Fetcher(root / ".cache", mirror=mirror, offline=True)
    sources = project_sources(project)
    for flavor in ("server", "cloud"):
        write_patched(project, patch_flavor(project, sources.flavor(flavor), fetcher))
    return project


def test_wire_paths_match_server_base_rest_with_cloud_paths() -> None:
    server = {
        "servers": [{"url": "http://{baseurl}/rest"}],
        "paths": {"/servicedeskapi/x/{id}": {"get": {}}, "/api/2/y": {"get": {}}},
    }
    cloud = {
        "servers": [{"url": "https://your-domain.atlassian.net"}],
        "paths": {"/rest/servicedeskapi/x/{key}": {"get": {}}},
    }
    assert list(endpoints(server, "server")) == ["GET /rest/servicedeskapi/x/{}"]
    assert list(endpoints(cloud, "cloud")) == ["GET /rest/servicedeskapi/x/{}"]


def test_the_table_shows_the_create_customer_body_difference(
    capsys: pytest.CaptureFixture[str], patched: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("JSM_OPENAPI_ROOT", str(patched.root))
    target = tmp_path / "parity.md"
    code, out, _ = run(capsys, "parity", "--output", str(target))
    assert code == ExitCode.OK and "shared operation(s)" in out and str(target) in out
    rows = [
        line for line in target.read_text().splitlines() if line.startswith("| `POST /rest/servicedeskapi/customer`")
    ]
    body = [row for row in rows if "| request body field |" in row]
    # one concept, two names: Server's fullName is Cloud's displayName
    assert any(
        "`fullName` (string)" in row
        and "`displayName` (string)" in row
        and "one concept: `customer.display-name`" in row
        for row in body
    ), body
    # Cloud still lists fullName, deprecated in favour of displayName: it stands alone
    assert any("| — | `fullName` (string) |" in row for row in body), body
    assert any("query parameter" in row and "strictConflictStatusCode" in row for row in rows)
    assert any("response statuses" in row and "409" in row for row in rows)
    assert any("`accountId`" in row and "username" in row for row in rows)  # usernames vs accountIds


def test_operations_in_one_flavor_only(patched: Project) -> None:
    report = parity_report(load_patched(patched, "server"), load_patched(patched, "cloud"))
    cloud_only = {f"{op.method.upper()} {op.wire_path}" for op in report.cloud_only}
    server_only = {f"{op.method.upper()} {op.wire_path}" for op in report.server_only}
    assert "POST /rest/servicedeskapi/servicedesk/{serviceDeskId}/requesttype/permissions/check" in cloud_only
    assert "GET /rest/servicedeskapi/assets/workspace" in cloud_only
    assert any(path.startswith("GET /rest/servicedeskapi/portal") for path in server_only)
    shared = {f"{s.method.upper()} {c.wire_path}" for s, c in report.shared}
    assert "POST /rest/servicedeskapi/customer" in shared
    assert not shared & (cloud_only | server_only)
    assert all(not op.wire_path.startswith(("/rest/api/", "/rest/assets/")) for op in report.server_only)
    text = render_parity(report)
    assert f"**{len(report.shared)} operations in both**" in text


def test_without_patched_documents_parity_says_how_to_make_them(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "openapi").mkdir()
    shutil.copy2(REPO / "openapi" / "sources.toml", tmp_path / "openapi" / "sources.toml")
    monkeypatch.setenv("JSM_OPENAPI_ROOT", str(tmp_path))
    code, _, err = run(capsys, "parity")
    assert code == ExitCode.INPUT and "server.openapi.json does not exist" in err and "jsm-openapi patch" in err
