"""Fetching pins: cache, mirror (matched by sha256 whatever the name), URL; always verified; clear failures."""

from __future__ import annotations

import base64
import json
import logging
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import httpx
import pytest
from cli_in_process import run
from loopback import Loopback

from jsm_openapi.documents import sha256_bytes, write_atomic
from jsm_openapi.errors import ExitCode, FetchError, InputError, IntegrityError
from jsm_openapi.fetch import Fetcher
from jsm_openapi.project import Project
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


# --- a mirror with a broken file, and pin URLs that carry secrets ----------------------------------------------------


def unreadable(folder: Path, name: str = "bad-sector.json") -> Path:
    """A file in `folder` whose read fails with EIO (a link to /proc/self/mem, unreadable at offset 0, even as root)."""
    link = folder / name
    link.symlink_to("/proc/self/mem")
    with pytest.raises(OSError):
        link.read_bytes()
    return link


def test_an_unreadable_mirror_file_is_skipped_with_a_warning_naming_it(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "a").mkdir(parents=True)
    bad = unreadable(mirror / "a")
    (mirror / "z-good.json").write_bytes(BODY)
    warned: list[str] = []
    fetcher = Fetcher(tmp_path / "cache", mirror=mirror, offline=True, warn=warned.append)
    assert fetcher.fetch(pin()).origin == f"mirror:{mirror / 'z-good.json'}"
    assert len(warned) == 1 and str(bad) in warned[0] and "Input/output error" in warned[0]
    with pytest.raises(FetchError, match="no file under"):  # the lookalike listing skips it too
        fetcher.fetch(pin(b"{}", name="bad-sector"))
    assert len(warned) == 1  # the mirror is read once


def test_fetch_names_the_unreadable_file_and_carries_on(
    tmp_project: Project,
    tmp_path: Path,
    mirror: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = tmp_path / "broken-mirror"
    shutil.copytree(mirror, broken, symlinks=True)
    bad = unreadable(broken / "jsm-cloud", "jsm-cloud-2026-01-01.json")
    monkeypatch.setenv("JSM_SPEC_MIRROR", str(broken))
    monkeypatch.setenv("JSM_OPENAPI_ROOT", str(tmp_project.root))
    code, out, err = run(capsys, "fetch", "--flavor", "cloud")
    assert code == 0, err
    assert "jsm-cloud" in out and "mirror:" in out
    assert f"warning: mirror {broken}: skipped {bad}: cannot read it (Input/output error)" in err


SECRETS = ("s3cret-pass", "t0ken-value", "fr4gment")


def secret_url(base: str, path: str = "/doc.json") -> str:
    scheme, host = base.split("://")
    return f"{scheme}://robot:{SECRETS[0]}@{host}{path}?token={SECRETS[1]}#{SECRETS[2]}"


def pin_sources(project: Project, url: str) -> None:
    sources = project.sources_file
    sources.write_text(
        sources.read_text().replace("https://dac-static.atlassian.com/cloud/jira/service-desk/swagger.v3.json", url)
    )


def test_fetch_never_prints_the_secrets_of_a_pin_url(
    caplog: pytest.LogCaptureFixture,
    tmp_project: Project,
    mirror: Path,
    loopback: Loopback,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The download works with the URL's credentials; the table shows the URL without them (nor query, fragment)."""
    document = (mirror / "jsm-cloud" / "jsm-cloud-2025-09-17.json").read_bytes()
    loopback.handler = lambda request: (200, {}, document)
    pin_sources(tmp_project, secret_url(loopback.url))
    monkeypatch.setenv("JSM_SPEC_MIRROR", "")
    monkeypatch.setenv("JSM_OPENAPI_ROOT", str(tmp_project.root))
    caplog.set_level(logging.DEBUG)
    code, out, err = run(capsys, "fetch", "--flavor", "cloud")
    assert code == 0, err
    assert (
        loopback.received[0].headers["Authorization"]
        == "Basic " + base64.b64encode(f"robot:{SECRETS[0]}".encode()).decode()
    )  # the credentials were used
    assert "HTTP Request: GET" in caplog.text and SECRETS[0] not in caplog.text  # httpx's own log line
    assert f"{loopback.url.split('://')[1]}/doc.json?token=***#***" in out and "://***@" in out
    assert not any(secret in out + err for secret in SECRETS)


@pytest.mark.parametrize("status", [404, None])
def test_fetch_errors_never_print_the_secrets_of_a_pin_url(
    tmp_project: Project,
    loopback: Loopback,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    status: int | None,
) -> None:
    if status is None:  # unreachable: nothing listens on port 9
        url = secret_url("http://127.0.0.1:9")
    else:
        loopback.handler = lambda request: (status, {}, b"")
        url = secret_url(loopback.url)
    pin_sources(tmp_project, url)
    shutil.rmtree(tmp_project.cache_dir, ignore_errors=True)
    monkeypatch.setenv("JSM_SPEC_MIRROR", "")
    monkeypatch.setenv("JSM_OPENAPI_ROOT", str(tmp_project.root))
    code, out, err = run(capsys, "fetch", "--flavor", "cloud")
    assert code == ExitCode.FETCH
    assert "cannot fetch http://***@127.0.0.1:" in err
    assert not any(secret in out + err for secret in SECRETS)


def test_a_mismatching_download_never_prints_the_secrets_of_the_url(tmp_path: Path) -> None:
    url = secret_url("https://example.invalid")
    changed = BODY.replace(b'"t"', b'"changed"')
    fetcher = Fetcher(tmp_path / "cache", mirror=None, client=httpx.Client(transport=transport(body=changed)))
    with pytest.raises(IntegrityError) as info:
        fetcher.fetch(replace(pin(), url=url))
    assert "sha256 mismatch for https://***@example.invalid/doc.json?token=***#***" in str(info.value)
    assert not any(secret in str(info.value) for secret in SECRETS)
