"""Prism (pinned npm package): installed into .cache/prism, started on a free port with a patched document, answers,
stops; and the errors when it cannot be."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from jsm_openapi.errors import ExitCode, ServerError
from jsm_openapi.prism import PRISM, PRISM_VERSION, install, running_prism
from jsm_openapi.project import Project

pytestmark = pytest.mark.slow


def test_prism_mocks_the_patched_cloud_document() -> None:
    project = Project.discover()
    binary = install(project)
    assert binary == project.root / ".cache" / "prism" / "node_modules" / ".bin" / "prism"
    assert PRISM.installed_version(project) == PRISM_VERSION
    with running_prism(project, project.patched_document("cloud")) as prism:
        url = f"{prism.base_url}/rest/servicedeskapi/servicedesk"
        answer = httpx.get(url, headers={"Authorization": "Bearer x"})
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
        assert httpx.get(url).status_code == 401  # Prism checks the document's security requirement
        pid = prism.pid
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{prism.base_url}/rest/servicedeskapi/servicedesk", timeout=2)
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def test_prism_needs_a_document(tmp_path: Path) -> None:
    with (
        pytest.raises(ServerError, match="does not exist") as caught,
        running_prism(Project.discover(), tmp_path / "none.json"),
    ):
        pass
    assert caught.value.exit_code == ExitCode.SERVER


def test_prism_that_cannot_start_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"openapi": "3.0.1", "info": {"title": "x"}, "paths": "not paths"}', encoding="utf-8")
    with pytest.raises(ServerError, match="Prism exited"), running_prism(Project.discover(), broken):
        pass
