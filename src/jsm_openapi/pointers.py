"""Places in a parsed document: JSON pointers (RFC 6901), normalized JSONPaths (RFC 9535), local `$ref`s."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .documents import Json
from .errors import InputError

MAX_REF_HOPS = 32

Location = tuple[str | int, ...]  # keys and indexes from the document root


def escape(segment: str | int) -> str:
    """One JSON pointer segment (RFC 6901)."""
    text = str(segment)
    if "~" in text:
        text = text.replace("~", "~0")
    if "/" in text:
        text = text.replace("/", "~1")
    return text


def join(pointer: str, *segments: str | int) -> str:
    """Append segments to a pointer written as a URI fragment (`#/paths/~1x/get`)."""
    if len(segments) == 1:  # the differ's usual step: no generator, no join
        return f"{pointer}/{escape(segments[0])}"
    return pointer + "".join("/" + escape(s) for s in segments)


def jsonpath_of(location: Location) -> str:
    """The normalized JSONPath of a location, e.g. `$['paths']['/x']['get']` (how overlay reports name nodes)."""
    parts = [
        f"[{p}]" if isinstance(p, int) else "['" + p.replace("\\", "\\\\").replace("'", "\\'") + "']" for p in location
    ]
    return "$" + "".join(parts)


def ref_of(node: Json) -> str | None:
    """The `$ref` of a node, if it is a reference object."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            return ref
    return None


def is_local(ref: str) -> bool:
    return ref.startswith("#/")


def ref_name(ref: str) -> str:
    """The last segment of a ref (`#/components/schemas/UserDTO` → `UserDTO`)."""
    return ref.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")


@dataclass
class Resolver:
    """Resolves local `$ref`s of one document; `label` names the document in errors (e.g. "NEW")."""

    document: Json
    label: str

    def lookup(self, ref: str) -> Json:
        """The node a local ref points at; InputError naming the document when it points nowhere."""
        node: Any = self.document
        for raw in ref[2:].split("/") if ref != "#/" else []:
            segment = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and segment in node:
                node = node[segment]
            elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
                node = node[int(segment)]
            else:
                raise InputError(
                    f"{self.label}: $ref {ref!r} points at nothing (no {segment!r})",
                    hint="the document is broken; report it upstream, or fix it with an overlay",
                )
        return node

    def has(self, ref: str) -> bool:
        """Whether a local ref points at something."""
        try:
            self.lookup(ref)
        except InputError:
            return False
        return True

    def deref(self, node: Json, pointer: str) -> tuple[Json, str]:
        """Follow local refs until a non-reference node; return it and its pointer."""
        for _ in range(MAX_REF_HOPS):
            ref = ref_of(node)
            if ref is None or not is_local(ref):
                return node, pointer
            node, pointer = self.lookup(ref), ref
        raise InputError(f"{self.label}: $ref chain at {pointer} is longer than {MAX_REF_HOPS} (a cycle?)")


def local_refs(node: Json) -> set[str]:
    """Every local `$ref` value anywhere under a node."""
    found: set[str] = set()
    stack = [node]
    containers = (dict, list)
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/"):
                found.add(ref)
            stack += [v for v in current.values() if isinstance(v, containers)]
        elif isinstance(current, list):
            stack += [v for v in current if isinstance(v, containers)]
    return found
