"""Overlay documents (OAI Overlay 1.0/1.1): loading and validation (structure, version, extends, JSONPath)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonpath_rfc9535 as jsonpath
import jsonschema

from ..documents import Json, read_document, sha256_file
from ..errors import InputError

__all__ = ["Action", "Overlay", "load_overlay", "parse_overlay"]

_ABSENT = object()


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


@dataclass(frozen=True)
class Action:
    """One action: a target and exactly one effective modifier (remove > update > copy, as the spec orders them)."""

    index: int  # zero-based position in the overlay's actions
    target: str
    description: str = ""
    update: Any = _ABSENT
    remove: bool = False
    copy: str | None = None
    extensions: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        if self.remove:
            return "remove"
        if self.update is not _ABSENT:
            return "update"
        return "copy"

    def label(self) -> str:
        """How errors name this action: its 1-based number and description."""
        text = f"action #{self.index + 1}"
        return f"{text} ({self.description.splitlines()[0][:100]})" if self.description else text


@dataclass(frozen=True)
class Overlay:
    """A validated overlay document."""

    source: str
    version: str
    title: str
    info_version: str
    actions: tuple[Action, ...]
    extends: str | None = None
    description: str = ""
    digest: str = ""


def _explain(error: jsonschema.ValidationError) -> str:
    """jsonschema's message, reworded where it is cryptic."""
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        allowed = set(schema.get("properties", {}))
        unknown = sorted(k for k in error.instance if k not in allowed and not str(k).startswith("x-"))
        names = ", ".join(map(repr, unknown))
        return f"unknown field(s) {names}: not in the Overlay specification (extensions start with x-)"
    return str(error.message)


def parse_overlay(data: Json, *, source: str, digest: str = "") -> Overlay:
    """Validate a parsed overlay document; every problem names the file and the action."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: an overlay must be a mapping, found {type(data).__name__}")
    errors = sorted(_validator().iter_errors(data), key=lambda e: (list(e.absolute_path), e.message))
    if errors:
        lines = [f"{e.json_path}: {_explain(e)}" for e in errors[:8]]
        version = data.get("overlay")
        hint = "see overlays/README.md for the format; start a file with `overlay: 1.1.0`"
        if isinstance(version, str) and not version.startswith(("1.0.", "1.1.")):
            hint = f"overlay version {version!r} is not supported: use 1.1.0 (or 1.0.0)"
        raise InputError(f"{source}: not a valid overlay document:\n  " + "\n  ".join(lines), hint=hint)
    actions = []
    for index, raw in enumerate(data["actions"]):
        action = Action(
            index=index,
            target=raw["target"],
            description=raw.get("description", ""),
            update=raw.get("update", _ABSENT),
            remove=raw.get("remove", False),
            copy=raw.get("copy"),
            extensions={k: v for k, v in raw.items() if k.startswith("x-")},
        )
        where = f"{source}: {action.label()}"
        if not action.remove and action.update is _ABSENT and action.copy is None:
            raise InputError(f"{where}: has no update, copy or `remove: true`, so it would do nothing")
        if action.copy is not None and not data["overlay"].startswith("1.1."):
            raise InputError(f"{where}: `copy` needs overlay 1.1.0, this file says {data['overlay']}")
        for name, query in (("target", action.target), ("copy", action.copy)):
            if query is None:
                continue
            try:
                jsonpath.compile(query)
            except jsonpath.JSONPathError as exc:
                raise InputError(f"{where}: {name} {query!r} is not an RFC 9535 JSONPath: {exc}") from exc
        actions.append(action)
    return Overlay(
        source=source,
        version=data["overlay"],
        title=data["info"]["title"],
        info_version=data["info"]["version"],
        description=data["info"].get("description", ""),
        extends=data.get("extends"),
        actions=tuple(actions),
        digest=digest,
    )


def load_overlay(path: Path, *, source: str | None = None) -> Overlay:
    """Read and validate an overlay file; `source` is how messages name it (default: the path)."""
    shown = source or str(path)
    try:
        document = read_document(path)
    except InputError as exc:
        raise InputError(exc.message.replace(str(path), shown, 1), hint=exc.hint) from exc
    return parse_overlay(document, source=shown, digest=sha256_file(path))
