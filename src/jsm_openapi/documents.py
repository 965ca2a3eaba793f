"""Read JSON/YAML documents with errors that point at file and position; canonical bytes and digests.

Whatever parses is a JSON value within the limits of `document_limits` (size, depth, values once YAML aliases are
expanded, integer digits; no NaN, infinity or lone surrogate): everything downstream can copy, walk and serialize it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .document_limits import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_INT_DIGITS,
    MAX_VALUES,
    SURROGATE_ESCAPE,
    describe,
    lone_surrogate_at,
    measure,
    too_deep_at,
)
from .errors import InputError

if TYPE_CHECKING:
    import yaml

Json = Any  # a parsed JSON value: dict | list | str | int | float | bool | None


class _NoJsonForm(ValueError):
    """A JSON token Python would read but JSON cannot hold: NaN, an infinity, an integer past MAX_INT_DIGITS."""

    def __init__(self, token: str, problem: str) -> None:
        super().__init__(problem)
        self.token = token
        self.problem = problem


def _constant(token: str) -> float:
    raise _NoJsonForm(token, f"{token} is not JSON (JSON has no NaN or infinity)")


def _float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise _NoJsonForm(token, f"the number {token[:40]} is too large for a float")
    return value


def _int(token: str) -> int:
    if len(token.lstrip("-")) > MAX_INT_DIGITS:
        raise _NoJsonForm(token, f"an integer of {len(token.lstrip('-')):,} digits, more than {MAX_INT_DIGITS:,}")
    return int(token)


def _line_column(text: str, position: int) -> str:
    line = text.count("\n", 0, position) + 1
    return f"line {line}, column {position - (text.rfind(chr(10), 0, position) + 1) + 1}"


def _deep_position(text: str) -> int:
    """Where JSON text first nests deeper than MAX_DEPTH (strings skipped), or -1."""
    depth = 0
    for token in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        if token[0] in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return token.start()
        elif token[0] in "]}":
            depth -= 1
    return -1


def _check_size(data: bytes | str, source: str) -> None:
    if len(data) > MAX_BYTES:
        raise InputError(
            f"{source}: {len(data) / 2**20:.1f} MiB, more than the {MAX_BYTES // 2**20} MiB a document may be",
            hint="see the limits in the README (Exit codes): is this the right file?",
        )


def _check_json_value(value: Json, text: str, source: str) -> None:
    """Depth, size and lone surrogates of a parsed JSON value, each refusal naming the place."""
    size = measure(value)
    if size.too_deep:
        where = _deep_position(text)
        place = _line_column(text, where) if where >= 0 else describe(too_deep_at(value))
        raise InputError(f"{source}: nested more than {MAX_DEPTH} levels deep at {place}")
    if size.too_large:
        raise InputError(f"{source}: holds more than {MAX_VALUES:,} values, more than a document may hold")
    if SURROGATE_ESCAPE.search(text):
        location = lone_surrogate_at(value)
        if location is not None:
            raise InputError(
                f"{source}: a lone surrogate (\\ud800-\\udfff) at {describe(location)} is not text: JSON text "
                "cannot hold it (a proper pair is fine)"
            )


def parse_json(data: bytes | str, *, source: str) -> Json:
    """Parse JSON; on failure raise InputError naming the source and the place (line and column, or the path).

    Refused besides malformed JSON: what has no JSON form (NaN, infinities, lone surrogates) and what passes the
    limits of `document_limits` (size, depth, integer digits).
    """
    _check_size(data, source)
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise InputError(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            hint="fix the file, or re-fetch it if it came from upstream (`jsm-openapi fetch`)",
        ) from exc
    except _NoJsonForm as exc:
        raise InputError(f"{source}: at {_line_column(text, max(text.find(exc.token), 0))}: {exc.problem}") from None
    except RecursionError:
        where = _deep_position(text)
        place = f" at {_line_column(text, where)}" if where >= 0 else ""
        raise InputError(f"{source}: nested more than {MAX_DEPTH} levels deep{place}") from None
    _check_json_value(value, text, source)
    return value


@functools.cache
def _yaml_loader() -> type[yaml.SafeLoader]:
    """The strict loader, built on first use (PyYAML costs tens of milliseconds to import)."""
    from .yaml_loader import strict_loader

    return strict_loader()


def parse_yaml(data: bytes | str, *, source: str) -> Json:
    """Parse YAML (safe, no duplicate keys, no implicit dates, JSON values only, within the limits of
    `document_limits`, aliases counted as expanded); on failure name the source, line and column."""
    _check_size(data, source)
    import yaml  # on first use: PyYAML costs tens of milliseconds to import, and JSON documents never need it

    from .yaml_loader import check_yaml_graph

    loader = _yaml_loader()(data)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_yaml_graph(node)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(f"{source}: invalid YAML{where}: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: invalid YAML: {exc}") from exc
    except RecursionError:  # the pure-Python parser on deep nesting (libyaml stops at 1,000 levels itself)
        raise InputError(f"{source}: nested more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()


def parse_toml(text: str, *, source: str, hint: str | None = None) -> dict[str, Any]:
    """Parse TOML; InputError naming the source for malformed text, nesting past the stack, or an integer past
    Python's 4,300 digits (tomllib raises RecursionError and ValueError for those)."""
    _check_size(text, source)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{source}: invalid TOML: {exc}", hint=hint) from exc
    except RecursionError:
        raise InputError(f"{source}: invalid TOML: nested too deeply", hint=hint) from None
    except ValueError as exc:
        raise InputError(f"{source}: invalid TOML: {exc}", hint=hint) from None


def read_toml(path: Path, *, hint: str | None = None) -> dict[str, Any]:
    """Read and parse a TOML file (UTF-8), every failure an InputError naming it."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})", hint=hint) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})", hint=hint) from exc
    return parse_toml(text, source=str(path), hint=hint)


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
    import secrets

    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
