"""The examples oracle: Atlassian's own examples, held against the patched documents and the generated clients.

Every example inside a flavor's upstream documents (request and response bodies, parameters, headers, and schemas,
inline or in components) must validate against the schema at the same place in the patched document (OpenAPI 3.0
semantics: nullable, readOnly in requests, writeOnly in responses) and, where a generated model reads it, parse
through that model. The seed pages in ../shared/seeds are read the same way. An overlay that breaks an example, or a
gap an example exposes, shows up here.

Rules (overlays/README.md, "Examples oracle"):
- `example: null` is the Java generator's placeholder for "no example" (overlay server/080 removes it); it is
  counted as a placeholder, not checked.
- Cloud writes its response examples as JSON text: a string example of a JSON media type whose schema is not a
  string is decoded before it is checked.
- An example that fails is an exception, not a failure, only when an overlay action removed that very example from
  the patched document (an example that is wrong itself: Java toString() text, a misplaced value); the action's
  description is the reason. Every other failing example is a finding.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import re
import typing
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import openapi_schema_validator as oas
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from .documents import Json, canonical_json
from .errors import InputError
from .operations import document_operations
from .overlay import ActionReport
from .pointers import Location, Resolver, join, jsonpath_of

OK, INVALID, UNPARSED, MISSING = "ok", "invalid", "unparsed", "no schema"
_DOCUMENT_URI = "urn:jsm-openapi:patched"
_JSON_MEDIA = re.compile(r"^application/(.+\+)?json\b")


@dataclass(frozen=True)
class Example:
    """One example and where its schema lives (the same place in the raw and the patched document)."""

    flavor: str
    kind: str  # request | response | parameter | header | schema | seed request | seed response | captured response
    location: Location
    value: Any
    schema_location: Location | None
    operation: tuple[str, str] | None = None  # (METHOD, path) for bodies, parameters and seeds
    status: str | None = None  # response status code
    source: str = "document"  # the upstream document, or a seed file name

    @property
    def where(self) -> str:
        return jsonpath_of(self.location) if self.source == "document" else f"{self.source} ({self.kind})"


@dataclass(frozen=True)
class Check:
    """The verdict on one example: schema validation, then parsing through the generated code."""

    example: Example
    valid: str  # OK | INVALID | MISSING
    parsed: str  # OK | UNPARSED | "n/a" (nothing generated reads it)
    detail: str = ""
    decoded: bool = False  # a JSON-text example that was decoded first
    excuse: str | None = None  # why a failing example is an exception: the overlay action that removed it

    @property
    def passed(self) -> bool:
        return self.valid == OK and self.parsed != UNPARSED


@dataclass
class OracleReport:
    """Every example of one flavor and its verdict."""

    flavor: str
    checks: list[Check] = field(default_factory=list)
    placeholders: int = 0

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed and c.excuse is None]

    @property
    def exceptions(self) -> list[Check]:
        return [c for c in self.checks if not c.passed and c.excuse is not None]

    def counts(self) -> dict[str, Any]:
        kinds = Counter(c.example.kind for c in self.checks)
        return {
            "flavor": self.flavor,
            "examples": len(self.checks),
            "by_kind": dict(sorted(kinds.items())),
            "validated": sum(c.valid == OK for c in self.checks),
            "parsed": sum(c.parsed == OK for c in self.checks),
            "parse_not_applicable": sum(c.parsed == "n/a" for c in self.checks),
            "passed": sum(c.passed for c in self.checks),
            "exceptions": len(self.exceptions),
            "failures": len(self.failures),
            "placeholders_skipped": self.placeholders,
        }


# --- collecting examples from a raw document -----------------------------------------------------------------------


def _schema_examples(flavor: str, schema: Any, where: Location, seen: set[int]) -> Iterator[Example]:
    """Examples on a schema and on every schema nested in it."""
    if not isinstance(schema, dict) or id(schema) in seen:
        return
    seen.add(id(schema))
    if "example" in schema:
        yield Example(flavor, "schema", (*where, "example"), schema["example"], where)
    for key in ("properties", "patternProperties"):
        for name, sub in (schema.get(key) or {}).items():
            yield from _schema_examples(flavor, sub, (*where, key, name), seen)
    for key in ("items", "additionalProperties", "not"):
        yield from _schema_examples(flavor, schema.get(key), (*where, key), seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for index, sub in enumerate(schema.get(key) or []):
            yield from _schema_examples(flavor, sub, (*where, key, index), seen)


def _holder_examples(flavor: str, kind: str, holder: Any, where: Location, **context: Any) -> Iterator[Example]:
    """Examples of a media type, parameter or header object (`example`, `examples.*.value`), then of its schema."""
    if not isinstance(holder, dict):
        return
    schema_at: Location = (*where, "schema")  # looked up in the patched document, where an overlay may have added it
    if "example" in holder:
        yield Example(flavor, kind, (*where, "example"), holder["example"], schema_at, **context)
    for name, entry in (holder.get("examples") or {}).items():
        if isinstance(entry, dict) and "value" in entry:
            yield Example(flavor, kind, (*where, "examples", name, "value"), entry["value"], schema_at, **context)
    yield from _schema_examples(flavor, holder.get("schema"), (*where, "schema"), set())


def document_examples(flavor: str, document: Json) -> Iterator[Example]:
    """Every example of a (raw) document, in document order."""
    for method, path, operation in document_operations(document):
        op = (method.upper(), path)
        base: Location = ("paths", path, method)
        for index, parameter in enumerate(operation.get("parameters") or []):
            yield from _holder_examples(flavor, "parameter", parameter, (*base, "parameters", index), operation=op)
        body = operation.get("requestBody") or {}
        for media, holder in (body.get("content") or {}).items():
            at_media: Location = (*base, "requestBody", "content", media)
            yield from _holder_examples(flavor, "request", holder, at_media, operation=op)
        for status, response in (operation.get("responses") or {}).items():
            if not isinstance(response, dict):
                continue
            at: Location = (*base, "responses", status)
            for media, holder in (response.get("content") or {}).items():
                yield from _holder_examples(
                    flavor, "response", holder, (*at, "content", media), operation=op, status=str(status)
                )
            for name, header in (response.get("headers") or {}).items():
                yield from _holder_examples(flavor, "header", header, (*at, "headers", name), operation=op)
    for name, schema in ((document.get("components") or {}).get("schemas") or {}).items():
        yield from _schema_examples(flavor, schema, ("components", "schemas", name), set())


# --- the seed pages --------------------------------------------------------------------------------------------------

_SEED_OPERATION = re.compile(r"\b(GET|POST|PUT|DELETE)\s*/(?:rest/)?(servicedeskapi/[\w/{}]+)")


def _json_objects(text: str) -> Iterator[tuple[int, Any]]:
    """Top-level JSON objects embedded in text (position, value)."""
    decoder = json.JSONDecoder()
    index = text.find("{")
    while index != -1:
        try:
            value, end = decoder.raw_decode(text, index)
        except ValueError:
            index = text.find("{", index + 1)
            continue
        if isinstance(value, dict):
            yield index, value
        index = text.find("{", end)


def seed_examples(seeds_dir: Path, flavor: str, document: Json) -> list[Example]:
    """The request and response bodies of the seed pages that document this flavor (read from the files each time).

    A seed page is Cloud's when it shows a https://<site>.atlassian.net URL, Server's when it shows {baseurl}; the
    operation is the one it names (e.g. POST /servicedeskapi/customer), mapped onto this flavor's paths; the response
    is the last JSON object on the page, the request the one passed to curl's --data.
    """
    if not seeds_dir.is_dir():
        raise InputError(f"seeds folder {seeds_dir} does not exist", hint="point --seeds at ../shared/seeds")
    examples = []
    prefix = "/rest/" if flavor == "cloud" else "/"
    for path in sorted(seeds_dir.iterdir()):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        page_flavor = "cloud" if "atlassian.net" in text else "server" if "{baseurl}" in text else None
        named = _SEED_OPERATION.search(text)
        if page_flavor != flavor or not named:
            continue
        method, api_path = named.group(1), prefix + named.group(2)
        operation = (document.get("paths", {}).get(api_path) or {}).get(method.lower())
        if not operation:
            raise InputError(f"seed {path.name}: {method} {api_path} is not an operation of the {flavor} document")
        objects = list(_json_objects(text))
        data = text.find("--data")
        requests = [(at, value) for at, value in objects if data != -1 and at > data][:1]
        responses = [value for at, value in objects if (at, value) not in requests][-1:]
        success = next((code for code in operation.get("responses", {}) if str(code).startswith("2")), "")
        base: Location = ("paths", api_path, method.lower())
        op = (method, api_path)
        for _, value in requests:
            media = _first_media(path, f"{method} {api_path} request body", operation.get("requestBody"))
            at = (*base, "requestBody", "content", media, "schema")
            examples.append(Example(flavor, "seed request", (), value, at, operation=op, source=path.name))
        for value in responses:
            holder = operation.get("responses", {}).get(success)
            media = _first_media(path, f"{method} {api_path} {success or '2xx'} response", holder)
            at = (*base, "responses", success, "content", media, "schema")
            examples.append(Example(flavor, "seed response", (), value, at, op, status=str(success), source=path.name))
    return examples


def _first_media(seed: Path, what: str, holder: Any) -> str:
    """The first media type of a request body or response that a seed page shows a body for."""
    content = holder.get("content") if isinstance(holder, dict) else None
    if not content:
        raise InputError(
            f"seed {seed.name}: the page shows a body, but the {what} has no content in the patched document",
            hint="document the body with an overlay (overlays/README.md), or check the seed page",
        )
    return str(next(iter(content)))


# --- checking --------------------------------------------------------------------------------------------------------


def _get(document: Json, location: Location) -> Any:
    node = document
    for step in location:
        node = node[step]
    return node


class Oracle:
    """Checks examples against one flavor's patched document and generated package."""

    def __init__(self, flavor: str, raw: Json, patched: Json, package: ModuleType) -> None:
        self.flavor = flavor
        self.raw = raw
        self.patched = patched
        self.resolver = Resolver(patched, f"{flavor} patched document")
        self.package = package
        resource: Resource[Any] = Resource.from_contents(patched, default_specification=DRAFT4)
        self.registry: Registry[Any] = Registry().with_resource(_DOCUMENT_URI, resource)
        operations = importlib.import_module(f"{package.__name__}._operations").OPERATIONS
        self.modules = {(o["method"], o["path"]): o["module"] for o in operations}

    # -- the schema side --

    def _validator(self, kind: str, location: Location) -> Any:
        cls = {"request": oas.OAS30WriteValidator, "seed request": oas.OAS30WriteValidator}.get(
            kind, oas.OAS30ReadValidator if "response" in kind else oas.OAS30Validator
        )
        return cls({"$ref": join(f"{_DOCUMENT_URI}#", *location)}, registry=self.registry)

    def _decode(self, example: Example, schema_location: Location) -> tuple[Any, bool]:
        """Cloud's JSON-text examples: decode a string example of a JSON media type whose schema is not a string."""
        value = example.value
        media = str(schema_location[-2]) if len(schema_location) > 1 else ""
        if not isinstance(value, str) or example.kind not in {"request", "response"} or not _JSON_MEDIA.match(media):
            return value, False
        if self._resolve(schema_location).get("type") == "string":
            return value, False
        try:
            return json.loads(value), True
        except ValueError:
            return value, False

    def _resolve(self, location: Location) -> dict[str, Any]:
        node, _ = self.resolver.deref(_get(self.patched, location), join("#", *location))
        return node if isinstance(node, dict) else {}

    # -- the generated-code side --

    def _module(self, operation: tuple[str, str] | None) -> ModuleType | None:
        if operation is None or operation not in self.modules:
            return None
        return importlib.import_module(f"{self.package.__name__}.{self.modules[operation]}")

    def _parse_response(self, example: Example, value: Any) -> str:
        module = self._module(example.operation)
        if module is None or example.status is None or not example.status.isdigit():
            return "n/a"
        client = self.package.Client(base_url="http://jsm.invalid")
        request = httpx.Request(example.operation[0] if example.operation else "GET", "http://jsm.invalid/")
        response = httpx.Response(int(example.status), content=canonical_json(value), request=request)
        response.headers["Content-Type"] = "application/json"
        if module._parse_response(client=client, response=response) is None:
            # the generated code gives None for an error body it cannot read: for a documented example, a finding
            raise ValueError(f"the generated parser of {example.status} returned None")
        return OK

    def _parse_body(self, example: Example, value: Any) -> str:
        module = self._module(example.operation)
        if module is None:
            return "n/a"
        hints = typing.get_type_hints(module._get_kwargs)
        models = [t for t in _flatten(hints.get("body")) if hasattr(t, "from_dict")]
        if not models:
            return "n/a"
        errors = []
        for model in models:
            try:
                if isinstance(value, list) and _is_list_of(hints.get("body"), model):
                    [model.from_dict(item) for item in value]
                else:
                    model.from_dict(value)
                return OK
            except (TypeError, ValueError, KeyError, AttributeError) as exc:
                errors.append(f"{model.__name__}: {exc!r}")
        raise ValueError("; ".join(errors))

    def _parse_component(self, example: Example, value: Any) -> str:
        if example.source != "document" or len(example.location) != 4 or example.location[0] != "components":
            return "n/a"  # nested schema examples are checked against their schema only
        name = str(example.location[2])
        model = getattr(importlib.import_module(f"{self.package.__name__}.models"), _class_name(name), None)
        if model is None or not hasattr(model, "from_dict") or not isinstance(value, dict):
            return "n/a"
        model.from_dict(value)
        return OK

    def _schema_location(self, example: Example) -> Location | None:
        """Where the example's schema is in the patched document; parameters are found by name (overlays move them)."""
        location = example.schema_location
        if location is None:
            return None
        if example.kind == "parameter" and example.source == "document":
            _, path, method, *_ = example.location
            name = _get(self.raw, example.location[:5]).get("name")
            parameters = ((self.patched["paths"].get(path) or {}).get(method) or {}).get("parameters") or []
            found = [i for i, parameter in enumerate(parameters) if parameter.get("name") == name]
            if not found:
                return None
            location = (*example.location[:4], found[0], *location[5:])
        try:
            _get(self.patched, location)
        except (KeyError, IndexError, TypeError):
            return None
        return location

    def check(self, example: Example) -> Check:
        location = self._schema_location(example)
        if location is None:
            return Check(example, MISSING, "n/a", "the patched document has no schema at this place")
        value, decoded = self._decode(example, location)
        error = best_match(self._validator(example.kind, location).iter_errors(value))
        if error is not None:
            where = jsonpath_of(("value", *error.absolute_path))
            return Check(example, INVALID, "n/a", f"{where}: {error.message[:300]}", decoded)
        try:
            if example.kind in {"response", "seed response", "captured response"}:
                parsed = self._parse_response(example, value)
            elif example.kind in {"request", "seed request"}:
                parsed = self._parse_body(example, value)
            elif example.kind == "schema":
                parsed = self._parse_component(example, value)
            else:
                parsed = "n/a"
        except Exception as exc:  # any failure of generated code to read a valid example is a finding
            return Check(example, OK, UNPARSED, f"{type(exc).__name__}: {str(exc)[:300]}", decoded)
        return Check(example, OK, parsed, "", decoded)


def _flatten(annotation: Any) -> list[Any]:
    args = typing.get_args(annotation)
    if not args:
        return [annotation]
    if typing.get_origin(annotation) is list:
        return _flatten(args[0])
    return [t for arg in args for t in _flatten(arg)]


def _is_list_of(annotation: Any, model: Any) -> bool:
    return any(
        typing.get_origin(a) is list and model in _flatten(a) for a in (annotation, *typing.get_args(annotation))
    )


def _class_name(schema_name: str) -> str:
    from openapi_python_client.strings import pascal_case

    return pascal_case(schema_name)


def removed_examples(actions: Iterable[ActionReport]) -> dict[str, str]:
    """Examples that overlay actions removed, by location: the reason each is an exception."""
    return {
        location: f"{action.label}: {' '.join(action.description.split())}"
        for action in actions
        if action.kind == "remove"
        for location in action.locations
        if location.endswith("['example']")
    }


def run_oracle(
    flavor: str,
    raw: Json,
    patched: Json,
    package: ModuleType,
    *,
    removed: dict[str, str] | None = None,
    seeds_dir: Path | None = None,
) -> OracleReport:
    """Check every example of a flavor's raw documents (and its seed pages) against the patched document and package.

    `removed` maps example locations an overlay removed to the reason (see removed_examples).
    """
    oracle = Oracle(flavor, raw, patched, package)
    report = OracleReport(flavor)
    excuses = removed or {}
    for example in document_examples(flavor, raw):
        if example.value is None:
            report.placeholders += 1
            continue
        check = oracle.check(example)
        if not check.passed and example.where in excuses:
            check = dataclasses.replace(check, excuse=excuses[example.where])
        report.checks.append(check)
    if seeds_dir is not None:
        report.checks.extend(oracle.check(e) for e in seed_examples(seeds_dir, flavor, patched))
    return report
