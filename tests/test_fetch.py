"""Fetching pins: cache, mirror (matched by sha256 whatever the name), URL; always verified; clear failures."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import httpx
import pytest

from jsm_openapi.documents import sha256_bytes, write_atomic
from jsm_openapi.errors import ExitCode, FetchError, InputError, IntegrityError
from jsm_openapi.fetch import Fetcher
from jsm_openapi.sources import Pin, Sources

BODY = json.dumps({"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {}}).encode()


def pin(data: bytes = BODY, name: str = "doc") -> Pin:
    return Pin(
        name=name,
        url="https://example.invalid/doc.json",
        sha256=sha256_bytes(data),
        version="1",
        retrieved=date(2025, 1, 1),
    )


def transport(status: int = 200, body: bytes = BODY, error: Exception | None = None) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if error is not None:
            raise error
        return httpx.Response(status, content=body)

    return httpx.MockTransport(handle)


def test_all_real_pins_come_from_the_mirror_and_verify(tmp_path: Path, mirror: Path, sources: Sources) -> None:
    fetcher = Fetcher(tmp_path / "cache", mirror=mirror, offline=True)
    for each in sources.all_pins():
        got = fetcher.fetch(each)
        assert got.origin.startswith("mirror:")
        assert sha256_bytes(got.path.read_bytes()) == each.sha256
    assert fetcher.fetch(sources.pin("jsm-cloud")).origin == "cache"


def test_a_mirror_file_matches_by_hash_whatever_its_name(tmp_path: Path) -> None:
    folder = tmp_path / "mirror" / "deep"
    folder.mkdir(parents=True)
    (folder / "totally-unrelated-name.bin").write_bytes(BODY)
    (folder / "other.json").write_bytes(b"{}")
    got = Fetcher(tmp_path / "cache", mirror=tmp_path / "mirror", offline=True).fetch(pin())
    assert got.origin.endswith("totally-unrelated-name.bin")
    assert Fetcher(tmp_path / "cache", mirror=None, offline=True).load(pin())["info"]["title"] == "t"


def test_a_corrupted_cache_file_is_fetched_again(tmp_path: Path) -> None:
    fetcher = Fetcher(tmp_path / "cache", mirror=None, client=httpx.Client(transport=transport()))
    first = fetcher.fetch(pin())
    first.path.write_bytes(b"tampered")
    again = fetcher.fetch(pin())
    assert again.origin == "https://example.invalid/doc.json"
    assert again.path.read_bytes() == BODY


def test_download_with_the_right_hash_lands_in_the_cache(tmp_path: Path) -> None:
    got = Fetcher(tmp_path / "cache", mirror=None, client=httpx.Client(transport=transport())).fetch(pin())
    assert got.path.read_bytes() == BODY and got.path.parent == tmp_path / "cache"


def test_hash_mismatch_names_expected_and_found_and_points_at_drift(tmp_path: Path) -> None:
    changed = BODY.replace(b'"t"', b'"changed"')
    fetcher = Fetcher(tmp_path / "cache", mirror=None, client=httpx.Client(transport=transport(body=changed)))
    with pytest.raises(IntegrityError) as info:
        fetcher.fetch(pin())
    message = str(info.value)
    assert f"expected {sha256_bytes(BODY)}" in message and f"found    {sha256_bytes(changed)}" in message
    assert "jsm-openapi drift --pin doc" in message and "openapi/sources.toml" in message
    assert info.value.exit_code == ExitCode.INTEGRITY
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_unreachable_url_without_a_mirror_says_how_to_set_one(tmp_path: Path) -> None:
    client = httpx.Client(transport=transport(error=httpx.ConnectError("no route to host")))
    with pytest.raises(FetchError) as info:
        Fetcher(tmp_path / "cache", mirror=None, client=client).fetch(pin())
    assert "no mirror is set" in info.value.message and "ConnectError" in info.value.message
    assert "JSM_SPEC_MIRROR" in (info.value.hint or "")
    assert info.value.exit_code == ExitCode.FETCH


def test_http_error_status_is_a_fetch_error(tmp_path: Path) -> None:
    client = httpx.Client(transport=transport(status=404))
    with pytest.raises(FetchError, match="HTTP 404"):
        Fetcher(tmp_path / "cache", mirror=None, client=client).fetch(pin())


def test_offline_with_a_mirror_lacking_the_pin_lists_lookalikes(tmp_path: Path) -> None:
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "doc-2026.json").write_bytes(b'{"newer": true}')
    with pytest.raises(FetchError) as info:
        Fetcher(tmp_path / "cache", mirror=tmp_path / "mirror", offline=True).fetch(pin())
    assert "doc-2026.json" in info.value.message and "--latest" in info.value.message


def test_mirror_that_is_not_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="is not a folder"):
        Fetcher(tmp_path / "cache", mirror=tmp_path / "missing")


def test_the_mirror_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "x").write_bytes(BODY)
    monkeypatch.setenv("JSM_SPEC_MIRROR", str(tmp_path / "m"))
    assert Fetcher(tmp_path / "cache", offline=True).fetch(pin()).origin.startswith("mirror:")


def test_invalid_json_names_the_pin_and_position(tmp_path: Path) -> None:
    broken = b'{"openapi": "3.0.1",\n  "info": }'
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "broken.json").write_bytes(broken)
    with pytest.raises(InputError, match=r"broken-doc .*: invalid JSON at line 2, column 11"):
        Fetcher(tmp_path / "cache", mirror=tmp_path / "m", offline=True).load(pin(broken, name="broken-doc"))


def test_a_failed_atomic_write_leaves_the_target_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()  # a folder: the final rename fails
    with pytest.raises(OSError):
        write_atomic(target, b"data")
    assert target.is_dir() and [p.name for p in tmp_path.iterdir()] == ["taken"]
