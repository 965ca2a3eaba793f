"""Read JSON/YAML documents with errors that point at file and position; canonical bytes and digests."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError

if TYPE_CHECKING:  # imported when a YAML document is read: JSON-only commands never pay for it
    import yaml

Json = Any  # a parsed JSON value: dict | list | str | int | float | bool | None


@cache
def _strict_loader() -> type[yaml.SafeLoader]:
    """A safe YAML loader that refuses duplicate keys and keeps dates as strings (JSON has no dates)."""
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class StrictLoader(base):  # type: ignore[valid-type,misc]
        pass

    StrictLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (line {mark.line + 1}, column {mark.column + 1})", mark
                )
            seen[key] = True
        return loader.construct_mapping(node, deep=deep)

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return StrictLoader


def parse_json(data: bytes | str, *, source: str) -> Json:
    """Parse JSON; on failure raise InputError naming the source, line and column."""
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            hint="fix the file, or re-fetch it if it came from upstream (`jsm-openapi fetch`)",
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def parse_yaml(data: bytes | str, *, source: str) -> Json:
    """Parse YAML (safe, no duplicate keys, no implicit dates); on failure name the source, line and column."""
    import yaml

    try:
        return yaml.load(data, Loader=_strict_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(f"{source}: invalid YAML{where}: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: invalid YAML: {exc}") from exc


def parse_document(data: bytes | str, *, source: str) -> Json:
    """Parse JSON or YAML, chosen by the source's suffix (JSON first when the suffix says nothing)."""
    suffix = Path(source.split("?", 1)[0]).suffix.lower()
    if suffix in {".yaml", ".yml"}:
        return parse_yaml(data, source=source)
    if suffix == ".json":
        return parse_json(data, source=source)
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return parse_json(data, source=source) if text.lstrip()[:1] in "{[" else parse_yaml(data, source=source)


def read_document(path: Path) -> Json:
    """Read and parse a JSON or YAML file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    return parse_document(data, source=str(path))


def canonical_json(value: Json) -> bytes:
    """Deterministic JSON bytes: sorted keys, no insignificant whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def pretty_json(value: Json) -> bytes:
    """Deterministic, readable JSON bytes (sorted keys, two-space indent, trailing newline)."""
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Replace a file's bytes in one rename: readers (and concurrent writers) never see half a file.

    On failure the target is untouched and no temporary file is left behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
