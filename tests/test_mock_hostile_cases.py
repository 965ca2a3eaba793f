"""The hostile inputs a review found, one by one (tests/test_mock_hostile.py throws the whole class at every
operation): JSM's 400 for what it refuses, a correct answer otherwise, never a 5xx, and no write that makes a later
read fail, also after a restart from the database."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest

from jsm_openapi.mock import RunningMock, run_mock
from jsm_openapi.mock.errors import JsmError
from jsm_openapi.mock.model import Comment, Organization
from jsm_openapi.mock.store import MemoryStore, Unstorable, open_store
from jsm_openapi.mock.testing import assert_conformant, stored
from jsm_openapi.mock.wire import MAX_DEPTH, content_disposition, media_type, parse_json

JSON = {"Content-Type": "application/json"}


def api(mock: RunningMock, role: str = "admin") -> httpx.Client:
    credentials = getattr(mock, role)
    return httpx.Client(
        base_url=f"{mock.base_url}/rest/servicedeskapi",
        headers={**credentials.basic_headers, "X-ExperimentalApi": "opt-in"},
        timeout=30,
    )


def assert_refused(response: httpx.Response, *words: str) -> None:
    """A 400 in JSM's error model, naming what was wrong."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"errorMessage", "i18nErrorMessage"}, body
    for word in words:
        assert word in body["errorMessage"], body


@pytest.fixture(params=["server", "cloud"])
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def mock(flavor: str, tmp_path: Path) -> Iterator[RunningMock]:
    with run_mock(flavor, db=tmp_path / "mock.sqlite", record=True) as running:
        yield running


# --- lone surrogates ------------------------------------------------------------------------------------------------


def test_a_transition_comment_with_a_lone_surrogate_is_refused_and_the_comments_still_read(
    flavor: str, mock: RunningMock, tmp_path: Path
) -> None:
    with api(mock, "customer") as customer:
        before = len(stored(mock, Comment))
        transition = customer.post(
            "/request/ITS-1/transition",
            content=b'{"id": "11", "additionalComment": {"body": "\\ud800"}}',
            headers=JSON,
        )
        assert_refused(transition, "lone UTF-16 surrogate", "additionalComment")
        assert len(stored(mock, Comment)) == before, "nothing was stored"
        assert customer.get("/request/ITS-1/comment").status_code == 200
        assert customer.get("/request/ITS-1", params={"expand": "comment"}).status_code == 200
        accepted = customer.post(
            "/request/ITS-1/transition", json={"id": "11", "additionalComment": {"body": "Danke 😀 \u202e"}}
        )
        assert accepted.status_code == 204, accepted.text
    assert_conformant(mock)
    with run_mock(flavor, db=tmp_path / "mock.sqlite") as restarted, api(restarted, "customer") as customer:
        comments = customer.get("/request/ITS-1/comment")
        assert comments.status_code == 200
        assert "Danke 😀 \u202e" in [c["body"] for c in comments.json()["values"]]


def test_an_organization_property_with_a_lone_surrogate_is_refused() -> None:
    with run_mock("cloud") as mock, api(mock) as admin:
        refused = admin.put("/organization/1/property/p", content=b'{"v": ["ok", "\\udfff"]}', headers=JSON)
        assert_refused(refused, "$.v[1]")
        assert_refused(admin.put("/organization/1/property/p", content=b'{"\\ud800": 1}', headers=JSON), "key")
        assert admin.get("/organization/1/property").json()["keys"] == []
        assert stored(mock, Organization)[0].properties == {}


def test_a_lone_surrogate_in_an_answer_is_sent_escaped_never_as_a_plain_text_500() -> None:
    """The rendering layer under every answer: text that is not Unicode (should any get past the parser) is sent
    as a JSON escape, so the answer is still valid JSON and valid UTF-8."""
    error = JsmError(400, "The email address \ud800 is not valid.", "sd.customer.error.email.invalid", "\ud800")
    response = error.response()
    assert response.headers["content-type"] == "application/json"
    assert json.loads(response.body.decode("utf-8"))["errorMessage"] == "The email address \ud800 is not valid."


def test_a_lone_surrogate_echoed_in_an_error_is_refused_as_json_and_the_connection_stays_open(
    mock: RunningMock,
) -> None:
    with api(mock) as admin:
        name = "fullName" if mock.flavor == "server" else "displayName"
        refused = admin.post("/customer", content=f'{{"email": "\\ud800", "{name}": "x"}}'.encode(), headers=JSON)
        assert_refused(refused, "$.email")
        assert refused.headers.get("connection") != "close"
        assert admin.get("/info").status_code == 200


def test_the_store_keeps_only_text_it_can_give_back(tmp_path: Path) -> None:
    for store in (MemoryStore(), open_store(tmp_path / "s.sqlite")):
        with pytest.raises(Unstorable, match="lone UTF-16 surrogate"), store.transaction() as tx:
            tx.put(Organization(id=9, name="ok", uuid="u"))
            tx.put(Organization(id=10, name="\udc00", uuid="u"))
        with store.transaction() as tx:
            assert tx.all(Organization) == [], "the transaction wrote nothing"
            assert tx.get(Organization, "\ud800") is None
        store.close()


# --- nesting and numbers ------------------------------------------------------------------------------------------


def test_json_nested_10000_levels_is_refused_and_what_fits_is_stored_and_read_back(tmp_path: Path) -> None:
    with run_mock("cloud", db=tmp_path / "m.sqlite") as mock, api(mock) as admin:
        deep = b"[" * 10_000 + b"]" * 10_000
        assert_refused(admin.post("/organization", content=deep, headers=JSON), "nests deeper")
        assert_refused(admin.put("/organization/1/property/deep", content=deep, headers=JSON), "nests deeper")
        fits = "[" * MAX_DEPTH + "]" * MAX_DEPTH
        assert admin.put("/organization/1/property/fits", content=fits, headers=JSON).status_code == 201
    with run_mock("cloud", db=tmp_path / "m.sqlite") as mock, api(mock) as admin:
        answer = admin.get("/organization/1/property/fits")
        assert answer.status_code == 200 and json.dumps(answer.json()["value"], separators=(",", ":")) == fits


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"name": 1' + b"0" * 5_000 + b"}", ["5001 digits"]),
        (b'{"name": 1' + b"0" * 1_000 + b"}", ["1001 digits"]),
        (b'{"name": 1e400}', ["too large"]),
        (b'{"name": -1e400}', ["too large"]),
        (b'{"name": NaN}', ["NaN"]),
        (b'{"name": Infinity}', ["Infinity"]),
        (b'{"name": "\xff"}', ["not UTF-8"]),
    ],
)
def test_numbers_and_bytes_jsm_would_refuse_are_a_400(body: bytes, words: list[str]) -> None:
    with run_mock("server") as mock, api(mock) as admin:
        assert_refused(admin.post("/organization", content=body, headers=JSON), *words)


@pytest.mark.parametrize("raw", ["1" * 5_000, "9" * 19, "9223372036854775808", "%ED%A0%80", "%FF"])
def test_path_ids_that_are_no_ids_are_a_404_in_jsms_model(flavor: str, raw: str) -> None:
    with run_mock(flavor) as mock, api(mock) as admin:
        for path in (f"/organization/{raw}", f"/servicedesk/{raw}", f"/request/{raw}/comment"):
            answer = admin.get(path)
            assert answer.status_code == 404, (path, answer.text)
            assert answer.json()["i18nErrorMessage"]["i18nKey"].endswith("not.found")


@pytest.mark.parametrize("value", ["1" * 5_000, "2147483648", "-2147483649", "1e3", "١"])
def test_paging_values_beyond_a_java_int_are_a_400(value: str) -> None:
    with run_mock("cloud") as mock, api(mock) as admin:
        assert_refused(admin.get("/organization", params={"start": value}), "whole number")
        assert_refused(admin.get("/organization", params={"limit": value}), "whole number")


# --- attachments: any file name uploads, attaches and downloads ------------------------------------------------------

NAMES = ["名前.txt", "résumé.pdf", "a/b.txt", "q?x#y.txt", "100%.txt", "..", "semi;colon name.txt", "a;b\\c.txt", "😀"]


def _filename(disposition: str) -> str:
    """The file name a client reads from Content-Disposition (RFC 6266 section 4.3: `filename*` wins)."""
    extended = re.search(r"filename\*=UTF-8''([^;\s]*)", disposition, re.IGNORECASE)
    if extended:
        return unquote(extended[1], errors="strict")
    plain = re.search(r'filename="([^"]*)"', disposition)
    return plain[1] if plain else ""


def test_any_file_name_attaches_and_downloads_through_its_content_link(mock: RunningMock) -> None:
    """Non-Latin-1 names download with an RFC 6266/8187 Content-Disposition; on Server the `_links.content` of a
    name with `/`, `?`, `#`, `%` or only dots resolves (its reserved characters are encoded)."""
    with api(mock) as admin:
        for name in NAMES:
            upload = admin.post(
                "/servicedesk/1/attachTemporaryFile",
                files={"file": (name, name.encode() * 3, "text/plain")},
                headers={"X-Atlassian-Token": "no-check"},
            )
            assert upload.status_code == 201, upload.text
            temporary = upload.json()["temporaryAttachments"][0]
            assert temporary["fileName"] == name
            attached = admin.post(
                "/request/ITS-1/attachment", json={"temporaryAttachmentIds": [temporary["temporaryAttachmentId"]]}
            )
            assert attached.status_code == 201, attached.text
            [attachment] = attached.json()["attachments"]["values"]
            assert attachment["filename"] == name
            link = attachment["_links"]["content"]
            assert link.startswith(mock.base_url)
            if mock.flavor == "server":
                tail = link.rsplit("/", 1)[1]
                assert unquote(tail) == name and link.count("/") == f"{mock.base_url}/secure/attachment/1/x".count("/")
            download = httpx.get(link, headers=mock.admin.basic_headers)
            assert download.status_code == 200, (name, link, download.text)
            assert download.content == name.encode() * 3
            disposition = download.headers["content-disposition"]
            assert disposition.isascii() and _filename(disposition) == name, disposition
        listed = admin.get("/request/ITS-1", params={"expand": "attachment"}) if mock.flavor == "server" else None
        if listed is not None:
            assert listed.status_code == 200
    assert_conformant(mock)


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("report.pdf", 'attachment; filename="report.pdf"'),
        ("名前.txt", "attachment; filename=\"__.txt\"; filename*=UTF-8''%E5%90%8D%E5%89%8D.txt"),
        ('a"b\\c.txt', "attachment; filename=\"a_b_c.txt\"; filename*=UTF-8''a%22b%5Cc.txt"),
        (
            "line\r\nX-Injected: 1",
            "attachment; filename=\"line__X-Injected: 1\"; filename*=UTF-8''line%0D%0AX-Injected%3A%201",
        ),
        ("", 'attachment; filename="file"'),
    ],
)
def test_content_disposition_is_a_valid_header_for_any_name(name: str, header: str) -> None:
    assert content_disposition(name) == header


def test_an_upload_keeps_its_media_type_only_when_it_is_one() -> None:
    assert media_type("image/png") == "image/png"
    assert media_type("text/plain; charset=utf-8") == "text/plain; charset=utf-8"
    for bogus in ("", None, "bogus", "image/png\x7f", "text/plain; charset=ütf", "a" * 300 + "/b", "a/b\r\nX: y"):
        assert media_type(bogus) == "application/octet-stream", bogus


def test_the_parser_takes_what_jsm_takes() -> None:
    assert parse_json(b'\xef\xbb\xbf{"a": [1, 2.5, "\\u00e9", "\\ud83d\\ude00"]}') == {"a": [1, 2.5, "é", "😀"]}
    assert parse_json(b"1" * 1000) == int("1" * 1000)
