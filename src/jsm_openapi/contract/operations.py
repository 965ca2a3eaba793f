"""The operations of a patched document, by (method, path), and which of them a contract target covers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
SERVICEDESK = "/servicedeskapi/"


@dataclass(frozen=True)
class Operation:
    """One operation of the document; `label` is schemathesis's name for it (`POST /rest/servicedeskapi/customer`)."""

    method: str  # upper case
    path: str  # as in the document (Server: relative to its `/rest` base)
    operation_id: str | None
    experimental: bool
    responses: tuple[str, ...] = ()  # the response definitions the document gives: "200", "4XX", "default", ...

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def servicedesk(self) -> bool:
        return SERVICEDESK in self.path

    def definition(self, status: int) -> str | None:
        """The response definition an answer's status is checked against: its own code, else its range (`4XX`),
        else `default`; None when the document defines none (an undocumented status)."""
        for candidate in (str(status), f"{str(status)[0]}XX", "default"):
            if candidate in self.responses or candidate.lower() in self.responses:
                return candidate if candidate in self.responses else candidate.lower()
        return None


def document_operations(document: dict[str, Any]) -> list[Operation]:
    """Every operation of a document, in document order."""
    found = []
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                found.append(
                    Operation(
                        method.upper(),
                        path,
                        operation.get("operationId"),
                        operation.get("x-experimental") is True,
                        tuple(str(status) for status in operation.get("responses") or {}),
                    )
                )
    return found


class PathIndex:
    """Finds the operation a request went to: (method, path on the wire) → Operation, most literal template first."""

    def __init__(self, operations: Iterable[Operation], base_path: str = "") -> None:
        self.base_path = base_path.rstrip("/")
        entries = []
        for operation in operations:
            segments = operation.path.strip("/").split("/")
            literal = tuple(0 if s.startswith("{") else 1 for s in segments)
            pattern = "/".join("[^/]+" if s.startswith("{") else re.escape(s) for s in segments)
            entries.append((literal, re.compile(f"/{pattern}/?"), operation))
        # More literal segments first, earliest first: `/organization/cleanup` before `/organization/{id}`.
        entries.sort(key=lambda e: tuple(-x for x in e[0]))
        self._entries = [(regex, operation) for _, regex, operation in entries]

    def find(self, method: str, wire_path: str) -> Operation | None:
        path = wire_path
        if self.base_path:
            at = path.find(self.base_path + "/")
            if at < 0:
                return None
            path = path[at + len(self.base_path) :]
        method = method.upper()
        for regex, operation in self._entries:
            if operation.method == method and regex.fullmatch(path):
                return operation
        return None
