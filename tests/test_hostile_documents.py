"""Hostile overlays and documents: every command that reads them fails with exit 3 naming the file and the place,
never with a traceback (70), never by exhausting memory or writing what is not JSON.

The loaders (`documents.py`) and the overlay engine are where the limits live (`document_limits.py`); Hypothesis
feeds both hostile trees (lone surrogates, huge integers, NaN and infinities, deep nesting, keys JSON has not) and
hostile action sequences (copies of the root, removals, appends).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from cli_in_process import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jsm_openapi import document_limits, documents
from jsm_openapi.document_limits import MAX_DEPTH, MAX_VALUES, measure
from jsm_openapi.documents import canonical_json, parse_document, parse_json, parse_yaml
from jsm_openapi.errors import ExitCode, InputError, OverlayError
from jsm_openapi.overlay import apply_overlays, parse_overlay
from jsm_openapi.project import Project
from jsm_openapi.yaml_loader import strict_loader

# --- the loaders, case by case --------------------------------------------------------------------------------------


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def alias_bomb(levels: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]")
    return "\n".join(lines) + "\n"


YAML_CASES = {
    "deep nesting": (f"x: {nested(500)}\n", "nested more than 64 levels deep"),
    "very deep nesting": (f"x: {nested(5000)}\n", "line 1"),
    "a 5000-digit integer": (f"x: {'9' * 5000}\n", "an integer of more than 4,300 digits"),
    "a huge hex integer": (f"x: 0x{'f' * 4000}\n", "an integer of more than 4,300 digits"),
    "a list as a key": ("? [a, b]\n: 1\n", "a key must be text, this one is a list"),
    "a mapping as a key": ("? {a: 1}\n: 1\n", "a key must be text, this one is a mapping"),
    "a boolean key": ("on: 1\n", "the key 'on' reads as a boolean: quote it"),
    "a null key": ("~: 1\n", "the key '~' reads as null"),
    ".nan": ("x: .nan\n", "has no JSON form"),
    ".inf": ("x: [1, -.inf]\n", "has no JSON form"),
    "a lone surrogate": ('x: "\\ud800"\n', "line 1"),
    "an alias bomb": (alias_bomb(), "expands to more than 1,000,000 values"),
    "a recursive alias": ("a: &a [1, *a]\n", "an alias points at a node that contains it"),
    "a merge key": ("a: &a {k: 1}\nb: {<<: *a}\n", "merge keys"),
    "a binary value": ("x: !!binary aGk=\n", "has no JSON form"),
    "a set": ("x: !!set {a, b}\n", "has no JSON form"),
    "a timestamp tag": ("x: !!timestamp 2025-01-01\n", "has no JSON form"),
    "an integer key and its text": ("200: a\n'200': b\n", "duplicate key '200'"),
}

JSON_CASES = {
    "deep nesting": (f'{{"x": {nested(100)}}}', "nested more than 64 levels deep at line 1, column 70"),
    "nesting past the recursion limit": (f'{{"x": {nested(100_000)}}}', "nested more than 64 levels deep at line 1"),
    "a 5000-digit integer": (f'{{"x": {"9" * 5000}}}', "at line 1, column 7: an integer of 5,000 digits"),
    "NaN": ('{"x": NaN}', "at line 1, column 7: NaN is not JSON"),
    "-Infinity": ('{"x": [1,\n -Infinity]}', "at line 2, column 2: -Infinity is not JSON"),
    "an overflowing float": ('{"x": 1e999}', "too large for a float"),
    "a lone surrogate": ('{"a": {"b": ["\\udc00"]}}', "a lone surrogate (\\ud800-\\udfff) at $['a']['b'][0]"),
    "a lone surrogate in a key": ('{"\\ud800x": 1}', "at $['\\ud800x']"),
    "an encoded surrogate": (b'{"a": "\xed\xa0\x80"}', "not UTF-8 text"),
}


@pytest.fixture(params=["libyaml", "pure Python"])
def yaml_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both YAML parsers PyYAML may use: libyaml's, and its own (where libyaml is missing)."""
    if request.param == "pure Python":
        pure = strict_loader(yaml.SafeLoader)
        monkeypatch.setattr(documents, "_yaml_loader", lambda: pure)
    return str(request.param)


@pytest.mark.parametrize("case", YAML_CASES)
def test_hostile_yaml_is_an_input_error_naming_the_file_and_line(case: str, yaml_parser: str) -> None:
    text, message = YAML_CASES[case]
    with pytest.raises(InputError) as caught:
        parse_yaml(text, source="overlays/cloud/999-hostile.yaml")
    assert caught.value.message.startswith("overlays/cloud/999-hostile.yaml: ")
    assert "line" in caught.value.message or "levels deep" in caught.value.message
    if yaml_parser == "libyaml" or case not in {"very deep nesting", "a lone surrogate"}:
        assert message in caught.value.message
    assert caught.value.exit_code == ExitCode.INPUT


@pytest.mark.parametrize("case", JSON_CASES)
def test_hostile_json_is_an_input_error_naming_the_file_and_place(case: str) -> None:
    text, message = JSON_CASES[case]
    with pytest.raises(InputError) as caught:
        parse_json(text, source="doc.json")
    assert caught.value.message.startswith("doc.json: ")
    assert message in caught.value.message


def test_a_document_larger_than_the_limit_is_refused_unread() -> None:
    with pytest.raises(InputError, match=r"big\.json: 32\.0 MiB, more than the 32 MiB"):
        parse_document(b" " * (document_limits.MAX_BYTES + 1), source="big.json")


def test_json_keeps_what_is_json() -> None:
    """Proper surrogate pairs, big (but not huge) numbers, 64 levels, integer YAML keys as written."""
    assert parse_json('{"a": "\\ud83d\\ude00", "n": 1e300, "i": ' + "9" * 4300 + "}", source="x")["a"] == "😀"
    assert measure(parse_json(nested(MAX_DEPTH - 1), source="x")).depth == MAX_DEPTH
    assert parse_yaml("responses:\n  200: {description: ok}\n  0x1F: hex\n", source="x") == {
        "responses": {"200": {"description": "ok"}, "0x1F": "hex"}
    }
    anchored = parse_yaml("a: &h {x: [1, 2]}\nb: *h\nc: *h\n", source="x")
    assert anchored == {"a": {"x": [1, 2]}, "b": {"x": [1, 2]}, "c": {"x": [1, 2]}}


# --- the loaders, generated -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BigInt:
    digits: int


@dataclass(frozen=True)
class Nested:
    depth: int
    inner: Any


SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
HOSTILE_TEXT = st.text(st.one_of(st.characters(), SURROGATES, st.sampled_from("\x00\x1b\u2028\ufeff\"\\'#&*!:")))
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.builds(BigInt, st.integers(4200, 4400)),
    st.floats(allow_nan=True, allow_infinity=True),
    HOSTILE_TEXT,
)
KEYS = st.one_of(
    HOSTILE_TEXT,
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True),
    st.lists(st.integers(), max_size=2),
)
TREES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(st.tuples(KEYS, children), max_size=4),  # a mapping: pairs, so keys may repeat or be unhashable
        st.builds(Nested, st.integers(1, 90), children),
    ),
    max_leaves=25,
)


def _json_scalar(value: Any) -> str:
    if isinstance(value, BigInt):
        return "9" * value.digits
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return json.dumps(value)  # lone surrogates become \udxxx escapes


def as_json(value: Any) -> str:
    """JSON text (or what passes for it: NaN, huge integers) of a generated tree; non-text keys become text."""
    if isinstance(value, Nested):
        return "[" * value.depth + as_json(value.inner) + "]" * value.depth
    if isinstance(value, list) and all(isinstance(item, tuple) for item in value) and value:
        return "{" + ",".join(f"{json.dumps(str(k))}:{as_json(v)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ",".join(as_json(item) for item in value) + "]"
    return _json_scalar(value)


def as_yaml(value: Any) -> str:
    """YAML flow text of a generated tree, keys of every kind included (lists, booleans, null, NaN)."""
    if isinstance(value, Nested):
        return "[" * value.depth + as_yaml(value.inner) + "]" * value.depth
    if isinstance(value, list) and all(isinstance(item, tuple) for item in value) and value:
        return "{" + ", ".join(f"? {as_yaml(k)} : {as_yaml(v)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(as_yaml(item) for item in value) + "]"
    if isinstance(value, float) and value != value:
        return ".nan"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    if value is None:
        return "null"
    return _json_scalar(value)


def assert_json_or_refused(text: str, source: str) -> None:
    """Either an InputError naming the source, or a bounded value that is JSON through and through."""
    try:
        value = parse_document(text.encode("utf-8", "surrogatepass"), source=source)
    except InputError as exc:
        assert exc.message.startswith(f"{source}: "), exc.message
        assert exc.exit_code == ExitCode.INPUT
        str(exc).encode("utf-8")  # printable: no lone surrogate reaches the terminal
        return
    size = measure(value)
    assert size.depth <= MAX_DEPTH and size.values <= MAX_VALUES
    assert json.loads(canonical_json(value)) == value  # serializes, and reads back the same (no NaN)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TREES)
def test_generated_json_is_json_or_refused_with_the_place(tree: Any) -> None:
    assert_json_or_refused(as_json(tree), "generated.json")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TREES, st.sampled_from(["libyaml", "pure Python"]))
def test_generated_yaml_is_json_or_refused_with_the_place(tree: Any, parser: str) -> None:
    loader = strict_loader(yaml.SafeLoader) if parser == "pure Python" else documents._yaml_loader()
    original = documents._yaml_loader
    documents._yaml_loader = lambda: loader  # type: ignore[assignment]
    try:
        assert_json_or_refused(f"x: {as_yaml(tree)}\n", "generated.yaml")
    finally:
        documents._yaml_loader = original  # type: ignore[assignment]


# --- the overlay engine: bounded growth -----------------------------------------------------------------------------

PATHS = ["$", "$.a", "$.b", "$.a[*]", "$..*", "$.*", "$..b", "$.b.c"]
ACTIONS = st.one_of(
    st.builds(lambda t: {"target": t, "remove": True}, st.sampled_from(PATHS[1:])),
    st.builds(lambda t, c: {"target": t, "copy": c}, st.sampled_from(PATHS), st.sampled_from(PATHS)),
    st.builds(
        lambda t, u: {"target": t, "update": u},
        st.sampled_from(PATHS),
        st.recursive(st.integers() | st.text(max_size=3), lambda c: st.lists(c, max_size=3), max_leaves=6).map(
            lambda v: {"u": v}
        ),
    ),
)


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """Limits small enough for Hypothesis to hit them in a few actions (the document below has 8 values)."""
    monkeypatch.setattr(document_limits, "GROWTH_ALLOWANCE", 200)
    yield document_limits.patched_limit(8)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ACTIONS, min_size=1, max_size=12))
def test_generated_overlays_never_grow_a_document_past_the_limit(small_limits: int, actions: list[Any]) -> None:
    document = {"a": [1, {"x": "y"}], "b": {"c": {"d": True}}}
    assert measure(document).values == 8
    overlay = parse_overlay(
        {"overlay": "1.1.0", "info": {"title": "t", "version": "1"}, "actions": actions}, source="h"
    )
    try:
        patched, _ = apply_overlays(document, [overlay], strict=False)
    except OverlayError as exc:
        assert exc.message.startswith("h: action #"), exc.message
        return
    size = measure(patched)
    assert size.values <= small_limits and size.depth <= MAX_DEPTH
    json.loads(canonical_json(patched))


# --- every command that reads them ---------------------------------------------------------------------------------

OVERLAY_HEAD = "overlay: 1.1.0\ninfo: {title: hostile, version: '1'}\nactions:\n"

OVERLAYS = {
    "deep nesting": (f"  - target: $.info\n    update: {{x: {nested(500)}}}\n", "line 5"),
    "a 5000-digit integer": (f"  - target: $.info\n    update: {{x: {'9' * 5000}}}\n", "line 5"),
    "a list key": ("  - target: $.info\n    update: {? [a, b] : 1}\n", "a key must be text"),
    "a mapping key": ("  - target: $.info\n    update: {? {a: 1} : 1}\n", "a key must be text"),
    "an integer key beside text keys": ("  - target: $.info\n    update: {200: a, b: c}\n", None),
    ".nan": ("  - target: $.info\n    update: {x: .nan}\n", "has no JSON form"),
    ".inf": ("  - target: $.info\n    update: {x: .inf}\n", "has no JSON form"),
    "an alias bomb": (
        "  - target: $.info\n    update:\n" + "".join(f"      {line}\n" for line in alias_bomb().splitlines()),
        "expands to more than 1,000,000 values",
    ),
    "one copy of the root into every path": ("  - target: $.paths.*\n    copy: $\n", "action #1"),
    "a copy loop": ("  - target: $.info\n    copy: $\n" * 12, "action #"),
    "a deep copy chain": ("  - target: $.info.x\n    copy: $.info\n" * 3 + "", None),
}
JSON_OVERLAYS = {
    "deep nesting": nested(100_000, '{"overlay": "1.1.0"}'),
    "a lone surrogate": json.dumps(
        {"overlay": "1.1.0", "info": {"title": "t", "version": "1"}, "actions": [{"target": "$.info"}]}
    ).replace('"$.info"}', '"$.info", "update": {"x": "\\ud800"}}'),
    "NaN": '{"overlay": "1.1.0", "info": {"title": "t", "version": "1"}, '
    '"actions": [{"target": "$.info", "update": {"x": NaN}}]}',
}


def patch(project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("JSM_OPENAPI_ROOT", str(project.root))
    code, _, err = run(capsys, "patch", "--flavor", "cloud")
    return code, err


@pytest.mark.parametrize("case", OVERLAYS)
def test_a_hostile_yaml_overlay_fails_patch_with_exit_3_naming_file_and_place(
    tmp_project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    actions, place = OVERLAYS[case]
    if case == "a deep copy chain":  # each copy nests the info object one level deeper than the last
        actions = "  - target: $.info\n    update: {x: {}}\n" + "  - target: $.info.x\n    copy: $.info\n" * 70
        place = "would nest more than 64 levels deep"
    if case == "an integer key beside text keys":  # not hostile: YAML's 200 is the key "200", as JSON writes it
        (tmp_project.overlays_dir / "cloud" / "999-hostile.yaml").write_text(OVERLAY_HEAD + actions)
        assert patch(tmp_project, capsys, monkeypatch)[0] == 0
        assert json.loads(tmp_project.patched_document("cloud").read_bytes())["info"]["200"] == "a"
        return
    (tmp_project.overlays_dir / "cloud" / "999-hostile.yaml").write_text(OVERLAY_HEAD + actions)
    code, err = patch(tmp_project, capsys, monkeypatch)
    assert code == ExitCode.INPUT, err
    assert "error: overlays/cloud/999-hostile.yaml: " in err and place in err
    assert "Traceback" not in err
    assert not tmp_project.patched_document("cloud").exists()  # nothing half-written


@pytest.mark.parametrize("case", JSON_OVERLAYS)
def test_a_hostile_json_overlay_fails_patch_with_exit_3_naming_file_and_place(
    tmp_project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    (tmp_project.overlays_dir / "cloud" / "999-hostile.json").write_text(JSON_OVERLAYS[case])
    code, err = patch(tmp_project, capsys, monkeypatch)
    assert code == ExitCode.INPUT, err
    assert "error: overlays/cloud/999-hostile.json: " in err and ("line" in err or "$[" in err)
    assert not tmp_project.patched_document("cloud").exists()


def test_overlays_status_reports_an_oversized_copy_as_a_failed_action(
    tmp_project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_project.overlays_dir / "cloud" / "999-hostile.yaml").write_text(OVERLAY_HEAD + OVERLAYS["a copy loop"][0])
    monkeypatch.setenv("JSM_OPENAPI_ROOT", str(tmp_project.root))
    code, out, err = run(capsys, "overlays", "status", "--flavor", "cloud")
    assert code == ExitCode.FINDINGS, err
    assert "failed" in out and "would hold more than" in out


def test_drift_on_a_deeply_nested_document_exits_3_naming_it(
    tmp_path: Path, mirror: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text(
        '{"openapi": "3.0.1", "info": {"title": "t", "version": "2"}, "paths": {}, "x": ' + nested(3000) + "}"
    )
    old = mirror / "jsm-cloud" / "jsm-cloud-2025-09-17.json"
    code, _, err = run(capsys, "drift", str(old), str(deep))
    assert code == ExitCode.INPUT, err
    assert f"{deep}: nested more than 64 levels deep at line 1, column" in err


def test_drift_compares_a_document_nested_to_the_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """64 levels are allowed, so every walk of drift must cope with them (none may recurse out of the stack)."""
    schema: dict[str, Any] = {"type": "object"}
    node = schema
    for _ in range(27):  # components, schemas, S, then properties/p pairs down to the limit
        node["properties"] = {"p": {"type": "object"}}
        node = node["properties"]["p"]
    old = {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": {}}}
    new = json.loads(json.dumps(old))
    new["components"]["schemas"]["S"] = schema
    assert MAX_DEPTH - 8 < measure(new).depth <= MAX_DEPTH
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    code, _, err = run(capsys, "drift", str(tmp_path / "old.json"), str(tmp_path / "new.json"))
    assert code in (ExitCode.OK, ExitCode.FINDINGS), err


# --- the mock's --db ------------------------------------------------------------------------------------------------


def foreign_databases(folder: Path) -> Iterator[tuple[str, Path, str]]:
    """(case, file, what the error says) for files that are not databases the mock wrote."""
    same_names = folder / "same-names.sqlite"
    with sqlite3.connect(same_names) as conn:
        conn.execute("CREATE TABLE records (id INTEGER, name TEXT)")
        conn.execute("INSERT INTO records VALUES (1, 'payroll')")
    yield "a table named like the mock's", same_names, "is not a mock database"
    other = folder / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER)")
    yield "another application's database", other, "is not a mock database"
    tagged = folder / "tagged.sqlite"
    with sqlite3.connect(tagged) as conn:
        conn.execute("PRAGMA application_id = 1234")
        conn.execute("CREATE TABLE t (x)")
    yield "another application id", tagged, "application id 0x4d2"
    text = folder / "notes.db"
    text.write_text("not a database\n" * 200)
    yield "a text file", text, "file is not a database"


def test_mock_db_refuses_foreign_files_with_exit_3_and_leaves_them_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for case, path, message in foreign_databases(tmp_path):
        before = path.read_bytes()
        code, _, err = run(capsys, "mock", "--flavor", "cloud", "--port", "0", "--db", str(path))
        assert code == ExitCode.INPUT, (case, err)
        assert str(path) in err and message in err, (case, err)
        assert path.read_bytes() == before, case
        assert not path.with_name(path.name + "-wal").exists(), case


def test_mock_db_refuses_a_damaged_mock_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from jsm_openapi.mock import run_mock

    db = tmp_path / "mock.sqlite"
    with run_mock("cloud", db=db):
        pass
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE records SET body = 'not json' WHERE kind = 'user'")
    code, _, err = run(capsys, "mock", "--flavor", "cloud", "--port", "0", "--db", str(db))
    assert code == ExitCode.INPUT, err
    assert f"the mock database {db} is damaged: record 'user'" in err
