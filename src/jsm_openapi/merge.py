"""Merge several OpenAPI documents into one per flavor, deterministically.

Rules (README, "Merging"):
- `openapi` versions must share major.minor; `servers` must agree; the flavor names the merged `info`.
- Paths are unioned; one (method, path) defined twice is an error. Every operation records the document it came from
  in `x-jsm-source`.
- Components are unioned per section. Same name and same content: kept once. Same name, different content: the later
  document's component is renamed `<component_prefix><Name>` and every `$ref` to it in that document follows.
- Tags are unioned by name (first description wins); top-level `security` requirements are unioned.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .documents import Json, canonical_json
from .errors import InputError
from .operations import HTTP_METHODS
from .sources import Flavor, Pin

SOURCE_KEY = "x-jsm-source"
_BEFORE_OVERLAYS = "overlays apply after the merge, so they cannot fix this"


@dataclass
class MergeReport:
    """What the merge did: where each operation came from, which components were renamed or deduplicated."""

    sources: dict[str, str] = field(default_factory=dict)  # "METHOD /path" -> pin name
    renamed: dict[str, str] = field(default_factory=dict)  # "#/components/schemas/X (pin)" -> new ref
    deduplicated: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"sources": self.sources, "renamed": self.renamed, "deduplicated": self.deduplicated}


def _rewrite_refs(node: Json, mapping: dict[str, str]) -> Json:
    """Rewrite `$ref` values found in `mapping` everywhere in a document (in place), returning it."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str) and ref in mapping:
                current["$ref"] = mapping[ref]
            stack.extend(v for v in current.values() if isinstance(v, (dict, list)))
        elif isinstance(current, list):
            stack.extend(v for v in current if isinstance(v, (dict, list)))
    return node


def _short(value: Json) -> str:
    """A value as compact JSON, cut to 100 characters (for messages)."""
    text = canonical_json(value).decode()
    return text if len(text) <= 100 else text[:97] + "..."


def _minor(version: str) -> str:
    return ".".join(str(version).split(".")[:2])


def merge_documents(flavor: Flavor, documents: list[tuple[Pin, Json]]) -> tuple[Json, MergeReport]:
    """Merge the flavor's documents (in order) into one new document; inputs are not modified."""
    if not documents:
        raise InputError(f"flavor {flavor.name}: nothing to merge")
    report = MergeReport()
    first_pin, first = documents[0]
    merged: dict[str, Any] = {
        "openapi": first.get("openapi"),
        "info": {
            "title": flavor.title,
            "version": "+".join(pin.version for pin, _ in documents),
            "description": "Merged by jsm-openapi from: "
            + "; ".join(f"{pin.name} {pin.version} (sha256 {pin.sha256[:12]})" for pin, _ in documents),
        },
        "servers": copy.deepcopy(first.get("servers", [])),
        "paths": {},
        "components": {},
    }
    if len(documents) == 1:
        merged["info"] = copy.deepcopy(first.get("info", {}))
    tags: dict[str, Any] = {}
    security: list[Any] = []
    for key, value in first.items():
        if key.startswith("x-"):
            merged[key] = copy.deepcopy(value)

    for pin, original in documents:
        doc = copy.deepcopy(original)
        if _minor(doc.get("openapi", "")) != _minor(merged["openapi"]):
            raise InputError(
                f"flavor {flavor.name}: {pin.name} is OpenAPI {doc.get('openapi')}, "
                f"{first_pin.name} is {merged['openapi']}; cannot merge different minor versions"
            )
        if canonical_json(doc.get("servers", [])) != canonical_json(merged["servers"]):
            raise InputError(
                f"flavor {flavor.name}: {pin.name} declares servers {doc.get('servers')}, "
                f"{first_pin.name} declares {merged['servers']}",
                hint=f"documents merged into one client must share a base URL; {_BEFORE_OVERLAYS}: pin documents "
                f"that do, or drop one from [flavor.{flavor.name}] in openapi/sources.toml",
            )
        _merge_components(flavor, pin, doc, merged["components"], report)
        for path, item in doc.get("paths", {}).items():
            target = merged["paths"].setdefault(path, {})
            for key, value in item.items():
                if key in HTTP_METHODS:
                    where = f"{key.upper()} {path}"
                    if key in target:
                        raise InputError(
                            f"flavor {flavor.name}: {where} is defined by both {report.sources[where]} and {pin.name}",
                            hint=f"{_BEFORE_OVERLAYS}: drop one of the documents from [flavor.{flavor.name}] in "
                            "openapi/sources.toml, or pin versions that do not overlap",
                        )
                    value[SOURCE_KEY] = pin.name
                    report.sources[where] = pin.name
                    target[key] = value
                elif key in target and canonical_json(target[key]) != canonical_json(value):
                    raise InputError(
                        f"flavor {flavor.name}: path {path} field {key!r} of {pin.name} differs from an earlier "
                        f"document's: {_short(target[key])} vs {_short(value)}",
                        hint=f"{_BEFORE_OVERLAYS}: drop one of the documents from [flavor.{flavor.name}] in "
                        "openapi/sources.toml, or pin versions that agree",
                    )
                else:
                    target[key] = value
        for tag in doc.get("tags", []):
            tags.setdefault(tag["name"], tag)
        for requirement in doc.get("security", []):
            if requirement not in security:
                security.append(requirement)

    if tags:
        merged["tags"] = list(tags.values())
    if security:
        merged["security"] = security
    if not merged["components"]:
        del merged["components"]
    return merged, report


def _merge_components(flavor: Flavor, pin: Pin, doc: Json, target: dict[str, Any], report: MergeReport) -> None:
    """Rename this document's conflicting components (rewriting its refs), then add them to `target`."""
    components = doc.get("components", {})
    mapping: dict[str, str] = {}
    while True:  # a rename can make a formerly identical component differ: repeat until stable
        added = False
        for section, entries in components.items():
            existing = target.get(section, {})
            for name, value in entries.items():
                ref = f"#/components/{section}/{name}"
                if ref in mapping or name not in existing:
                    continue
                if canonical_json(existing[name]) == canonical_json(_rewrite_refs(copy.deepcopy(value), mapping)):
                    continue
                if not pin.component_prefix:
                    raise InputError(
                        f"flavor {flavor.name}: component {section}/{name} of {pin.name} conflicts with an earlier "
                        "document's and differs from it",
                        hint=f"set component_prefix for {pin.name} in openapi/sources.toml",
                    )
                if section == "securitySchemes":
                    raise InputError(
                        f"flavor {flavor.name}: security scheme {name} of {pin.name} differs from an earlier "
                        "document's (security schemes are never renamed)",
                        hint=f"{_BEFORE_OVERLAYS}: pin versions that agree, or drop one of the documents",
                    )
                new_name = f"{pin.component_prefix}{name}"
                if new_name in existing or new_name in entries:
                    raise InputError(
                        f"flavor {flavor.name}: cannot rename {section}/{name} of {pin.name} to {new_name}: "
                        f"{new_name} exists too",
                        hint=f"choose another component_prefix for {pin.name} in openapi/sources.toml",
                    )
                mapping[ref] = f"#/components/{section}/{new_name}"
                added = True
        if not added:
            break
    _rewrite_refs(doc, mapping)
    for section, entries in components.items():
        out = target.setdefault(section, {})
        for name, value in entries.items():
            ref = f"#/components/{section}/{name}"
            if ref in mapping:
                new_name = mapping[ref].rsplit("/", 1)[1]
                out[new_name] = value
                report.renamed[f"{ref} ({pin.name})"] = mapping[ref]
            elif name in out:
                report.deduplicated.append(f"{ref} ({pin.name})")
            else:
                out[name] = value
