"""The payload oracle: captured real answers listed in tests/payloads/manifest.toml, fetched when online, held to
the patched documents and the generated clients. Offline, only the manifest is checked here and the document
examples and seed pages stand in (tests/test_examples_oracle.py); the fetch → verify → extract → check path runs on
a loopback server with files this test makes."""

from __future__ import annotations

import hashlib
import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from loopback import Loopback, Received

from jsm_openapi.errors import InputError, IntegrityError
from jsm_openapi.fetch import Fetcher
from jsm_openapi.payloads import Payload, check_payloads, default_cache, extract, fetch, load_manifest, pin
from jsm_openapi.pipeline import patch_flavor
from jsm_openapi.project import Project
from jsm_openapi.sources import Sources

pytestmark = pytest.mark.slow
MANIFEST = Path(__file__).parent / "payloads" / "manifest.toml"


@pytest.fixture(scope="module")
def documents(repo: Project, sources: Sources, mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    fetcher = Fetcher(tmp_path_factory.mktemp("cache"), mirror=mirror)
    return {flavor: patch_flavor(repo, sources.flavor(flavor), fetcher).document for flavor in ("server", "cloud")}


@pytest.fixture(scope="module")
def packages() -> dict[str, Any]:
    return {flavor: importlib.import_module(f"jsm_{flavor}") for flavor in ("server", "cloud")}


def test_the_manifest_names_real_operations_and_their_statuses(documents: Any) -> None:
    entries = load_manifest(MANIFEST)
    assert len(entries) >= 3 and len({e.name for e in entries}) == len(entries)
    for entry in entries:
        operation = documents[entry.flavor]["paths"][entry.api_path][entry.method.lower()]
        assert entry.status in operation["responses"], entry.name
        assert entry.note and "/" in entry.note  # says which overlay it is evidence for


def test_the_fetched_captures_pass_and_the_rest_are_named(
    repo: Project, documents: Any, packages: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Online (after `jsm-openapi payloads fetch`), every capture must pass; offline none is fetched and the
    examples oracle covers the documents (its own test)."""
    entries = load_manifest(MANIFEST)
    verdicts = list(check_payloads(entries, default_cache(repo.root), documents, packages))
    assert [e.name for e, _ in verdicts] == [e.name for e in entries]
    failed = [(e.name, v.detail) for e, v in verdicts if v is not None and not v.passed]
    assert failed == []
    with capsys.disabled():
        missing = [e.name for e, v in verdicts if v is None]
        if missing:
            print(f"\npayload oracle: not fetched (offline): {', '.join(missing)}")


def _module(value: Any) -> bytes:
    """A JavaScript test module holding an answer, as other projects keep their mock data."""
    return ("module.exports = {\n\tsingle: " + json.dumps(value, indent=2) + "\n};\n").encode()


def _entry(name: str, sha256: str = "", **changes: str) -> Payload:
    fields = {
        "name": name,
        "flavor": "server",
        "repository": "example/captures",
        "commit": "0" * 40,
        "path": f"test/{name}.js",
        "operation": "GET /api/2/component/{id}",
        "status": "200",
        "sha256": sha256,
        "select": "single:",
        "note": "made by this test: server/175",
    }
    return Payload(**{**fields, **changes})


def test_fetch_verify_extract_and_check_over_http(
    loopback: Loopback, tmp_path: Path, documents: Any, packages: dict[str, Any]
) -> None:
    good = _module({"id": "1", "name": "Parts", "realAssigneeType": "COMPONENT_LEAD", "projectId": 7})
    bad = _module({"id": "2", "name": "Parts", "realAssigneeType": "SOMEBODY", "projectId": "seven"})
    files = {
        "/example/captures/" + "0" * 40 + "/test/good.js": good,
        "/example/captures/" + "0" * 40 + "/test/bad.js": bad,
    }

    def handler(request: Received) -> tuple[int, dict[str, str], bytes]:
        return (200, {}, files[request.path]) if request.path in files else (404, {}, b"")

    loopback.handler = handler
    template = loopback.url + "/{repository}/{commit}/{path}"
    cache = tmp_path / "cache"
    wrong = _entry("good", sha256="f" * 64)
    with pytest.raises(IntegrityError, match="the manifest pins"):
        fetch([wrong], cache, raw_url=template)
    assert not wrong.cached(cache).exists()  # nothing half-kept
    entries = [_entry("good", sha256=hashlib.sha256(good).hexdigest()), _entry("bad")]
    digests = fetch(entries, cache, raw_url=template)
    assert digests["bad"] == hashlib.sha256(bad).hexdigest() and len(loopback.received) == 3
    fetch(entries, cache, raw_url=template)
    assert len(loopback.received) == 3  # cached: not fetched again
    verdicts = {e.name: v for e, v in check_payloads(entries, cache, documents, packages)}
    assert verdicts["good"] is not None and verdicts["good"].passed
    assert verdicts["bad"] is not None and not verdicts["bad"].passed
    assert "realAssigneeType" in verdicts["bad"].detail or "projectId" in verdicts["bad"].detail

    manifest = tmp_path / "manifest.toml"
    manifest.write_text(
        "[[payload]]\n" + "".join(f'{k} = "{v}"\n' for k, v in _entry("bad").__dict__.items() if k != "sha256")
    )
    assert pin(manifest, digests) == 1
    assert load_manifest(manifest)[0].sha256 == digests["bad"]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"commit": "main"}, "40-hex"),
        ({"path": "../../etc/passwd"}, "relative"),
        ({"operation": "FETCH it"}, "METHOD /path"),
        ({"sha256": "xyz"}, "64 lower-case hex"),
        ({"flavor": "both"}, "server or cloud"),
    ],
)
def test_a_bad_manifest_entry_is_refused_naming_it(tmp_path: Path, change: dict[str, str], says: str) -> None:
    fields = {**_entry("x").__dict__, **change}
    manifest = tmp_path / "manifest.toml"
    manifest.write_text("[[payload]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in fields.items()))
    with pytest.raises(InputError, match=says):
        load_manifest(manifest)


def test_extract_needs_the_marker_and_json_after_it() -> None:
    assert extract(_entry("x"), _module([1, 2])) == [1, 2]
    assert extract(_entry("x", select=""), b' {"a": 1}') == {"a": 1}
    with pytest.raises(InputError, match="does not occur"):
        extract(_entry("x", select="nothing:"), _module(1))
    with pytest.raises(InputError, match="no JSON value"):
        extract(_entry("x"), b"module.exports = { single: { unquoted: 1 } }")


def test_the_repository_never_holds_a_capture() -> None:
    folder = MANIFEST.parent
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.toml"]
