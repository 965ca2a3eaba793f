"""OpenAPI documents embedded in HTML pages: found in every wrapping, fetched and drifted like the JSON itself.

The pages are built here around real documents of the mirror (Atlassian's DC REST reference pages carry theirs inline);
hostile pages come from Hypothesis and from floods of the characters the search looks at.
"""

from __future__ import annotations

import html
import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_in_process import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from loopback import Loopback, Received

from jsm_openapi.documents import sha256_bytes
from jsm_openapi.embedded import MAX_PAGE, extract_document, looks_like_html, serialized
from jsm_openapi.errors import ExitCode, InputError
from jsm_openapi.fetch import MirrorIndex

CLOUD_2024 = "321ecc15da0ab2666e0b2670f056b476a5b0065b30d08444a98feea43a2273bb"
CLOUD_2025 = "6c4ac90e818c143ec31c218c5e3ec6e9fa2d0ebda6f463cdc00bc1b785ff862a"
JSM_DC = "5574821b672e3c7aba8b3882abd992ff3c1b565f9fe688749ecc69d16a696b34"


def js_single_quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


# Every way a page may carry the document (`raw` is the document's JSON text).
PAGES: dict[str, Callable[[str], str]] = {
    "next-data script": lambda raw: (
        "<!DOCTYPE html><html><head><title>Jira Service Management 11.3</title>"
        '<script id="__NEXT_DATA__" type="application/json">'
        f'{{"props":{{"pageProps":{{"title":"REST","spec":{raw}}}}},"page":"/rest/v1103"}}</script>'
        "</head><body><p>Atlassian's reference: {not json} \"quoted</p></body></html>"
    ),
    "js assignment": lambda raw: (
        "<!doctype html><html><head><script>// don't mind me {\n"
        "var theme = {dark: true, 'x': \"{\"};\n"
        f"window.__INITIAL_STATE__ = {raw};\n"
        "/* } ] */ init(window.__INITIAL_STATE__);</script></head><body></body></html>"
    ),
    "JSON.parse of an escaped string": lambda raw: (
        f"<html><body><script>window.spec = JSON.parse({json.dumps(raw)});</script></body></html>"
    ),
    "single-quoted string": lambda raw: (
        f"<html><script type='text/javascript'>var s = JSON.parse({js_single_quoted(raw)});</script></html>"
    ),
    "string inside a state object inside a string": lambda raw: (
        "<html><script>window.__APOLLO__ = JSON.parse("
        + json.dumps(json.dumps({"page": {"rest": {"specJson": raw}}}))
        + ");</script></html>"
    ),
    "HTML-escaped attribute": lambda raw: (
        f'<html><body><div id="swagger" data-spec="{html.escape(raw, quote=True)}" class="x"></div></body></html>'
    ),
}


@pytest.fixture(scope="module")
def documents(mirror: Path) -> dict[str, Path]:
    index = MirrorIndex(mirror)
    found = {name: index.lookup(sha) for name, sha in (("2024", CLOUD_2024), ("2025", CLOUD_2025), ("dc", JSM_DC))}
    assert all(found.values()), f"the mirror {mirror} lacks a document these tests embed"
    return {name: path for name, path in found.items() if path is not None}


@pytest.mark.parametrize("wrapping", list(PAGES))
def test_every_wrapping_gives_back_the_document_itself(wrapping: str, documents: dict[str, Path]) -> None:
    text = documents["dc"].read_text(encoding="utf-8")
    document = json.loads(text)
    page = PAGES[wrapping](json.dumps(document, ensure_ascii=False)).encode()
    assert looks_like_html(page)
    embedded = extract_document(page, source="page.html")
    assert embedded.document == document
    assert embedded.data == serialized(document)  # what a pin's sha256 covers: the same whatever the page
    assert "extracted from an HTML page" in embedded.note


def test_the_pinned_bytes_do_not_depend_on_the_page(documents: dict[str, Path]) -> None:
    document = json.loads(documents["2025"].read_bytes())
    digests = {
        sha256_bytes(extract_document(build(json.dumps(document, indent=indent)).encode(), source="p").data)
        for build in PAGES.values()
        for indent in (None, 2)
    }
    assert len(digests) == 1


def test_the_largest_of_several_documents_is_taken(documents: dict[str, Path]) -> None:
    small = {"openapi": "3.0.1", "info": {"title": "widget", "version": "1"}, "paths": {"/x": {}}}
    big = json.loads(documents["2025"].read_bytes())
    page = f"<html><script>var a = {json.dumps(small)};</script><script>var b = {json.dumps(big)};</script></html>"
    embedded = extract_document(page.encode(), source="p")
    assert embedded.document == big and "the largest of 2 documents" in embedded.where


@pytest.mark.parametrize(
    "page",
    [
        "<html><body>Atlassian REST reference: nothing embedded</body></html>",
        '<html><script>var x = {"openapi": "3.0.1", "info": {}};</script></html>',  # no paths
        '<html><script>var x = {"swagger": "2.0", "paths": {}};</script></html>',  # not OpenAPI 3
        '<html><script>var x = {"openapi": "3.0.1", "paths": {"/a": </script></html>',  # cut short
    ],
)
def test_a_page_without_a_document_is_a_clear_input_error(page: str) -> None:
    with pytest.raises(InputError) as info:
        extract_document(page.encode(), source="https://example.invalid/rest/v1103/")
    assert "https://example.invalid/rest/v1103/: an HTML page without an embedded OpenAPI 3 document" in str(info.value)
    assert info.value.exit_code == ExitCode.INPUT


# -- hostile pages ---------------------------------------------------------------------------------------------------

FLOOD = 4_000_000
HOSTILE = {
    "open braces": "<script>openapi" + "{" * FLOOD,
    "brackets between letters": "<script>openapi" + "{a[" * (FLOOD // 3),
    "unterminated quotes": '<script>"openapi' + '"\\' * (FLOOD // 2),
    "apostrophes": "<script>openapi" + "'" * FLOOD,
    "comment openers": "<script>openapi" + "/*" * (FLOOD // 2),
    "script openers": "<script>openapi" * (FLOOD // 15),
    "nested candidate objects": "<script>" + '{"openapi":"3.0.0","paths":' * (FLOOD // 28) + "}" * (FLOOD // 28),
    "escaped keys in strings": "<script>" + '"\\"openapi\\"",' * (FLOOD // 16),
    "escaped attribute flood": '<p a="&quot;openapi&quot;' + "{" * FLOOD + '">',
    "deep arrays around a document": "<script>x=" + "[" * 100_000 + '{"openapi":"3.0.1","paths":{}}' + "]" * 100_000,
}


@pytest.mark.timeout(60)  # a hang guard, not a speed assertion: each page is bounded by the search's budgets
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_pages_end_with_an_answer(name: str) -> None:
    page = HOSTILE[name].encode()
    try:
        embedded = extract_document(page, source=name)
    except InputError as exc:
        assert exc.exit_code == ExitCode.INPUT and name in exc.message
    else:  # only the last page holds a (tiny) document; deep nesting around it does not hide it
        assert name == "deep arrays around a document" and embedded.document["openapi"] == "3.0.1"


def test_a_page_beyond_the_size_limit_is_refused_without_searching() -> None:
    with pytest.raises(InputError, match=r"more than the .* searched"):
        extract_document(b"<html>" + b" " * (MAX_PAGE + 1), source="huge.html")


def test_text_that_is_not_valid_unicode_is_refused_clearly() -> None:
    page = '<script>var x = {"openapi":"3.0.1","info":{"title":"\\ud800"},"paths":{}};</script>'  # a lone surrogate
    with pytest.raises(InputError, match="not valid Unicode"):
        extract_document(page.encode(), source="p")


PIECES = st.sampled_from(
    ["{", "}", "[", "]", '"', "'", "`", "\\", "/*", "*/", "//", "\n", ":", ",", "openapi", '"openapi"', '"paths"',
     "<script>", "</script>", "&quot;", "=", "(", ")", "\\u0022", "\\x22", "\ud800", "\x00", "é", "${"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES | st.text(max_size=5), max_size=60))
def test_any_page_gives_a_document_or_an_input_error(pieces: list[str]) -> None:
    page = "<html>" + "".join(pieces)
    try:
        embedded = extract_document(page.encode("utf-8", "surrogatepass"), source="fuzz.html")
    except InputError:
        return
    assert isinstance(embedded.document["openapi"], str) and isinstance(embedded.document["paths"], dict)
    assert json.loads(embedded.data) == embedded.document


@settings(max_examples=100, deadline=None)
@given(st.lists(PIECES | st.text(max_size=5), max_size=40), st.lists(PIECES | st.text(max_size=5), max_size=40))
def test_a_document_in_its_own_script_is_found_whatever_surrounds_it(before: list[str], after: list[str]) -> None:
    document: dict[str, Any] = {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {"/x": {}}}
    junk = ["".join(before).replace("</script", ""), "".join(after).replace("</script", "")]
    page = (
        f"<html><script>{junk[0]}</script><script type='application/json'>{json.dumps(document)}</script>"
        f"<script>{junk[1]}</script></html>"
    )
    embedded = extract_document(page.encode("utf-8", "surrogatepass"), source="fuzz.html")
    assert embedded.document == document


# -- fetch and drift take such pages ---------------------------------------------------------------------------------


def serve_page(loopback: Loopback, page: bytes) -> str:
    def answer(request: Received) -> tuple[int, dict[str, str], bytes]:
        if request.path == "/server/jira-servicedesk/rest/v1103/":
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page
        return 404, {}, b""

    loopback.handler = answer
    return f"{loopback.url}/server/jira-servicedesk/rest/v1103/"


def write_project(root: Path, url: str, sha256: str) -> None:
    (root / "openapi").mkdir(parents=True, exist_ok=True)
    (root / "overlays" / "cloud").mkdir(parents=True, exist_ok=True)
    (root / "openapi" / "sources.toml").write_text(
        'schema_version = 1\n\n[flavor.cloud]\ntitle = "JSM Cloud"\npackage = "jsm_cloud"\nproject = "jsm-cloud"\n\n'
        f'[[flavor.cloud.document]]\nname = "jsm-cloud"\nurl = "{url}"\nsha256 = "{sha256}"\n'
        'version = "1001.0.0-SNAPSHOT"\nretrieved = 2024-09-28\n'
    )


@pytest.fixture
def project_env(monkeypatch: pytest.MonkeyPatch, mirror: Path, tmp_path: Path) -> Path:
    monkeypatch.setenv("JSM_SPEC_MIRROR", str(mirror))
    monkeypatch.setenv("JSM_SPEC_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("JSM_SPEC_OFFLINE", raising=False)
    root = tmp_path / "project"
    monkeypatch.setenv("JSM_OPENAPI_ROOT", str(root))
    return root


def test_an_html_page_drifts_like_the_json_itself(
    capsys: pytest.CaptureFixture[str], documents: dict[str, Path], loopback: Loopback, tmp_path: Path
) -> None:
    newer = documents["2025"].read_bytes()
    page = PAGES["next-data script"](newer.decode()).encode()
    url = serve_page(loopback, page)
    (tmp_path / "newer.html").write_bytes(page)
    old = str(documents["2024"])
    reports = {}
    for name, new in (("json", str(documents["2025"])), ("url", url), ("file", str(tmp_path / "newer.html"))):
        code, out, _ = run(capsys, "drift", old, new, "--format", "json")
        assert code == ExitCode.OK, out
        reports[name] = json.loads(out)
    assert reports["json"]["fingerprints"] and reports["url"]["fingerprints"] == reports["json"]["fingerprints"]
    assert reports["file"]["fingerprints"] == reports["json"]["fingerprints"]
    for name in ("url", "file"):
        (comparison,) = reports[name]["comparisons"]
        assert comparison["new"]["note"].startswith("OpenAPI document extracted from an HTML page (a <script>")
        assert comparison["new"]["sha256"] == sha256_bytes(serialized(json.loads(newer)))
    code, out, _ = run(capsys, "drift", old, url)  # the text report says so too
    assert "new copy: OpenAPI document extracted from an HTML page" in out


def test_a_pin_on_a_reference_page_is_proposed_then_fetched_from_that_page(
    capsys: pytest.CaptureFixture[str],
    project_env: Path,
    documents: dict[str, Path],
    loopback: Loopback,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The nightly job's path for the JSM DC pin: the page's document is compared and proposed; the proposal fetches."""
    newer = documents["2025"].read_bytes()
    url = serve_page(loopback, PAGES["JSON.parse of an escaped string"](newer.decode()).encode())
    write_project(project_env, url, CLOUD_2024)  # pinned: the 2024 copy (the mirror has it)
    code, out, _ = run(capsys, "drift", "--pin", "jsm-cloud", "--format", "json")  # --latest: the pin's URL
    assert code == ExitCode.OK, out
    (comparison,) = json.loads(out)["comparisons"]
    assert comparison["error"] is None and "extracted from an HTML page" in comparison["new"]["note"]
    proposal = tomllib.loads(comparison["proposed_pin"])
    (proposed,) = proposal["flavor"]["cloud"]["document"]
    assert proposed["sha256"] == sha256_bytes(serialized(json.loads(newer))) and proposed["url"] == url
    # move the pin as proposed: fetch downloads the page (no mirror), extracts the document and verifies it
    write_project(project_env, url, proposed["sha256"])
    monkeypatch.delenv("JSM_SPEC_MIRROR")
    code, out, _ = run(capsys, "fetch", "--flavor", "cloud")
    assert code == ExitCode.OK
    assert url in out and "(OpenAPI document extracted from an HTML page" in out
    cached = project_env.parent / "cache" / f"jsm-cloud-{proposed['sha256'][:16]}.json"
    assert json.loads(cached.read_bytes()) == json.loads(newer)


def test_fetch_of_a_page_whose_document_changed_names_the_extracted_hash(
    capsys: pytest.CaptureFixture[str], project_env: Path, documents: dict[str, Path], loopback: Loopback
) -> None:
    url = serve_page(loopback, PAGES["js assignment"](documents["2025"].read_text()).encode())
    write_project(project_env, url, "0" * 64)
    code, _, err = run(capsys, "fetch", "--flavor", "cloud")
    assert code == ExitCode.INTEGRITY
    assert "(of the OpenAPI document extracted from the page)" in err and "jsm-openapi drift --pin jsm-cloud" in err
