"""openapi/sources.toml: the real pins, and clear errors for every malformed variant."""

from __future__ import annotations

import pytest

from jsm_openapi.errors import ExitCode, InputError
from jsm_openapi.sources import Sources, parse_sources

PIN = """
name = "doc-a"
url = "https://example.invalid/a.json"
sha256 = "{sha}"
version = "1"
retrieved = 2025-01-01
"""


def text(sha: str = "a" * 64, extra: str = "", flavor: str = "cloud") -> str:
    head = f'schema_version = 1\n[flavor.{flavor}]\npackage = "jsm_{flavor}"\n'
    return f"{head}[[flavor.{flavor}.document]]{PIN.format(sha=sha)}{extra}"


def test_the_real_sources_pin_both_flavors(sources: Sources) -> None:
    assert [p.name for p in sources.flavor("server").documents] == ["jira-platform-dc", "jsm-dc"]
    assert [p.name for p in sources.flavor("cloud").documents] == ["jsm-cloud"]
    assert sources.flavor("cloud").package == "jsm_cloud" and sources.flavor("server").package == "jsm_server"
    assert {p.name for p in sources.tracked} == {"assets-cloud"}
    assert all(len(p.sha256) == 64 for p in sources.all_pins())


def test_a_valid_minimal_file_parses() -> None:
    parsed = parse_sources(text())
    assert parsed.flavor("cloud").project == "jsm-cloud"
    assert parsed.pin("doc-a").retrieved.isoformat() == "2025-01-01"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (text(sha="ABC"), "sha256 must be 64 lowercase hex digits"),
        (text(extra='colour = "red"\n'), "unknown key(s) colour"),
        (text(flavor="onprem"), "unknown flavor"),
        ("schema_version = 2\n", "schema_version must be 1"),
        ("schema_version = 1\n", "no [flavor.<name>] tables"),
        ("schema_version = [\n", "invalid TOML"),
        (text().replace("retrieved = 2025-01-01", 'retrieved = "yesterday"'), "retrieved must be a TOML date"),
        (text().replace('url = "https://example.invalid/a.json"\n', ""), "missing url"),
        (text().replace('package = "jsm_cloud"', 'package = "jsm-cloud"'), "is not a Python package name"),
        (text().replace('name = "doc-a"', 'name = "Doc A"'), "must be lowercase letters"),
        # `$` in a validation pattern lets a trailing newline through: every field is matched whole
        (text().replace('name = "doc-a"', 'name = "doc-a\\n"'), "must be lowercase letters"),
        (text(sha="a" * 64 + "\\n"), "sha256 must be 64 lowercase hex digits"),
        (text().replace('package = "jsm_cloud"', 'package = "jsm_cloud\\n"'), "is not a Python package name"),
        (text(extra='component_prefix = "Jsm\\n"\n'), "must be a CamelCase identifier"),
        (text().replace(".json", ".json\\n"), "url must be an http(s) URL"),
        (text().replace("https://", "file:///"), "url must be an http(s) URL"),
        (text().replace('version = "1"', 'version = "1\\u001b[2J"'), "version must be one line"),
        # what tomllib itself fails on with a RecursionError or a ValueError
        (text(extra="x = " + "[" * 5000 + "]" * 5000 + "\n"), "nested too deeply"),
        (text(extra="x = " + "9" * 5000 + "\n"), "invalid TOML"),
    ],
)
def test_malformed_sources_fail_with_a_clear_message(content: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_sources(content, source="openapi/sources.toml")
    assert message in info.value.message
    assert "openapi/sources.toml" in info.value.message
    assert info.value.exit_code == ExitCode.INPUT


def test_unknown_flavor_and_pin_name_the_choices() -> None:
    parsed = parse_sources(text())
    with pytest.raises(InputError, match="unknown flavor 'server'") as info:
        parsed.flavor("server")
    assert "cloud" in (info.value.hint or "")
    with pytest.raises(InputError, match="no pin named 'nope'"):
        parsed.pin("nope")


def test_a_pin_repr_never_shows_the_secrets_of_its_url() -> None:
    parsed = parse_sources(text().replace("https://example.invalid", "https://robot:s3cret@example.invalid"))
    shown = repr(parsed.pin("doc-a")) + repr(parsed)
    assert "s3cret" not in shown and "https://***@example.invalid/a.json" in shown
