"""Component renames: a schema removed and another added with the same structure, the `$ref`s following it.

openapi-python-client names a model class after its component, so `CmdbWorkspaceDTO` → `InsightWorkspaceDTO` breaks
every import of the old class even when nothing else changed. Two kinds of evidence are combined:

- the `$ref`s the differ saw change at matching places (`CmdbWorkspaceDTO` here, `InsightWorkspaceDTO` there), and
- structure: both schemas are equal once documentation is dropped and references to other renamed components are
  followed (so a paged wrapper renamed together with its item type still matches, cycles included).

A removed schema with no `$ref` evidence is paired only when exactly one added schema has its structure and that
structure says something (properties, an enum, a composition): two bare `{type: object}` are not a rename.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from ..documents import Json, canonical_json
from ..pointers import join, ref_name
from .collect import DESCRIPTION_KEYS, EXAMPLE_KEYS

SCHEMAS = "#/components/schemas"
_DOC_KEYS = frozenset({*DESCRIPTION_KEYS, *EXAMPLE_KEYS, "title", "externalDocs", "xml"})
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "oneOf", "anyOf", "prefixItems")
_SCHEMA_VALUES = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")
_WILDCARD = "*renamed*"


def schema_ref(name: str) -> str:
    return join(SCHEMAS, name)


def structure(schema: Json, rename: Callable[[str], str]) -> Json:
    """A schema without its documentation, `required` as a set, every `$ref` passed through `rename`.

    Only schema keywords are walked: property names, enum values and defaults are kept as they are.
    """
    if isinstance(schema, list):
        return [structure(item, rename) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DOC_KEYS or key.startswith("x-"):
            continue
        if key == "$ref" and isinstance(value, str):
            result[key] = rename(value)
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            result[key] = {name: structure(sub, rename) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            result[key] = [structure(sub, rename) for sub in value]
        elif key in _SCHEMA_VALUES and isinstance(value, dict):
            result[key] = structure(value, rename)
        elif key == "required" and isinstance(value, list):
            result[key] = sorted(str(v) for v in value)
        else:
            result[key] = value
    return result


def _says_something(schema: Json) -> bool:
    """Whether a structure is specific enough to identify a schema without `$ref` evidence."""
    return isinstance(schema, dict) and any(
        schema.get(key) for key in ("properties", "enum", "allOf", "oneOf", "anyOf", "items")
    )


def find_renames(
    old_schemas: dict[str, Json], new_schemas: dict[str, Json], observed: Iterable[tuple[str, str]] = ()
) -> dict[str, str]:
    """Old component name → new name, for every removed schema renamed into an added one.

    `observed` holds the (old `$ref`, new `$ref`) pairs seen at matching places of the two documents.
    """
    removed = sorted(name for name in old_schemas if name not in new_schemas)
    added = sorted(name for name in new_schemas if name not in old_schemas)
    if not removed or not added:
        return {}
    removed_set, added_set = set(removed), set(added)
    seen: Counter[tuple[str, str]] = Counter()
    for old_ref, new_ref in observed:
        old_name, new_name = _component(old_ref), _component(new_ref)
        if old_name in removed_set and new_name in added_set:
            seen[(old_name, new_name)] += 1
    candidates = dict(seen)

    # removed schemas nothing pointed at: one added schema with the same (specific) shape
    def wildcard(ref: str) -> str:
        name = _component(ref)
        return _WILDCARD if name in removed_set or name in added_set else ref

    shapes: dict[bytes, list[str]] = {}
    for name in added:
        shapes.setdefault(canonical_json(structure(new_schemas[name], wildcard)), []).append(name)
    evidenced = {old for old, _ in candidates}
    for name in removed:
        if name in evidenced or not _says_something(old_schemas[name]):
            continue
        matches = shapes.get(canonical_json(structure(old_schemas[name], wildcard)), [])
        if len(matches) == 1:
            candidates[(name, matches[0])] = 0
    return _verified(_paired(candidates), old_schemas, new_schemas)


def _paired(candidates: dict[tuple[str, str], int]) -> dict[str, str]:
    """One-to-one pairs: most `$ref` evidence first, then the most similar names."""
    from difflib import SequenceMatcher  # imported here: most comparisons have no candidate at all

    ranked = sorted(
        candidates.items(),
        key=lambda item: (-item[1], -SequenceMatcher(None, item[0][0], item[0][1]).ratio(), item[0]),
    )
    pairs: dict[str, str] = {}
    taken: set[str] = set()
    for (old, new), _ in ranked:
        if old not in pairs and new not in taken:
            pairs[old] = new
            taken.add(new)
    return pairs


def _verified(pairs: dict[str, str], old_schemas: dict[str, Json], new_schemas: dict[str, Json]) -> dict[str, str]:
    """Keep the pairs whose structures are equal when every other kept pair is taken as renamed (a fixpoint)."""
    while True:
        current = dict(pairs)

        def renamed(ref: str, mapping: dict[str, str] = current) -> str:
            name = _component(ref)
            return schema_ref(mapping[name]) if name in mapping else ref

        failing = [
            old
            for old, new in current.items()
            if canonical_json(structure(old_schemas[old], renamed))
            != canonical_json(structure(new_schemas[new], lambda ref: ref))
        ]
        if not failing:
            return current
        for old in failing:
            del pairs[old]


def _component(ref: str) -> str | None:
    """The schema name of a `#/components/schemas/<name>` ref, else None."""
    if not ref.startswith(SCHEMAS + "/") or ref.count("/") != 3:
        return None
    return ref_name(ref)
