"""Operations the mock serves, and what a handler gets: the call (who, what, body) inside one store transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request
from starlette.responses import Response

from .config import Defect
from .errors import JsmError, bad_request
from .model import User
from .store import Transaction
from .wire import JsonAnswer, MalformedJson, is_long, parse_json

BOTH = frozenset({"server", "cloud"})
SERVER = frozenset({"server"})
CLOUD = frozenset({"cloud"})


@dataclass(frozen=True)
class Site:
    """What every handler may read about the running instance."""

    flavor: str
    base_url: str  # scheme://host:port of this request (JSM's `_links.base`)
    defects: frozenset[Defect]
    catalog: dict[str, Any]  # statuses, workflows, SLA goals (from the seed)

    @property
    def cloud(self) -> bool:
        return self.flavor == "cloud"

    def rest(self, path: str) -> str:
        return f"{self.base_url}/rest{path}"

    def category(self, status: str) -> str:
        return str(self.catalog["statuses"].get(status, "UNDEFINED"))


@dataclass
class Call:
    """One request as a handler sees it."""

    request: Request
    site: Site
    user: User | None
    tx: Transaction
    raw_body: bytes
    form: FormData | None = None
    path: dict[str, str] = field(default_factory=dict)

    @property
    def query(self) -> QueryParams:
        return self.request.query_params

    @property
    def me(self) -> User:
        assert self.user is not None, "operation declared anonymous but reads the user"
        return self.user

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name)

    def json(self) -> Any:
        """The body as JSON; 415 if it is not declared JSON, 400 if it does not parse."""
        content_type = self.request.headers.get("content-type", "")
        if self.raw_body and "json" not in content_type.lower():
            raise JsmError(
                415,
                f"Unsupported media type {content_type or '(none)'}: send application/json.",
                "sd.error.unsupported.media.type",
            )
        if not self.raw_body.strip():
            raise bad_request("The request body is missing: send a JSON document.", "sd.error.body.missing")
        try:
            return parse_json(self.raw_body)
        except MalformedJson as exc:
            raise bad_request(f"The request body is not valid JSON: {exc}.", "sd.error.body.malformed") from None

    def object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.", "sd.error.body.not.object")
        return body

    def flag(self, name: str, default: bool = False) -> bool:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise bad_request(f"Query parameter {name}={raw!r} is not true or false.", "sd.error.query.boolean", name)

    def multi(self, name: str) -> list[str]:
        """A list query parameter: repeated keys, each possibly comma-separated."""
        return [part.strip() for raw in self.query.getlist(name) for part in raw.split(",") if part.strip()]

    def reply(self, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        if status == 201 and Defect.CREATE_STATUS_200 in self.site.defects:
            status = 200
        if Defect.INTEGER_IDS in self.site.defects:
            body = _ids_as_numbers(body)
        return JsonAnswer(body, status_code=status, headers=headers)

    def no_content(self) -> Response:
        return Response(status_code=204)


def is_number(text: str) -> bool:
    """An id JSM could have: ASCII digits of a Java long (see `wire.is_long`)."""
    return is_long(text)


def _ids_as_numbers(value: Any) -> Any:
    """The INTEGER_IDS defect: `"id": "10"` becomes `"id": 10` everywhere."""
    if isinstance(value, dict):
        return {
            k: int(v) if (k == "id" or k.endswith("Id")) and isinstance(v, str) and is_number(v) else _ids_as_numbers(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_ids_as_numbers(v) for v in value]
    return value


Handler = Callable[[Call], Response]


@dataclass(frozen=True)
class Operation:
    """One (method, path) the mock serves, for the flavors that have it."""

    method: str
    path: str  # the wire path under /rest, with {params} as in the documents
    handler: Handler
    flavors: frozenset[str]
    experimental: frozenset[str]  # flavors whose document marks it x-experimental
    anonymous: bool = False
    multipart: bool = False

    @property
    def wire_path(self) -> str:
        """Where it is served: under /rest, except the few web paths JSM serves outside the REST API."""
        return self.path if self.path.startswith("/secure/") else "/rest" + self.path


class Registry:
    """Collects operations from the resource modules (`@routes.op(...)`)."""

    def __init__(self) -> None:
        self.operations: list[Operation] = []

    def op(
        self,
        method: str,
        path: str,
        *,
        flavors: frozenset[str] = BOTH,
        experimental: frozenset[str] = frozenset(),
        anonymous: bool = False,
        multipart: bool = False,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.operations.append(
                Operation(method.upper(), path, handler, flavors, experimental, anonymous, multipart)
            )
            return handler

        return register
