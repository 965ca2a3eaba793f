"""The fast model templates read everything exactly as the straightforward ones did.

generated/templates/ reads a page about twice as fast as before (bench/bench_facade.py): no import statement per
call, positional construction, no nested parser for plain unions. tests/reference_templates/ keeps the templates as
they were before that change; this module generates both flavors with them (as jsm_<flavor>_reference, beside the
real packages) and holds the two to the same results: every example the examples oracle parses, and Hypothesis-made
payloads for every model, compared object by object (classes, fields, unknown fields, enums and their openness,
UNSET) and through to_dict (round trip), failures included.
"""

from __future__ import annotations

import copy
import datetime
import enum
import importlib
import inspect
import io
import os
import re
import shutil
import subprocess
import sys
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jsm_openapi.documents import canonical_json
from jsm_openapi.examples import OK, Example, Oracle, document_examples, seed_examples
from jsm_openapi.fetch import Fetcher
from jsm_openapi.pipeline import merged_document, patch_flavor
from jsm_openapi.project import Project
from jsm_openapi.sources import Sources

pytestmark = pytest.mark.slow
FLAVORS = ("server", "cloud")
REFERENCE = Path(__file__).parent / "reference_templates"
NEW_OVERRIDES = ("property_templates/union_property.py.jinja",)  # templates the fast set adds to the generator's


@pytest.fixture(scope="module")
def inputs(repo: Project, sources: Sources, mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    fetcher = Fetcher(tmp_path_factory.mktemp("cache"), mirror=mirror)
    out = {}
    for flavor in FLAVORS:
        raw, _ = merged_document(repo, sources.flavor(flavor), fetcher)
        out[flavor] = (raw, patch_flavor(repo, sources.flavor(flavor), fetcher))
    return out


@pytest.fixture(scope="module")
def packages(repo: Project, inputs: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """(current, reference) package per flavor: the reference is generated from the same document, old templates."""
    root = tmp_path_factory.mktemp("reference")
    templates = root / "templates"
    shutil.copytree(repo.generated_dir / "templates", templates)
    for name in NEW_OVERRIDES:
        (templates / name).unlink()
    for path in REFERENCE.rglob("*.jinja"):
        shutil.copy2(path, templates / path.relative_to(REFERENCE))
    out = {}
    for flavor in FLAVORS:
        current = importlib.import_module(f"jsm_{flavor}")
        name = f"jsm_{flavor}_reference"
        config = (repo.generated_dir / f"{flavor}.config.yaml").read_text()
        renamed = config.replace(f"package_name_override: jsm_{flavor}\n", f"package_name_override: {name}\n")
        assert renamed != config
        (root / f"{flavor}.config.yaml").write_text(renamed)
        document = root / f"{flavor}.openapi.json"
        document.write_bytes(inputs[flavor][1].serialized)
        command = [
            sys.executable, "-m", "openapi_python_client", "generate", "--meta", "none",
            "--path", str(document), "--config", str(root / f"{flavor}.config.yaml"),
            "--custom-template-path", str(templates), "--output-path", str(root / "packages" / name),
        ]  # fmt: skip
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}  # ruff's hooks
        done = subprocess.run(command, capture_output=True, text=True, cwd=root, env=env, check=False)
        assert (root / "packages" / name / "models").is_dir(), done.stdout + done.stderr
        # the index of operations, the provenance and the version are written by our pipeline, not the generator
        for written in ("_operations.py", "_provenance.py", "_version.py"):
            shutil.copy2(Path(current.__file__).parent / written, root / "packages" / name / written)
        out[flavor] = current
    sys.path.insert(0, str(root / "packages"))
    try:
        yield {flavor: (out[flavor], importlib.import_module(f"jsm_{flavor}_reference")) for flavor in FLAVORS}
    finally:
        sys.path.remove(str(root / "packages"))


# --- comparing results ----------------------------------------------------------------------------------------------


def dump(value: Any) -> Any:
    """A plain, comparable picture of a parsed value: the same for equal results of either package."""
    kind = type(value)
    if kind.__name__ == "Unset":
        return ["UNSET"]
    if attrs.has(kind):
        fields = {field.name: dump(getattr(value, field.name)) for field in attrs.fields(kind)}
        return ["model", kind.__name__, fields]
    if isinstance(value, enum.Enum):
        return ["enum", kind.__name__, value.name, dump(value.value), getattr(value, "is_known", None)]
    if isinstance(value, list | tuple):
        return [kind.__name__, [dump(item) for item in value]]
    if isinstance(value, dict):
        return ["dict", [[dump(k), dump(v)] for k, v in value.items()]]
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return [kind.__name__, value.isoformat()]
    if isinstance(value, io.IOBase) and hasattr(value, "getvalue"):  # a File's payload
        return [kind.__name__, value.getvalue()]
    if isinstance(value, float) and value != value:
        return ["float", "nan"]
    return [kind.__name__, value]


def outcome(parse: Callable[[], Any]) -> Any:
    """The parsed value and its to_dict (the round trip), or the failure: type and message."""
    try:
        parsed = parse()
    except Exception as exc:
        return ["raised", type(exc).__name__, str(exc)]
    items = parsed if isinstance(parsed, list) else [parsed]
    round_trip = []
    for item in items:
        try:
            round_trip.append(dump(item.to_dict()) if hasattr(item, "to_dict") else None)
        except Exception as exc:
            round_trip.append(["raised", type(exc).__name__, str(exc)])
    return [dump(parsed), round_trip]


def read_both(fast: Any, old: Any, payload: Any) -> tuple[Any, Any]:
    """The outcomes of one payload read by the fast model and by the reference one (each from its own copy)."""
    return outcome(lambda: fast.from_dict(copy.deepcopy(payload))), outcome(
        lambda: old.from_dict(copy.deepcopy(payload))
    )


# --- every example the oracle parses --------------------------------------------------------------------------------


def parse_like_the_oracle(oracle: Oracle, example: Example, value: Any) -> Any:
    """What the oracle's parse step returns (it only keeps ok/failed): the response, body or component object."""
    package = oracle.package
    if example.kind in {"response", "seed response"}:
        module = oracle._module(example.operation)
        assert module is not None and example.operation is not None and example.status is not None
        request = httpx.Request(example.operation[0], "http://jsm.invalid/")
        response = httpx.Response(int(example.status), content=canonical_json(value), request=request)
        response.headers["Content-Type"] = "application/json"
        return module._parse_response(client=package.Client(base_url="http://jsm.invalid"), response=response)
    if example.kind in {"request", "seed request"}:
        module = oracle._module(example.operation)
        hints = typing.get_type_hints(module._get_kwargs)
        body = hints.get("body")
        results = []
        many = isinstance(value, list) and any(typing.get_origin(a) is list for a in (body, *typing.get_args(body)))
        for model in [t for t in _flatten(body) if hasattr(t, "from_dict")]:
            items = value if many else [value]
            results.append(outcome(lambda m=model, i=items: [m.from_dict(item) for item in i]))
        return results
    name = str(example.location[2])
    from openapi_python_client.strings import pascal_case

    return getattr(importlib.import_module(f"{package.__name__}.models"), pascal_case(name)).from_dict(value)


def _flatten(annotation: Any) -> list[Any]:
    args = typing.get_args(annotation)
    return [t for arg in args for t in _flatten(arg)] if args else [annotation]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_every_example_the_oracle_parses_gives_the_same_objects(
    flavor: str, inputs: dict[str, Any], packages: dict[str, tuple[ModuleType, ModuleType]], mirror: Path
) -> None:
    raw, result = inputs[flavor]
    current, reference = packages[flavor]
    fast, old = Oracle(flavor, raw, result.document, current), Oracle(flavor, raw, result.document, reference)
    examples = [e for e in document_examples(flavor, raw) if e.value is not None]
    examples += seed_examples(Path(os.environ.get("JSM_SEEDS_DIR") or mirror.parent / "seeds"), flavor, result.document)
    compared = 0
    for example in examples:
        if fast.check(example).parsed != OK:
            continue
        location = fast._schema_location(example)
        assert location is not None
        value, _ = fast._decode(example, location)
        mine = outcome(lambda e=example, v=value: parse_like_the_oracle(fast, e, v))
        theirs = outcome(lambda e=example, v=value: parse_like_the_oracle(old, e, v))
        assert mine == theirs, example.where
        compared += 1
    assert compared >= (60 if flavor == "cloud" else 6)  # what the oracle parses (README); a silent zero fails


# --- payloads Hypothesis makes ------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True)
    | st.text(alphabet=st.characters(codec=None), max_size=12),  # lone surrogates included
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def json_names(model: type) -> list[str]:
    """The JSON names a generated model reads (its from_dict pops them)."""
    return re.findall(r'd\.pop\("((?:[^"\\]|\\.)*)"', inspect.getsource(model.from_dict))


def payload_for(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    keys = st.sampled_from(names) | st.text(max_size=8) if names else st.text(max_size=8)
    return st.dictionaries(keys, JSON_VALUES, max_size=len(names) + 2)


@pytest.mark.parametrize("flavor", FLAVORS)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_payload_gives_the_same_objects_or_the_same_failure(
    flavor: str, packages: dict[str, tuple[ModuleType, ModuleType]], data: st.DataObject
) -> None:
    current, reference = packages[flavor]
    fast_models = importlib.import_module(f"{current.__name__}.models")
    old_models = importlib.import_module(f"{reference.__name__}.models")
    name = data.draw(st.sampled_from(sorted(n for n in fast_models.__all__ if n[0].isupper())), label="model")
    fast, old = getattr(fast_models, name), getattr(old_models, name)
    if not hasattr(fast, "from_dict"):
        return  # an enum
    mine, theirs = read_both(fast, old, data.draw(payload_for(json_names(fast)), label="payload"))
    assert mine == theirs


def field_names(model: type) -> dict[str, str]:
    """JSON name → attribute name, read from the generated from_dict (`x = d.pop("jsonName"...)`)."""
    source = inspect.getsource(model.from_dict)
    pairs = re.findall(r'^\s*_?(\w+)\b[^=\n]*= [^\n]*?d\.pop\("((?:[^"\\]|\\.)*)"', source, re.MULTILINE)
    return {json_name: python_name for python_name, json_name in pairs}


def labelled_value(annotation: Any, label: str, depth: int) -> Any:
    """A JSON value the annotation's parser reads, as distinct as the type allows (strings carry the label)."""
    options = [a for a in typing.get_args(annotation) if a is not type(None) and a.__name__ != "Unset"]
    if options and typing.get_origin(annotation) is not list:
        return labelled_value(options[0], label, depth)
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return [labelled_value(item, f"{label}[0]", depth)]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return list(annotation)[-1].value
    if annotation is bool:
        return True
    if annotation in (int, float):
        return 1000 + len(label)
    if annotation is datetime.datetime:
        return "2024-05-06T07:08:09+00:00"
    if annotation is datetime.date:
        return "2024-05-06"
    if getattr(annotation, "__name__", "") == "File":  # multipart bodies: a file's bytes
        return label.encode()
    if attrs.has(annotation) and hasattr(annotation, "from_dict"):
        return labelled_payload(annotation, depth + 1) if depth < 12 else {}
    return f"value of {label}"


class _ModelsNamespace(dict[str, Any]):
    """The names a model's annotations use that only its TYPE_CHECKING imports define: from its models package."""

    def __init__(self, model: type) -> None:
        super().__init__()
        self.package = importlib.import_module(model.__module__.rsplit(".", 1)[0])

    def __missing__(self, key: str) -> Any:
        try:
            return getattr(self.package, key)
        except AttributeError:
            raise KeyError(key) from None  # then globals and builtins


def labelled_payload(model: type, depth: int = 0) -> dict[str, Any]:
    """A payload giving every field a value of its own that the model reads (a value in another field's place shows)."""
    hints = typing.get_type_hints(model, localns=_ModelsNamespace(model))
    payload = {
        json_name: labelled_value(hints[python_name], json_name, depth)
        for json_name, python_name in field_names(model).items()
        if python_name in hints
    }
    extra = typing.get_args(hints.get("additional_properties"))  # dict[str, Any] or a typed map
    value_type = extra[1] if len(extra) == 2 else Any
    payload["unknown-field"] = {"kept": True} if value_type is Any else labelled_value(value_type, "extra", depth)
    return payload


@pytest.mark.parametrize("flavor", FLAVORS)
def test_every_model_reads_a_labelled_payload_into_the_same_fields(
    flavor: str, packages: dict[str, tuple[ModuleType, ModuleType]]
) -> None:
    current, reference = packages[flavor]
    fast_models = importlib.import_module(f"{current.__name__}.models")
    old_models = importlib.import_module(f"{reference.__name__}.models")
    checked = 0
    for name in sorted(n for n in fast_models.__all__ if n[0].isupper()):
        fast, old = getattr(fast_models, name), getattr(old_models, name)
        if not hasattr(fast, "from_dict"):
            continue
        mine, theirs = read_both(fast, old, labelled_payload(old))
        assert mine == theirs, name
        assert mine[0][0] == "model", (name, mine)  # the payload was read, not refused
        checked += 1
    assert checked > (100 if flavor == "cloud" else 900)  # every model of the package (125 Cloud, 900+ Server)
