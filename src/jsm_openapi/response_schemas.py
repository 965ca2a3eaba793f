"""Every operation's response bodies as JSON Schema (draft 4), written into the generated package at generation time.

The facade validates answers against the patched document (`jsm.Client(..., validate="warn")`) without the document
at hand: an installed client has no checkout and no `build/` folder. So the generator step writes
`<package>/_response_schemas.json`, already converted from OpenAPI 3.0 Schema Objects to plain JSON Schema draft 4
(which every validator library reads), with OpenAPI's own semantics resolved here once:

- `nullable: true` adds `null` to `type` (and to `enum`); without a `type` the schema becomes `anyOf [null, schema]`;
- `writeOnly` properties must not appear in an answer (`not: {}`) and are never required there; `readOnly` is
  allowed (answers are where read-only fields live);
- `additionalProperties` stays exactly as the document says (closed where it says `false`, open elsewhere);
- annotations (`description`, `example`, `format`, `deprecated`, `xml`, `discriminator`, `x-*`) are dropped:
  formats are not checked, as in the examples oracle (`openapi-schema-validator` without a format checker);
- `$ref: #/components/schemas/X` becomes `#/definitions/X`; only definitions some answer reaches are kept.

Each documented status of an operation maps to its JSON body's schema (`null` when the answer has no JSON body) and
to `at`, the JSON pointer of that schema in the patched document, so a deviation found in an answer can name the
place an overlay would fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .documents import Json
from .operations import document_operations
from .pointers import join

FORMAT = "jsm-response-schemas"
VERSION = 1
FILE_NAME = "_response_schemas.json"
DIALECT = "http://json-schema.org/draft-04/schema#"
_COMPONENT = re.compile(r"^#/components/schemas/([^/]+)$")
_JSON_MEDIA = re.compile(r"^application/(?:[\w.+-]+\+)?json\b", re.IGNORECASE)
# The validation keywords OpenAPI 3.0's Schema Object shares with JSON Schema draft 4 (kept as they are).
_KEPT = (
    "type", "enum", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength",
    "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties",
)  # fmt: skip
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


class _Converter:
    """Converts schemas of one document, collecting the component schemas they reference."""

    def __init__(self, document: Json) -> None:
        self.document = document
        self.components: dict[str, Any] = ((document.get("components") or {}).get("schemas")) or {}
        self.definitions: dict[str, Any] = {}
        self._pending: list[str] = []

    def convert(self, schema: Any) -> Any:
        if not isinstance(schema, dict):
            return {} if schema is True or schema is None else {"not": {}}
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._ref(ref)
        out: dict[str, Any] = {key: schema[key] for key in _KEPT if key in schema}
        properties = schema.get("properties")
        write_only: set[str] = set()
        if isinstance(properties, dict):
            out["properties"] = {}
            for name, sub in properties.items():
                if isinstance(sub, dict) and sub.get("writeOnly") is True and "$ref" not in sub:
                    write_only.add(name)
                    out["properties"][name] = {"not": {}}
                else:
                    out["properties"][name] = self.convert(sub)
        required = [name for name in schema.get("required") or [] if name not in write_only]
        if required:
            out["required"] = required
        additional = schema.get("additionalProperties")
        if isinstance(additional, bool):
            out["additionalProperties"] = additional
        elif isinstance(additional, dict):
            out["additionalProperties"] = self.convert(additional)
        if "items" in schema:
            out["items"] = self.convert(schema["items"])
        for key in _SCHEMA_LISTS:
            if isinstance(schema.get(key), list):
                out[key] = [self.convert(sub) for sub in schema[key]]
        if isinstance(schema.get("not"), dict):
            out["not"] = self.convert(schema["not"])
        if schema.get("nullable") is True:
            return _nullable(out)
        return out

    def _ref(self, ref: str) -> Any:
        match = _COMPONENT.match(ref)
        if match is None:  # a pointer into a path or into a component's insides: inline its target
            return self.convert(_lookup(self.document, ref))
        name = match.group(1).replace("~1", "/").replace("~0", "~")
        if name not in self.components:
            return {}  # a dangling reference: the patched document is checked elsewhere; nothing to hold an answer to
        if name not in self.definitions:
            self.definitions[name] = {}  # a placeholder first: recursive schemas refer to themselves
            self._pending.append(name)
        return {"$ref": join("#/definitions", name)}

    def finish(self) -> dict[str, Any]:
        """Convert every referenced component (and what those reference in turn)."""
        while self._pending:
            name = self._pending.pop()
            self.definitions[name] = self.convert(self.components[name])
        return dict(sorted(self.definitions.items()))


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
        if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return schema
    if not schema:
        return schema  # already accepts null
    return {"anyOf": [{"type": "null"}, schema]}


def _lookup(document: Json, ref: str) -> Any:
    node: Any = document
    for raw in ref[2:].split("/"):
        segment = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(segment)] if isinstance(node, list) else node[segment]
    return node


def _responses(document: Json, method: str, path: str, operation: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    """(status, JSON body schema or None, the schema's pointer) for every declared response of an operation."""
    for status, declared in (operation.get("responses") or {}).items():
        response, at = declared, join("#/paths", path, method, "responses", str(status))
        ref = declared.get("$ref") if isinstance(declared, dict) else None
        if isinstance(ref, str) and ref.startswith("#/"):
            response, at = _lookup(document, ref), ref
        content: dict[str, Any] = (response.get("content") if isinstance(response, dict) else None) or {}
        media = next((m for m in content if _JSON_MEDIA.match(m)), None)
        holder = content.get(media) if media is not None else None
        if not isinstance(holder, dict) or "schema" not in holder:
            yield str(status), None, ""
            continue
        yield str(status), holder["schema"], join(at, "content", str(media), "schema")


def response_schemas(document: Json) -> dict[str, Any]:
    """The file's content: every operation's responses (by "METHOD path" and status) and the definitions they use."""
    converter = _Converter(document)
    operations: dict[str, dict[str, Any]] = {}
    for method, path, operation in document_operations(document):
        statuses: dict[str, Any] = {}
        for status, schema, at in _responses(document, method, path, operation):
            statuses[status] = {"schema": None} if schema is None else {"schema": converter.convert(schema), "at": at}
        operations[f"{method.upper()} {path}"] = dict(sorted(statuses.items()))
    return {
        "format": FORMAT,
        "version": VERSION,
        "dialect": DIALECT,
        "definitions": converter.finish(),
        "operations": dict(sorted(operations.items())),
    }


def write_response_schemas(package_dir: Path, document: Json) -> None:
    """`<package>/_response_schemas.json`: compact, keys sorted (regeneration stays byte-identical)."""
    text = json.dumps(response_schemas(document), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    (package_dir / FILE_NAME).write_text(text + "\n", encoding="utf-8")
