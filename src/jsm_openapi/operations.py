"""The operations of an OpenAPI document: the HTTP methods a path item may hold, and paths with names blanked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .documents import Json

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TEMPLATE = re.compile(r"\{[^}/]+\}")


def document_operations(document: Json) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every operation as (method, path, operation), in document order."""
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                yield method, path, operation


def path_parameters(path: str) -> list[str]:
    """The parameter names of a path template, in order: `/request/{issueIdOrKey}` → `["issueIdOrKey"]`."""
    return [match.group(0)[1:-1] for match in _TEMPLATE.finditer(path)]


def normalized_path(path: str) -> str:
    """A path with its parameter names blanked: `/request/{issueIdOrKey}` → `/request/{}`."""
    return _TEMPLATE.sub("{}", path)
