"""The generated package's operations by (method, path): which module serves one, and whether it is experimental.

Read from `<package>._operations.OPERATIONS`, written by the generator from the patched document (`x-experimental`).
The facade names operations by method and path, never by operationId, so renamed operations do not break it.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

from .errors import NotSupported

_VARIABLE = re.compile(r"\{[^{}/]+\}")


@dataclass(frozen=True)
class Operation:
    """One generated operation."""

    method: str
    path: str
    module: str
    operation_id: str
    experimental: bool

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


class OperationIndex:
    """Every operation of one generated package, found by (method, path template) or by a concrete request path."""

    def __init__(self, package: str, operations: list[dict[str, Any]]) -> None:
        self.package = package
        self._by_template: dict[tuple[str, str], Operation] = {}
        self._by_shape: dict[tuple[str, int], list[tuple[tuple[str | None, ...], Operation]]] = {}
        for raw in operations:
            op = Operation(
                method=str(raw["method"]).upper(),
                path=str(raw["path"]),
                module=str(raw["module"]),
                operation_id=str(raw.get("operation_id", "")),
                experimental=bool(raw.get("experimental", False)),
            )
            self._by_template[(op.method, op.path)] = op
            segments = tuple(None if _VARIABLE.fullmatch(s) else s for s in op.path.strip("/").split("/"))
            self._by_shape.setdefault((op.method, len(segments)), []).append((segments, op))
        for candidates in self._by_shape.values():
            # Literal segments beat variables: /organization/cleanup before /organization/{organizationId}.
            candidates.sort(key=lambda item: sum(s is None for s in item[0]))
        self._matches: dict[tuple[str, str], Operation | None] = {}

    @classmethod
    def of(cls, package: str) -> OperationIndex:
        """The index of an installed generated package (`jsm_server` or `jsm_cloud`)."""
        return _index_of(package)

    def __len__(self) -> int:
        return len(self._by_template)

    def get(self, method: str, path: str) -> Operation:
        """The operation at this exact (method, path template); NotSupported if the package has none."""
        op = self._by_template.get((method.upper(), path))
        if op is None:
            raise NotSupported(
                f"{method.upper()} {path} is not an operation of {self.package} (its API document has no such "
                "operation, so this call is not available on this flavor)"
            )
        return op

    def has(self, method: str, path: str) -> bool:
        return (method.upper(), path) in self._by_template

    def module(self, op: Operation) -> ModuleType:
        """The generated module with `sync_detailed`/`asyncio_detailed` for this operation."""
        return importlib.import_module(f"{self.package}.{op.module}")

    def match(self, method: str, path: str) -> Operation | None:
        """The operation a concrete request path (relative to the generated client's base URL) belongs to."""
        key = (method.upper(), path)
        try:
            return self._matches[key]
        except KeyError:
            pass
        op = self._match(*key)
        if len(self._matches) >= 4096:
            self._matches.clear()
        self._matches[key] = op
        return op

    def _match(self, method: str, path: str) -> Operation | None:
        parts = path.strip("/").split("/")
        for segments, op in self._by_shape.get((method, len(parts)), ()):
            if all(s is None or s == p for s, p in zip(segments, parts, strict=True)):
                return op
        return None


@cache
def _index_of(package: str) -> OperationIndex:
    module = importlib.import_module(f"{package}._operations")
    return OperationIndex(package, list(module.OPERATIONS))
