"""`openapi/sources.toml`: the pinned upstream documents each flavor is built from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .documents import parse_toml
from .errors import InputError
from .project import FLAVORS
from .urls import display_url

# Validation patterns are used with fullmatch: `$` would let a trailing newline through.
_SHA256 = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_PACKAGE = re.compile(r"[a-z_][a-z0-9_]*")
_COMPONENT_PREFIX = re.compile(r"[A-Z][A-Za-z0-9]*")
_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f]+")
_TEXT = re.compile(r"[^\x00-\x1f\x7f]*")  # one line, no control characters


@dataclass(frozen=True)
class Pin:
    """One upstream document, pinned by URL and sha256."""

    name: str
    url: str
    sha256: str
    version: str
    retrieved: date
    title: str = ""
    component_prefix: str = ""

    def __repr__(self) -> str:  # the URL as display_url shows it: a pin's URL may carry credentials
        return (
            f"Pin(name={self.name!r}, url={display_url(self.url)!r}, sha256={self.sha256!r}, version={self.version!r})"
        )


@dataclass(frozen=True)
class Flavor:
    """A client flavor (server, cloud): the documents it merges, in order, and its package name."""

    name: str
    title: str
    package: str
    project: str
    documents: tuple[Pin, ...]


@dataclass(frozen=True)
class Sources:
    flavors: dict[str, Flavor]
    tracked: tuple[Pin, ...] = field(default=())
    path: Path | None = None

    def flavor(self, name: str) -> Flavor:
        try:
            return self.flavors[name]
        except KeyError:
            known = ", ".join(sorted(self.flavors))
            raise InputError(f"unknown flavor {name!r}", hint=f"choose one of: {known}") from None

    def all_pins(self) -> list[Pin]:
        """Every pin once (flavor documents, then tracked ones), in file order."""
        seen: dict[str, Pin] = {}
        for flavor in self.flavors.values():
            for pin in flavor.documents:
                seen.setdefault(pin.name, pin)
        for pin in self.tracked:
            seen.setdefault(pin.name, pin)
        return list(seen.values())

    def flavors_of(self, pin: Pin) -> list[Flavor]:
        """The flavors built from a pin (none for a tracked-only pin)."""
        return [flavor for flavor in self.flavors.values() if any(p.name == pin.name for p in flavor.documents)]

    def pin(self, name: str) -> Pin:
        for pin in self.all_pins():
            if pin.name == name:
                return pin
        known = ", ".join(p.name for p in self.all_pins())
        raise InputError(f"no pin named {name!r} in {self.path}", hint=f"pins: {known}")


def _pin(raw: Any, where: str) -> Pin:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: expected a table, found {type(raw).__name__}")
    missing = [key for key in ("name", "url", "sha256", "version", "retrieved") if key not in raw]
    if missing:
        raise InputError(
            f"{where}: missing {', '.join(missing)}", hint="each pin needs name, url, sha256, version, retrieved"
        )
    unknown = sorted(set(raw) - {"name", "url", "sha256", "version", "retrieved", "title", "component_prefix"})
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(unknown)}")
    name, sha = raw["name"], raw["sha256"]
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InputError(f"{where}: name {name!r} must be lowercase letters, digits and dashes")
    if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
        raise InputError(f"{where} ({name}): sha256 must be 64 lowercase hex digits, found {sha!r}")
    if not isinstance(raw["retrieved"], date):
        raise InputError(f"{where} ({name}): retrieved must be a TOML date like 2025-09-17")
    url = raw["url"]
    if not isinstance(url, str) or not _URL.fullmatch(url):
        raise InputError(f"{where} ({name}): url must be an http(s) URL without spaces or control characters")
    for key in ("version", "title"):
        if not _TEXT.fullmatch(str(raw.get(key, ""))):
            raise InputError(f"{where} ({name}): {key} must be one line without control characters")
    prefix = raw.get("component_prefix", "")
    if prefix and not (isinstance(prefix, str) and _COMPONENT_PREFIX.fullmatch(prefix)):
        raise InputError(f"{where} ({name}): component_prefix {prefix!r} must be a CamelCase identifier")
    return Pin(
        name=name,
        url=url,
        sha256=sha,
        version=str(raw["version"]),
        retrieved=raw["retrieved"],
        title=str(raw.get("title", "")),
        component_prefix=prefix,
    )


def parse_sources(text: str, *, source: str = "sources.toml") -> Sources:
    """Parse and validate the text of a sources file."""
    data = parse_toml(text, source=source)
    if data.get("schema_version") != 1:
        raise InputError(f"{source}: schema_version must be 1, found {data.get('schema_version')!r}")
    raw_flavors = data.get("flavor")
    if not isinstance(raw_flavors, dict) or not raw_flavors:
        raise InputError(f"{source}: no [flavor.<name>] tables", hint=f"define flavors {', '.join(FLAVORS)}")
    flavors: dict[str, Flavor] = {}
    for fname, raw in raw_flavors.items():
        where = f"{source} [flavor.{fname}]"
        if fname not in FLAVORS:
            raise InputError(f"{where}: unknown flavor", hint=f"flavors are {', '.join(FLAVORS)}")
        package = raw.get("package", "")
        if not _PACKAGE.fullmatch(str(package)):
            raise InputError(f"{where}: package {package!r} is not a Python package name")
        docs = raw.get("document")
        if not isinstance(docs, list) or not docs:
            raise InputError(f"{where}: needs at least one [[flavor.{fname}.document]]")
        pins = tuple(_pin(doc, f"{where} document #{i + 1}") for i, doc in enumerate(docs))
        names = [p.name for p in pins]
        if len(set(names)) != len(names):
            raise InputError(f"{where}: a document is listed twice: {names}")
        flavors[fname] = Flavor(
            name=fname,
            title=str(raw.get("title", fname)),
            package=package,
            project=str(raw.get("project", package.replace("_", "-"))),
            documents=pins,
        )
    tracked = tuple(_pin(doc, f"{source} [[tracked]] #{i + 1}") for i, doc in enumerate(data.get("tracked", [])))
    sources = Sources(flavors=flavors, tracked=tracked, path=Path(source))
    by_name: dict[str, Pin] = {}
    for flavor in flavors.values():
        for pin in (*flavor.documents, *tracked):
            other = by_name.setdefault(pin.name, pin)
            if other != pin:
                raise InputError(f"{source}: pin {pin.name!r} is defined twice with different values")
    return sources


def load_sources(path: Path) -> Sources:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})", hint="run from a jsm-openapi checkout") from exc
    return parse_sources(text, source=str(path))
