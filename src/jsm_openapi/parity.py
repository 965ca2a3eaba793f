"""Server vs Cloud parity of the `/servicedeskapi` operations, from the two patched documents.

Operations are matched by method and *wire* path: the server URL's path joined with the operation's path, with
parameter names blanked (Server's `/servicedeskapi/customer` under `http://{baseurl}/rest` is Cloud's
`/rest/servicedeskapi/customer` under `https://your-domain.atlassian.net`). For shared operations the parameters,
request bodies and responses are compared field by field. Fields marked with the same `x-jsm-concept` (e.g.
`customer.display-name` on Server's `fullName` and Cloud's `displayName`) are paired first as one concept under two
names; then fields are paired by name. User identifiers get a note: Server names users by username, Cloud by accountId.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .documents import Json
from .drift.schemas import schema_type
from .errors import InputError
from .operations import HTTP_METHODS, normalized_path, path_parameters
from .pointers import Resolver

PREFIX = "/rest/servicedeskapi"
CONCEPT = "x-jsm-concept"
USER_IDS = {"username", "usernames", "accountId", "accountIds"}
GENERIC_ERRORS = {"400", "401", "403", "404", "500", "default"}  # declared unevenly; counted, not listed
_USER_NOTE = "Server names users by username (`name`/`key`), Cloud by `accountId`"


@dataclass(frozen=True)
class Endpoint:
    """One operation of one flavor, by wire path."""

    method: str
    wire_path: str
    operation: dict[str, Any]
    item: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {normalized_path(self.wire_path)}"

    @property
    def operation_id(self) -> str:
        return str(self.operation.get("operationId") or "")

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.wire_path}"

    @property
    def label(self) -> str:
        """How the table names it: `POST /rest/servicedeskapi/customer` createCustomer."""
        return f"`{self}`" + (f" {self.operation_id}" if self.operation_id else "")


@dataclass(frozen=True)
class Difference:
    """One row of the table: where the two flavors differ for a shared operation."""

    operation: str
    where: str
    server: str
    cloud: str
    note: str = ""


@dataclass
class ParityReport:
    server_title: str
    cloud_title: str
    shared: list[tuple[Endpoint, Endpoint]] = field(default_factory=list)
    server_only: list[Endpoint] = field(default_factory=list)
    cloud_only: list[Endpoint] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    generic_error_differences: int = 0  # shared operations whose 400/401/403/404/500 lists differ

    @property
    def differing(self) -> set[str]:
        return {d.operation for d in self.differences}


def _base_path(servers: Json) -> str:
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return ""
    return urlsplit(str(servers[0].get("url", ""))).path.rstrip("/")


def endpoints(document: Json, label: str) -> dict[str, Endpoint]:
    """The document's `/rest/servicedeskapi` operations by `METHOD /normalized/wire/path`."""
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise InputError(f"{label}: not an OpenAPI document (no paths)", hint="run `jsm-openapi patch` to rebuild it")
    base = _base_path(document.get("servers"))
    found: dict[str, Endpoint] = {}
    for path, item in document["paths"].items():
        if not isinstance(item, dict):
            continue
        item_base = _base_path(item["servers"]) if "servers" in item else base
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            op_base = _base_path(operation["servers"]) if "servers" in operation else item_base
            wire = op_base + path
            if wire == PREFIX or wire.startswith(PREFIX + "/"):
                endpoint = Endpoint(method, wire, operation, item)
                found[endpoint.key] = endpoint
    return found


def parity_report(server: Json, cloud: Json) -> ParityReport:
    """Compare the Server and Cloud documents' `/servicedeskapi` operations."""
    server_ops, cloud_ops = endpoints(server, "server document"), endpoints(cloud, "cloud document")
    report = ParityReport(server_title=_title(server), cloud_title=_title(cloud))
    for key in sorted(server_ops.keys() | cloud_ops.keys(), key=_order):
        if key in server_ops and key in cloud_ops:
            report.shared.append((server_ops[key], cloud_ops[key]))
        elif key in server_ops:
            report.server_only.append(server_ops[key])
        else:
            report.cloud_only.append(cloud_ops[key])
    compare = _Compare(Resolver(server, "server document"), Resolver(cloud, "cloud document"))
    for server_op, cloud_op in report.shared:
        report.differences.extend(compare.operation(server_op, cloud_op))
    report.generic_error_differences = compare.generic_error_differences
    return report


def _order(key: str) -> tuple[str, int]:
    method, path = key.split(" ", 1)
    return (path, HTTP_METHODS.index(method.lower()))


def _title(document: Json) -> str:
    info = document.get("info") if isinstance(document, dict) else None
    if not isinstance(info, dict):
        return "?"
    return f"{info.get('title', '?')} {info.get('version', '')}".strip()


@dataclass(frozen=True)
class _Field:
    name: str
    kind: str  # comparable: type and format, no component names
    shown: str  # for people: with component names
    required: bool
    deprecated: bool
    concept: str

    def cell(self) -> str:
        flags = [flag for flag, on in (("required", self.required), ("deprecated", self.deprecated)) if on]
        extra = f", {', '.join(flags)}" if flags else ""
        return f"`{self.name}` ({self.shown}{extra})"


class _Compare:
    def __init__(self, server: Resolver, cloud: Resolver) -> None:
        self.server, self.cloud = server, cloud
        self.generic_error_differences = 0

    def operation(self, server: Endpoint, cloud: Endpoint) -> list[Difference]:
        name = cloud.label
        rows: list[Difference] = []
        rows += self._parameters(server, cloud, name)
        rows += self._body(name, "request body", self._request(server, self.server), self._request(cloud, self.cloud))
        rows += self._responses(server, cloud, name)
        return rows

    # -- parameters -------------------------------------------------------------------------------------------------

    def _params(self, endpoint: Endpoint, resolver: Resolver) -> dict[str, _Field]:
        names = path_parameters(endpoint.wire_path)
        params: dict[str, _Field] = {}
        for raw in [*(endpoint.item.get("parameters") or []), *(endpoint.operation.get("parameters") or [])]:
            param, _ = resolver.deref(raw, "#")
            if not isinstance(param, dict):
                continue
            name, where = str(param.get("name")), str(param.get("in"))
            key = f"path #{names.index(name) + 1}" if where == "path" and name in names else f"{where} {name}"
            schema, _ = resolver.deref(param.get("schema") or {}, "#")
            params[key] = self._field(name, schema, resolver, bool(param.get("required")), param)
        return params

    def _parameters(self, server: Endpoint, cloud: Endpoint, name: str) -> list[Difference]:
        before, after = self._params(server, self.server), self._params(cloud, self.cloud)
        rows = []
        for key in sorted(before.keys() | after.keys()):
            where = f"{key.split(' ', 1)[0]} parameter"
            s, c = before.get(key), after.get(key)
            if s is None or c is None or s.kind != c.kind or s.required != c.required or s.name != c.name:
                note = _USER_NOTE if {f.name for f in (s, c) if f} & USER_IDS else ""
                rows.append(Difference(name, where, s.cell() if s else "—", c.cell() if c else "—", note))
        return rows

    # -- bodies -----------------------------------------------------------------------------------------------------

    def _request(self, endpoint: Endpoint, resolver: Resolver) -> tuple[list[str], Json]:
        body, _ = resolver.deref(endpoint.operation.get("requestBody"), "#")
        return self._content(body, resolver)

    def _content(self, holder: Json, resolver: Resolver) -> tuple[list[str], Json]:
        if not isinstance(holder, dict):
            return [], None
        content = holder.get("content") or {}
        types = sorted(content)
        preferred = next((t for t in types if "json" in t), types[0] if types else None)
        schema = content[preferred].get("schema") if preferred and isinstance(content[preferred], dict) else None
        return types, schema

    def _body(
        self, name: str, where: str, server: tuple[list[str], Json], cloud: tuple[list[str], Json]
    ) -> list[Difference]:
        (server_types, server_schema), (cloud_types, cloud_schema) = server, cloud
        rows = []
        if server_types != cloud_types:
            rows.append(
                Difference(name, f"{where} content type", ", ".join(server_types) or "—", ", ".join(cloud_types) or "—")
            )
        if server_schema is None or cloud_schema is None:
            return rows
        server_fields = self._fields(server_schema, self.server)
        cloud_fields = self._fields(cloud_schema, self.cloud)
        if server_fields is None or cloud_fields is None:
            whole_server = self._field("", server_schema, self.server, False, {})
            whole_cloud = self._field("", cloud_schema, self.cloud, False, {})
            if whole_server.kind != whole_cloud.kind:
                rows.append(Difference(name, where, whole_server.shown, whole_cloud.shown))
            return rows
        for s, c in _pair(server_fields, cloud_fields):
            if s and c and s.kind == c.kind and s.required == c.required and s.name == c.name:
                continue
            note = ""
            if s and c and s.name != c.name:
                note = f"one concept: `{s.concept}`"
            elif {f.name for f in (s, c) if f} & USER_IDS:
                note = _USER_NOTE
            rows.append(Difference(name, f"{where} field", s.cell() if s else "—", c.cell() if c else "—", note))
        return rows

    def _responses(self, server: Endpoint, cloud: Endpoint, name: str) -> list[Difference]:
        before = {str(k): v for k, v in (server.operation.get("responses") or {}).items()}
        after = {str(k): v for k, v in (cloud.operation.get("responses") or {}).items()}
        rows = []
        only_server = sorted(set(before) - set(after) - GENERIC_ERRORS)
        only_cloud = sorted(set(after) - set(before) - GENERIC_ERRORS)
        if (set(before) ^ set(after)) & GENERIC_ERRORS:
            self.generic_error_differences += 1
        if only_server or only_cloud:
            rows.append(
                Difference(
                    name,
                    "response statuses",
                    ", ".join(only_server) + " only" if only_server else "—",
                    ", ".join(only_cloud) + " only" if only_cloud else "—",
                )
            )
        for status in sorted(set(before) & set(after)):
            if not status.startswith("2"):
                continue
            server_response, _ = self.server.deref(before[status], "#")
            cloud_response, _ = self.cloud.deref(after[status], "#")
            rows += self._body(
                name,
                f"response {status} body",
                self._content(server_response, self.server),
                self._content(cloud_response, self.cloud),
            )
        return rows

    # -- schemas ----------------------------------------------------------------------------------------------------

    def _fields(self, schema: Json, resolver: Resolver) -> dict[str, _Field] | None:
        """Top-level properties of an object schema (allOf merged, arrays read through their items)."""
        schema, _ = resolver.deref(schema, "#")
        if not isinstance(schema, dict):
            return None
        if schema_type(schema) == "array":
            return self._fields(schema.get("items"), resolver)
        properties: dict[str, Json] = {}
        required: set[str] = set()
        for raw in [schema, *(schema.get("allOf") or [])]:
            part, _ = resolver.deref(raw, "#")
            if isinstance(part, dict):
                properties.update(part.get("properties") or {})
                required.update(part.get("required") or [])
        if not properties:
            return None
        return {
            name: self._field(name, resolver.deref(value, "#")[0], resolver, name in required, value)
            for name, value in properties.items()
        }

    def _field(self, name: str, schema: Json, resolver: Resolver, required: bool, holder: Json) -> _Field:
        raw = holder if isinstance(holder, dict) else {}
        schema, pointer = resolver.deref(schema, "#")
        kind, shown = _kind(schema, resolver)
        if pointer != "#" and shown in ("object", "any"):
            shown = pointer.rsplit("/", 1)[-1]
        concept = raw.get(CONCEPT) or (schema.get(CONCEPT) if isinstance(schema, dict) else None) or ""
        deprecated = bool(raw.get("deprecated") or (isinstance(schema, dict) and schema.get("deprecated")))
        return _Field(name, kind, shown, required, deprecated, str(concept))


def _kind(schema: Json, resolver: Resolver) -> tuple[str, str]:
    """(comparable kind, shown kind) of a schema: type and format, arrays by their items."""
    if not isinstance(schema, dict):
        return "any", "any"
    parts = schema.get("allOf")
    if schema_type(schema) is None and isinstance(parts, list) and len(parts) == 1:
        inner, pointer = resolver.deref(parts[0], "#")  # `allOf: [$ref]`, how Java generators add a description
        kind, shown = _kind(inner, resolver)
        return kind, pointer.rsplit("/", 1)[-1] if pointer != "#" and shown == "object" else shown
    kind = schema_type(schema) or "any"
    if kind == "array":
        items, pointer = resolver.deref(schema.get("items"), "#")
        inner, shown = _kind(items, resolver)
        if pointer != "#" and shown in ("object", "any"):
            shown = pointer.rsplit("/", 1)[-1]
        return f"array of {inner}", f"array of {shown}"
    fmt = schema.get("format")
    text = f"{kind} ({fmt})" if fmt else kind
    return text, text


def _pair(server: dict[str, _Field], cloud: dict[str, _Field]) -> list[tuple[_Field | None, _Field | None]]:
    """Pair fields: first by `x-jsm-concept`, then by name; what is left stands alone."""
    pairs: list[tuple[_Field | None, _Field | None]] = []
    left_server, left_cloud = dict(server), dict(cloud)
    by_concept = {f.concept: f for f in cloud.values() if f.concept}
    for name, field_ in server.items():
        match = by_concept.get(field_.concept) if field_.concept else None
        if match is not None and match.name in left_cloud:
            pairs.append((field_, match))
            del left_server[name], left_cloud[match.name]
    for name in list(left_server):
        if name in left_cloud:
            pairs.append((left_server.pop(name), left_cloud.pop(name)))
    pairs += [(f, None) for f in left_server.values()]
    pairs += [(None, f) for f in left_cloud.values()]
    return pairs


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_parity(report: ParityReport) -> str:
    """The parity report as Markdown: counts, the table of differences, then the one-flavor operations."""
    lines = [
        "# Server vs Cloud parity: /servicedeskapi",
        "",
        f"Server: {report.server_title} · Cloud: {report.cloud_title}",
        "",
        f"**{len(report.shared)} operations in both** ({len(report.differing)} differ) · "
        f"**{len(report.server_only)} only on Server** · **{len(report.cloud_only)} only on Cloud**",
        "",
        f"Error statuses 400/401/403/404/500 are declared unevenly; their lists differ on "
        f"{report.generic_error_differences} shared operation(s) and are not listed below.",
        "",
        "Matched by method and wire path (Server's `/servicedeskapi/...` under base `/rest` is Cloud's "
        "`/rest/servicedeskapi/...`); fields with the same `x-jsm-concept` are one concept under two names.",
        "",
        "## Shared operations that differ",
        "",
        "| operation | where | Server | Cloud | note |",
        "|---|---|---|---|---|",
    ]
    for row in report.differences:
        lines.append(
            f"| {_cell(row.operation)} | {row.where} | {_cell(row.server)} | {_cell(row.cloud)} | {_cell(row.note)} |"
        )
    for title, only in (("Only on Server", report.server_only), ("Only on Cloud", report.cloud_only)):
        lines += ["", f"## {title} ({len(only)})", "", "| method | wire path | operationId |", "|---|---|---|"]
        lines += [f"| {op.method.upper()} | `{op.wire_path}` | {op.operation_id} |" for op in only]
    same = [f"`{cloud}`" for _, cloud in report.shared if cloud.label not in report.differing]
    lines += ["", f"## Shared operations without differences ({len(same)})", "", ", ".join(same) or "none"]
    return "\n".join(lines) + "\n"
