"""Compare two JSON Schemas (OpenAPI 3.0/3.1 schema objects) from the client's side.

Local `$ref`s are not followed inline: a pair of referenced components becomes an *edge*, compared once per direction
(request or response) and memoized, so a component shared by a hundred operations is diffed once and its changes
are reported once, at the component's pointer, with every operation that reaches it. Cycles end by construction.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from ..documents import Json, canonical_json
from ..pointers import Resolver, is_local, local_refs, ref_name, ref_of
from .collect import DESCRIPTION_KEYS, EXAMPLE_KEYS, Edge, Found, Loc

COMPOSITION = ("allOf", "oneOf", "anyOf")
UPPER_BOUNDS = ("maxLength", "maximum", "maxItems", "maxProperties")
LOWER_BOUNDS = ("minLength", "minimum", "minItems", "minProperties")
FLAGS = ("exclusiveMaximum", "exclusiveMinimum", "uniqueItems")
CONSTRAINTS = (*UPPER_BOUNDS, *LOWER_BOUNDS, *FLAGS, "pattern", "multipleOf")
DOC_KEYS = (*DESCRIPTION_KEYS, *EXAMPLE_KEYS, "title", "externalDocs", "xml")
HANDLED = frozenset(
    {
        "$ref",
        "type",
        "format",
        "enum",
        "nullable",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "not",
        "default",
        "readOnly",
        "writeOnly",
        "deprecated",
        "discriminator",
        *COMPOSITION,
        *CONSTRAINTS,
        *DOC_KEYS,
    }
)


def schema_type(schema: Json) -> str | None:
    """The schema's type, inferred when left out (properties → object, items → array); None means any."""
    if not isinstance(schema, dict):
        return None
    declared = schema.get("type")
    if isinstance(declared, list):
        kinds = sorted(t for t in declared if t != "null")
        return "|".join(kinds) if kinds else None
    if isinstance(declared, str):
        return declared
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def nullable(schema: Json) -> bool:
    if not isinstance(schema, dict):
        return False
    declared = schema.get("type")
    return schema.get("nullable") is True or (isinstance(declared, list) and "null" in declared)


def describe(schema: Json) -> str:
    """A short reading of a schema: `string (binary)`, `array of MultipartFile`, `UserDTO`, `any`."""
    ref = ref_of(schema)
    if ref is not None:
        return ref_name(ref)
    if not isinstance(schema, dict):
        return "any"
    kind = schema_type(schema)
    if kind is None:
        for key in COMPOSITION:
            if key in schema:
                return f"{key} of " + ", ".join(describe(s) for s in schema[key])
        return "any"
    if kind == "array":
        return f"array of {describe(schema.get('items'))}"
    fmt = schema.get("format")
    return f"{kind} ({fmt})" if fmt else kind


class Place(NamedTuple):
    """Where a comparison is: location, how messages name it, request or response, where findings go, and whether
    the schema is an array's `items` (whose defaults the generator ignores)."""

    loc: Loc
    label: str
    direction: str
    out: Found
    items: bool = False


def _values(items: list[Any]) -> dict[bytes, Any]:
    return {canonical_json(v): v for v in items}


class SchemaDiffer:
    """Compares schemas of two documents; components are compared once per (old, new, direction)."""

    def __init__(self, old: Resolver, new: Resolver) -> None:
        self.old, self.new = old, new
        self._memo: dict[Edge, Found] = {}
        self._closures: dict[Edge, frozenset[Edge]] = {}

    def component(self, edge: Edge) -> Found:
        """The changes inside one pair of components (not following their own refs), memoized."""
        if edge in self._memo:
            return self._memo[edge]
        found = Found()
        self._memo[edge] = found
        old_ref, new_ref, direction = edge
        if old_ref == new_ref and not self.old.has(old_ref):
            return found  # a component new in this version, reached from something new: reported where it is used
        old_node, new_node = self.old.lookup(old_ref), self.new.lookup(new_ref)
        old_name, new_name = ref_name(old_ref), ref_name(new_ref)
        if old_name == new_name:
            loc, label = Loc(old_ref, new_ref, new_ref), new_name
        else:  # a component compared with its successor under another name: say both
            loc, label = Loc(old_ref, new_ref, f"{old_ref}→{new_name}"), f"{old_name} → {new_name}"
        self.compare(old_node, new_node, Place(loc, label, direction, found))
        return found

    def closure(self, edge: Edge) -> frozenset[Edge]:
        """Every component pair reachable from one pair (itself included), computed once per pair."""
        cached = self._closures.get(edge)
        if cached is not None:
            return cached
        seen: set[Edge] = set()
        stack = [edge]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            done = self._closures.get(current)
            if done is not None:  # a finished closure: take it whole
                seen |= done
                continue
            seen.add(current)
            stack.extend(self.component(current).edges - seen)
        result = frozenset(seen)
        self._closures[edge] = result
        return result

    def reachable(self, edges: set[Edge]) -> Found:
        """Every change in the components reachable from `edges` (transitively), each pair once."""
        reached: set[Edge] = set()
        for edge in edges:
            reached |= self.closure(edge)
        result = Found(edges=reached)
        for edge in sorted(reached):
            result.drafts.extend(self._memo[edge].drafts)
        return result

    def compare(self, old: Json, new: Json, place: Place) -> None:
        """Compare two schemas at a place (its label names it in messages, e.g. `CustomerCreateDTO.email`)."""
        loc, label, direction, out, items = place
        old_ref, new_ref = ref_of(old), ref_of(new)
        if old_ref and new_ref and is_local(old_ref) and is_local(new_ref):
            if ref_name(old_ref) != ref_name(new_ref):
                out.add(
                    f"{direction}-schema-ref-changed",
                    f"{label}: schema {ref_name(old_ref)} → {ref_name(new_ref)}",
                    loc,
                    old=old_ref,
                    new=new_ref,
                )
            out.edges.add((old_ref, new_ref, direction))
            return
        if old_ref or new_ref:
            out.add(
                f"{direction}-schema-ref-changed",
                f"{label}: schema {describe(old)} → {describe(new)}",
                loc,
                old=old_ref or describe(old),
                new=new_ref or describe(new),
            )
            old, old_ptr = self.old.deref(old, loc.old)
            new, new_ptr = self.new.deref(new, loc.new)
            loc = Loc(old_ptr, new_ptr, loc.stable)
        if old == new:
            refs = local_refs(new)
            out.edges.update((ref, ref, direction) for ref in refs)
            return
        if not isinstance(old, dict) or not isinstance(new, dict):
            out.add(f"{direction}-schema-keyword-changed", f"{label}: schema {old!r} → {new!r}", loc, old=old, new=new)
            return
        out.documentation(old, new, loc, label)
        at = Place(loc, label, direction, out, items)
        if not self._types(old, new, at):
            return  # a type change says it all; what is below no longer compares
        self._nullable(old, new, at)
        self._format(old, new, at)
        self._enum(old, new, at)
        self._properties(old, new, at)
        self._additional(old, new, at)
        self._items(old, new, at)
        self._composition(old, new, at)
        self._constraints(old, new, at)
        self._simple(old, new, at)

    def _types(self, old: dict[str, Any], new: dict[str, Any], at: Place) -> bool:
        loc, label, direction, out, _ = at
        before, after = schema_type(old), schema_type(new)
        if before == after:
            return True
        composed = any(k in old or k in new for k in COMPOSITION)
        if composed and (before is None or after is None):
            return True  # e.g. allOf + type: the composition rules compare it
        out.add(
            f"{direction}-type-changed",
            f"{label}: type {describe(old)} → {describe(new)}",
            loc,
            old=before or "any",
            new=after or "any",
        )
        out.edges.update((r, r, direction) for r in local_refs(new) & local_refs(old))
        return False

    def _nullable(self, old: dict[str, Any], new: dict[str, Any], at: Place) -> None:
        loc, label, direction, out, _ = at
        before, after = nullable(old), nullable(new)
        if before != after:
            rule = "nullable-added" if after else "nullable-removed"
            what = "may now be null" if after else "may no longer be null"
            out.add(f"{direction}-{rule}", f"{label} {what}", loc, old=before, new=after)

    def _format(self, old: dict[str, Any], new: dict[str, Any], at: Place) -> None:
        loc, label, direction, out, _ = at
        before, after = old.get("format"), new.get("format")
        if before != after:
            out.add(
                f"{direction}-format-changed",
                f"{label}: format {before or 'none'} → {after or 'none'}",
                loc.key("format"),
                old=before,
                new=after,
            )

    def _enum(self, old: dict[str, Any], new: dict[str, Any], at: Place) -> None:
        loc, label, direction, out, _ = at
        before, after = old.get("enum"), new.get("enum")
        if before == after:
            return
        where = loc.key("enum")
        if not isinstance(before, list) or not isinstance(after, list):
            if isinstance(after, list):
                shown = ", ".join(map(str, after[:10]))
                out.add(f"{direction}-enum-added", f"{label} is now an enum: {shown}", where, new=after)
            elif isinstance(before, list):
                out.add(f"{direction}-enum-removed", f"{label} is no longer an enum", where, old=before, removed=True)
            return
        old_values, new_values = _values(before), _values(after)
        removed = [old_values[k] for k in old_values if k not in new_values]
        added = [new_values[k] for k in new_values if k not in old_values]
        if removed:
            shown = ", ".join(map(str, removed))
            out.add(f"{direction}-enum-value-removed", f"{label}: enum value(s) removed: {shown}", where, old=removed)
        if added:
            shown = ", ".join(map(str, added))
            out.add(f"{direction}-enum-value-added", f"{label}: enum value(s) added: {shown}", where, new=added)

    def _properties(self, old: dict[str, Any], new: dict[str, Any], at: Place) -> None:
        loc, label, direction, out, _ = at
        before: dict[str, Any] = old.get("properties") or {}
        after: dict[str, Any] = new.get("properties") or {}
        old_required = set(old.get("required") or [])
        new_required = set(new.get("required") or [])
        where = loc.key("properties")
        for name, schema in before.items():
            if name not in after:
                out.add(
                    f"{direction}-property-removed",
                    f"{label}: property `{name}` removed",
                    where.key(name),
                    old=describe(schema),
                    removed=True,
                )
        for name, schema in after.items():
            child = where.key(name)
            if name not in before:
                required = name in new_required
                rule = "required-property-added" if required and direction == "request" else "property-added"
                kind = "required" if required else "optional"
                out.add(
                    f"{direction}-{rule}",
                    f"{label}: new {kind} property `{name}` ({describe(schema)})",
                    child,
                    new=describe(schema),
                )
                out.edges.update((r, r, direction) for r in local_refs(schema))
                continue
            was, now = name in old_required, name in new_required
            if was != now:
                rule = "property-became-required" if now else "property-became-optional"
                what = "is now required" if now else "is no longer required"
                out.add(f"{direction}-{rule}", f"{label}.{name} {what}", loc.key("required"), old=was, new=now)
            self.compare(before[name], schema, Place(child, f"{label}.{name}", direction, out))

    def _additional(self, old: dict[str, Any], new: dict[str, Any], at: Place) -> None:
        loc, label, direction, out, _ = at
        before, after = old.get("additionalProperties", True), new.get("additionalProperties", True)
        if isinstance(before, dict) and isinstance(after, dict):
            self.compare(before, after, Place(loc.key("additionalProperties"), f"{label} values", direction, out))
        elif isinstance(before, bool) and isinstance(after, bool) and before != after:
            out.add(
                f"{direction}-constraint-{'loosened' if after else 'tightened'}",
                f"{label}: additionalProperties {_short(before)} → {_short(after)}",
                loc.key("additionalProperties"),
                old=before,
                new=after,
            )
        elif before != after:
            out.add(
                f"{direction}-additional-properties-changed",
                f"{label}: additionalProperties {_short(before)} → {_short(after)}",
                loc.key("additionalProperties"),
                old=_short(before),
                new=_short(after),
            )

    def _items(self, old: dict[str, Any], new: dict[str, Any], at: Place) -> None:
        loc, label, direction, out, _ = at
        before, after = old.get("items"), new.get("items")
        if before is not None and after is not None:
            self.compare(before, after, Place(loc.key("items"), f"{label} items", direction, out, items=True))
        elif before != after:
            out.add(
                f"{direction}-schema-keyword-changed",
                f"{label}: items {describe(before)} → {describe(after)}",
                loc.key("items"),
                old=describe(before) if before is not None else None,
                new=describe(after) if after is not None else None,
            )

    def _composition(self, old: dict[str, Any], new: dict[str, Any], at: Place) -> None:
        loc, label, direction, out, _ = at
        for key in (*COMPOSITION, "not"):
            before, after = old.get(key), new.get(key)
            if before == after and before is None:
                continue
            if key == "not" and before is not None and after is not None:
                self.compare(before, after, Place(loc.key(key), f"{label} not", direction, out))
            elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
                for index, (b, a) in enumerate(zip(before, after, strict=True)):
                    self.compare(b, a, Place(loc.key(key).key(index), f"{label} {key}[{index}]", direction, out))
            elif before != after:
                out.add(
                    f"{direction}-composition-changed",
                    f"{label}: {key} {_composition(before)} → {_composition(after)}",
                    loc.key(key),
                    old=_composition(before),
                    new=_composition(after),
                )
                for schema in after or []:
                    out.edges.update((r, r, direction) for r in local_refs(schema))

    def _constraints(self, old: dict[str, Any], new: dict[str, Any], at: Place) -> None:
        loc, label, direction, out, _ = at
        for key in CONSTRAINTS:
            before, after = old.get(key), new.get(key)
            if before == after:
                continue
            out.add(
                f"{direction}-constraint-{'tightened' if _tighter(key, before, after) else 'loosened'}",
                f"{label}: {key} {_show(before)} → {_show(after)}",
                loc.key(key),
                old=before,
                new=after,
            )

    def _simple(self, old: dict[str, Any], new: dict[str, Any], at: Place) -> None:
        loc, label, direction, out, _ = at
        self._default(old, new, at)
        for key, suffix in (
            ("readOnly", "read-write-changed"),
            ("writeOnly", "read-write-changed"),
            ("deprecated", "property-deprecated"),
            ("discriminator", "discriminator-changed"),
        ):
            before, after = old.get(key), new.get(key)
            if before != after:
                out.add(
                    f"{direction}-{suffix}",
                    f"{label}: {key} {_show(before)} → {_show(after)}",
                    loc.key(key),
                    old=before,
                    new=after,
                )
        for key in sorted((set(old) | set(new)) - HANDLED):
            before, after = old.get(key), new.get(key)
            if before == after:
                continue
            if key.startswith("x-"):
                continue  # extensions are compared with the documentation
            out.add(
                f"{direction}-schema-keyword-changed",
                f"{label}: {key} {before!r} → {after!r}",
                loc.key(key),
                old=before,
                new=after,
            )

    @staticmethod
    def _default(old: dict[str, Any], new: dict[str, Any], at: Place) -> None:
        """Defaults: of array items (the generator ignores them: info), newly documented, changed or removed."""
        loc, label, direction, out, items = at
        before, after = old.get("default"), new.get("default")
        if before == after:
            return
        if items:
            rule = "item-default-changed"
        elif "default" not in old:
            rule = f"{direction}-default-added"
        else:
            rule = f"{direction}-default-changed"
        message = f"{label}: default {_show(before)} → {_show(after)}"
        out.add(rule, message, loc.key("default"), old=before, new=after)


def _show(value: Any) -> str:
    """A value as JSON (`none` when absent), cut to 60 characters."""
    text = "none" if value is None else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return describe(value)
    return str(value).lower()


def _composition(value: Any) -> str:
    if not isinstance(value, list):
        return "none" if value is None else describe(value)
    return "[" + ", ".join(describe(v) for v in value) + "]"


def _tighter(key: str, before: Any, after: Any) -> bool:
    """Whether a constraint change refuses values that were accepted before."""
    if after is None:
        return False
    if before is None:
        return not (key in FLAGS and after is False)
    if key in UPPER_BOUNDS:
        return bool(after < before)
    if key in LOWER_BOUNDS:
        return bool(after > before)
    if key in FLAGS:
        return bool(after) and not bool(before)
    return True  # pattern, multipleOf: assume stricter
