"""Check the mock's answers against a flavor's patched document (schemathesis validates each documented schema).

A finding is an answer whose status the operation does not document, or whose body or content type does not match
what the document declares for that status. Exchanges on paths the document lacks (the platform endpoints on Cloud,
`/secure/...` downloads on Server) are returned separately, not judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from .journal import Exchange


@dataclass(frozen=True)
class Finding:
    exchange: Exchange
    operation: str
    problem: str

    def __str__(self) -> str:
        body = self.exchange.body[:300].decode("utf-8", "replace")
        return f"{self.exchange}  [{self.operation}]\n    {self.problem}\n    body: {body}"


class Conformance:
    """Validates exchanges against one patched document."""

    def __init__(self, document: dict[str, Any], flavor: str) -> None:
        import schemathesis

        self.document = document
        self.schema = schemathesis.openapi.from_dict(document)
        self.prefix = "/rest" if flavor == "server" else ""

    def operation_of(self, exchange: Exchange) -> str | None:
        """`METHOD /path` of the documented operation an exchange hit, or None."""
        operation = self._operation(exchange)
        return None if operation is None else f"{operation.method.upper()} {operation.path}"

    def _operation(self, exchange: Exchange) -> Any:
        path = exchange.path
        if self.prefix and path.startswith(self.prefix + "/"):
            path = path[len(self.prefix) :]
        return self.schema.find_operation_by_path(exchange.method, path)

    def check(self, exchanges: list[Exchange]) -> tuple[list[Finding], list[Exchange]]:
        """(findings, exchanges on paths the document does not have)."""
        findings: list[Finding] = []
        outside: list[Exchange] = []
        for exchange in exchanges:
            operation = self._operation(exchange)
            if operation is None:
                outside.append(exchange)
                continue
            problem = self._problem(operation, exchange)
            if problem:
                findings.append(Finding(exchange, f"{operation.method.upper()} {operation.path}", problem))
        return findings, outside

    def _problem(self, operation: Any, exchange: Exchange) -> str | None:
        responses = operation.definition.raw.get("responses", {})
        status = str(exchange.status)
        if status not in responses and f"{status[0]}XX" not in responses and "default" not in responses:
            return f"status {status} is not documented (documented: {', '.join(sorted(responses))})"
        response = httpx.Response(
            exchange.status,
            headers=exchange.headers,
            content=exchange.body,
            request=httpx.Request(exchange.method, f"http://mock{exchange.path}?{exchange.query}"),
        )
        response.elapsed = timedelta(0)
        try:
            operation.validate_response(response)
        except BaseExceptionGroup as group:  # schemathesis' FailureGroup: one sub-exception per failure
            return " | ".join(" ".join(str(e).split())[:700] for e in group.exceptions)
        except Exception as exc:
            return " ".join(str(exc).split())[:1500]
        return None
