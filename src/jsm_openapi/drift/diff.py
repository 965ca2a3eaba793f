"""Structural diff of two parsed OpenAPI 3.x documents, classified by the rule catalogue.

Operations are matched by method and path with parameter names blanked (`/request/{}/feedback`), so renaming a path
parameter is a parameter change, not a removed and an added operation. Parameters are matched by location and name
(path parameters by position). Key order and formatting never show (the documents are parsed); descriptions,
examples, tags and vendor metadata become `info` changes, apart from API changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..documents import Json
from ..errors import InputError
from ..operations import HTTP_METHODS, normalized_path, path_parameters
from ..pointers import Resolver, join, local_refs, ref_name
from .collect import Draft, Edge, Found, Loc
from .model import Change, OperationRef
from .renames import find_renames, schema_ref
from .schemas import Place, SchemaDiffer, describe, schema_type
from .security import SecurityChanges, requirements

SCHEMA_REFS = "#/components/schemas/"
SCALARS = frozenset({"string", "integer", "number", "boolean"})
REF_CHANGED = ("request-schema-ref-changed", "response-schema-ref-changed")


def snake_case(name: str) -> str:
    """How openapi-python-client names a module and function after an operationId."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"[^0-9a-zA-Z]+", "_", spaced).strip("_").lower()


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    item: dict[str, Any]
    operation: dict[str, Any]
    pointer: str

    @property
    def ref(self) -> OperationRef:
        return OperationRef(self.method, self.path, str(self.operation.get("operationId") or ""))

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {normalized_path(self.path)}"


@dataclass(frozen=True)
class Parameter:
    key: str  # stable: `query:expand`, `path:#0` (path parameters by position)
    value: dict[str, Any]
    pointer: str


def _operations(document: Json) -> dict[str, Operation]:
    found: dict[str, Operation] = {}
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                op = Operation(method, path, item, operation, join("#/paths", path, method))
                found.setdefault(op.key, op)
    return found


def _check(document: Json, label: str) -> None:
    if not isinstance(document, dict) or not isinstance(document.get("paths", {}), dict):
        raise InputError(f"{label}: not an OpenAPI document (expected an object with `paths`)")
    if "swagger" in document:
        raise InputError(f"{label}: Swagger {document['swagger']} is not supported", hint="convert it to OpenAPI 3")
    if not str(document.get("openapi", "")).startswith("3."):
        raise InputError(f"{label}: expected `openapi: 3.x`, found {document.get('openapi')!r}")


def compare_documents(old: Json, new: Json, *, old_label: str = "OLD", new_label: str = "NEW") -> list[Change]:
    """Every change from `old` to `new`, sorted most severe first, each with its affected operations."""
    _check(old, old_label)
    _check(new, new_label)
    return _DocumentDiff(old, new, old_label, new_label).run()


class _DocumentDiff:
    def __init__(self, old: Json, new: Json, old_label: str, new_label: str) -> None:
        self.old_doc, self.new_doc = old, new
        self.old = Resolver(old, old_label)
        self.new = Resolver(new, new_label)
        self.schemas = SchemaDiffer(self.old, self.new)
        self.changes: dict[tuple[str, str, bytes, bytes], tuple[Draft, list[OperationRef]]] = {}
        self.security = SecurityChanges()

    def run(self) -> list[Change]:
        self._document()
        old_ops, new_ops = _operations(self.old_doc), _operations(self.new_doc)
        removed = [old_ops[k] for k in old_ops if k not in new_ops]
        added = [new_ops[k] for k in new_ops if k not in old_ops]
        moved = self._moved(removed, added)
        for op in removed:
            if op.key not in moved:
                found = Found()
                found.add("operation-removed", "operation removed", _loc(op, op), old=op.key, removed=True)
                self._record(found, op.ref)
        for op in added:
            if op.key not in {new.key for new in moved.values()}:
                found = Found()
                found.add("operation-added", "new operation", _loc(op, op), new=op.key)
                self._record(found, op.ref)
        for key, op in new_ops.items():
            if key in old_ops:
                self._operation(old_ops[key], op)
        schemes = set((self.old_doc.get("components") or {}).get("securitySchemes") or {})
        schemes |= set((self.new_doc.get("components") or {}).get("securitySchemes") or {})
        for draft, ops in self.security.drafts(schemes):
            self.changes[draft.key()] = (draft, ops)
        self._renames()
        return sorted(
            (
                Change(d.rule, d.message, d.pointer, d.subject, tuple(ops), d.old, d.new)
                for d, ops in self.changes.values()
            ),
            key=Change.sort_key,
        )

    def _renames(self) -> None:
        """Fold each component rename (and the `$ref`s that followed it, and its removal and addition) into one."""
        old_schemas = (self.old_doc.get("components") or {}).get("schemas") or {}
        new_schemas = (self.new_doc.get("components") or {}).get("schemas") or {}
        observed = [(str(draft.old), str(draft.new)) for draft, _ in self.changes.values() if draft.rule in REF_CHANGED]
        renames = find_renames(old_schemas, new_schemas, observed)
        if not renames:
            return
        followed = {(schema_ref(old), schema_ref(new)) for old, new in renames.items()}
        reached: dict[str, list[OperationRef]] = {old: [] for old in renames}
        kept: dict[tuple[str, str, bytes, bytes], tuple[Draft, list[OperationRef]]] = {}
        for key, (draft, ops) in self.changes.items():
            if draft.rule in REF_CHANGED and (draft.old, draft.new) in followed:
                ops_of = reached[ref_name(str(draft.old))]
                ops_of.extend(op for op in ops if op not in ops_of)
            elif (draft.rule == "component-schema-removed" and draft.old in renames) or (
                draft.rule == "component-schema-added" and draft.new in renames.values()
            ):
                continue  # the rename says it
            else:
                kept[key] = (draft, ops)
        for old, new in sorted(renames.items()):
            draft = Draft(
                "component-renamed",
                f"schema `{old}` renamed `{new}` (same structure): the generated model class `{old}` becomes `{new}`",
                schema_ref(new),
                f"{schema_ref(old)}→{new}",
                old=old,
                new=new,
            )
            kept[draft.key()] = (draft, sorted(reached[old]))
        self.changes = kept

    def _record(self, found: Found, op: OperationRef | None, edges: set[Edge] | None = None) -> None:
        """Attach drafts (and the changes inside components reached through `edges`) to an operation."""
        drafts = list(found.drafts)
        if edges:
            drafts.extend(self.schemas.reachable(edges).drafts)
        for draft in drafts:
            _, ops = self.changes.setdefault(draft.key(), (draft, []))
            if op is not None and op not in ops:
                ops.append(op)

    # -- document level ---------------------------------------------------------------------------------------------

    def _document(self) -> None:
        old, new, found = self.old_doc, self.new_doc, Found()
        root = Loc("#", "#", "#")
        if old.get("openapi") != new.get("openapi"):
            found.add(
                "openapi-version-changed",
                f"OpenAPI {old.get('openapi')} → {new.get('openapi')}",
                root.key("openapi"),
                old=old.get("openapi"),
                new=new.get("openapi"),
            )
        if old.get("info") != new.get("info"):
            before, after = old.get("info") or {}, new.get("info") or {}
            for key in sorted(set(before) | set(after)):
                if before.get(key) != after.get(key):
                    found.add(
                        "info-changed",
                        f"info.{key} changed",
                        root.key("info").key(key),
                        old=before.get(key),
                        new=after.get(key),
                    )
        if _servers(old.get("servers")) != _servers(new.get("servers")):
            found.add(
                "servers-changed",
                f"servers {_servers(old.get('servers'))} → {_servers(new.get('servers'))}",
                root.key("servers"),
                old=_servers(old.get("servers")),
                new=_servers(new.get("servers")),
            )
        found.documentation(old, new, root, "document")
        self._security_schemes(root, found)
        old_schemas = (old.get("components") or {}).get("schemas") or {}
        new_schemas = (new.get("components") or {}).get("schemas") or {}
        where = root.key("components").key("schemas")
        for name in old_schemas:
            if name not in new_schemas:
                found.add(
                    "component-schema-removed", f"schema `{name}` removed", where.key(name), old=name, removed=True
                )
        for name in new_schemas:
            if name not in old_schemas:
                found.add("component-schema-added", f"new schema `{name}`", where.key(name), new=name)
        self._record(found, None)

    def _security_schemes(self, root: Loc, found: Found) -> None:
        before = (self.old_doc.get("components") or {}).get("securitySchemes") or {}
        after = (self.new_doc.get("components") or {}).get("securitySchemes") or {}
        where = root.key("components").key("securitySchemes")
        for name in sorted(set(before) | set(after)):
            loc = where.key(name)
            if name not in after:
                found.add("security-scheme-removed", f"security scheme `{name}` removed", loc, old=name, removed=True)
            elif name not in before:
                found.add("security-scheme-added", f"new security scheme `{name}`", loc, new=name)
            elif before[name] != after[name]:
                self._security_scheme(before[name], after[name], loc, name, found)

    @staticmethod
    def _security_scheme(before: Json, after: Json, loc: Loc, name: str, found: Found) -> None:
        found.documentation(before, after, loc, f"security scheme `{name}`")
        old_scopes, new_scopes = _scopes(before), _scopes(after)
        removed, added = sorted(old_scopes - new_scopes), sorted(new_scopes - old_scopes)
        if removed:
            found.add(
                "security-scheme-changed",
                f"security scheme `{name}`: scopes removed: {', '.join(removed)}",
                loc,
                old=removed,
            )
        if added:
            found.add(
                "security-scopes-added", f"security scheme `{name}`: new scopes: {', '.join(added)}", loc, new=added
            )
        if set(old_scopes) == set(new_scopes) and _scope_docs(before) != _scope_docs(after):
            found.add("description-changed", f"security scheme `{name}`: scope descriptions changed", loc.key("flows"))
        if _strip_docs(before) != _strip_docs(after):
            found.add("security-scheme-changed", f"security scheme `{name}` changed", loc)

    def _moved(self, removed: list[Operation], added: list[Operation]) -> dict[str, Operation]:
        """Removed operations whose operationId reappears on another path: one `operation-path-changed` each."""
        by_id = {op.ref.operation_id: op for op in added if op.ref.operation_id}
        moved: dict[str, Operation] = {}
        for op in removed:
            target = by_id.get(op.ref.operation_id) if op.ref.operation_id else None
            if target is not None and target.method == op.method:
                moved[op.key] = target
                found = Found()
                found.add(
                    "operation-path-changed",
                    f"`{op.ref.operation_id}` moved: {op.method.upper()} {op.path} → {target.path}",
                    _loc(op, target),
                    old=op.path,
                    new=target.path,
                )
                self._record(found, target.ref)
        return moved

    # -- operations -------------------------------------------------------------------------------------------------

    def _operation(self, old: Operation, new: Operation) -> None:
        found, edges = Found(), set[Edge]()
        loc = _loc(old, new)
        before, after = old.operation, new.operation
        old_id, new_id = str(before.get("operationId") or ""), str(after.get("operationId") or "")
        if old_id != new_id:
            found.add(
                "operation-id-changed",
                f"operationId {old_id or 'none'} → {new_id or 'none'}: the generated function "
                f"`{snake_case(old_id) or '?'}` becomes `{snake_case(new_id) or '?'}`",
                loc.key("operationId"),
                old=old_id,
                new=new_id,
            )
        if bool(before.get("deprecated")) != bool(after.get("deprecated")):
            rule = "operation-deprecated" if after.get("deprecated") else "operation-undeprecated"
            found.add(
                rule, "now deprecated" if after.get("deprecated") else "no longer deprecated", loc.key("deprecated")
            )
        if bool(before.get("x-experimental")) != bool(after.get("x-experimental")):
            now = bool(after.get("x-experimental"))
            rule = "operation-became-experimental" if now else "operation-no-longer-experimental"
            what = "now experimental (needs X-ExperimentalApi: opt-in)" if now else "no longer experimental"
            found.add(rule, what, loc.key("x-experimental"), old=not now, new=now)
        found.documentation(before, after, loc, "operation")
        path_loc = Loc(join("#/paths", old.path), join("#/paths", new.path), join("#/paths", normalized_path(new.path)))
        found.documentation(old.item, new.item, path_loc, "path")
        self._security(old, new)
        old_servers = _servers(before.get("servers", old.item.get("servers")))
        new_servers = _servers(after.get("servers", new.item.get("servers")))
        if old_servers != new_servers:
            found.add(
                "servers-changed",
                f"servers {old_servers} → {new_servers}",
                loc.key("servers"),
                old=old_servers,
                new=new_servers,
            )
        self._parameters(old, new, loc, found)
        self._request_body(before.get("requestBody"), after.get("requestBody"), loc.key("requestBody"), found)
        self._responses(before.get("responses") or {}, after.get("responses") or {}, loc.key("responses"), found)
        edges = found.edges
        self._record(found, new.ref, edges)

    def _security(self, old: Operation, new: Operation) -> None:
        before = requirements(old.operation.get("security", self.old_doc.get("security")))
        after = requirements(new.operation.get("security", self.new_doc.get("security")))
        self.security.add(new.ref, before, after)

    def _effective_parameters(self, op: Operation, resolver: Resolver) -> dict[str, Parameter]:
        names = path_parameters(op.path)
        params: dict[str, Parameter] = {}
        for where, raw in (("item", op.item.get("parameters")), ("operation", op.operation.get("parameters"))):
            base = join("#/paths", op.path) if where == "item" else op.pointer
            for index, entry in enumerate(raw or []):
                value, _ = resolver.deref(entry, join(base, "parameters", index))
                if not isinstance(value, dict):
                    continue
                name, location = str(value.get("name")), str(value.get("in"))
                key = f"path:#{names.index(name)}" if location == "path" and name in names else f"{location}:{name}"
                params[key] = Parameter(key, value, join(base, "parameters", index))
        return params

    def _parameters(self, old: Operation, new: Operation, loc: Loc, found: Found) -> None:
        before = self._effective_parameters(old, self.old)
        after = self._effective_parameters(new, self.new)
        for key, param in before.items():
            if key not in after:
                label = _param_label(param.value)
                found.add(
                    "parameter-removed",
                    f"{label} removed",
                    Loc(param.pointer, param.pointer, join(loc.stable, f"parameters[{key}]")),
                    old=label,
                    removed=True,
                )
        for key, param in after.items():
            ploc = Loc(
                before[key].pointer if key in before else param.pointer,
                param.pointer,
                join(loc.stable, f"parameters[{key}]"),
            )
            label = _param_label(param.value)
            if key not in before:
                required = bool(param.value.get("required"))
                defaulted = required and self._has_default(param.value, self.new, param.pointer)
                if defaulted:
                    rule, kind = "required-parameter-with-default-added", "required (with a default)"
                else:
                    rule = "required-parameter-added" if required else "parameter-added"
                    kind = "required" if required else "optional"
                found.add(
                    rule,
                    f"new {kind} {label} ({describe(param.value.get('schema'))})",
                    ploc,
                    new=describe(param.value.get("schema")),
                )
                found.edges.update((r, r, "request") for r in local_refs(param.value))
                continue
            if _unchanged(before[key].value, param.value, found, "request"):
                continue
            self._parameter(before[key].value, param.value, ploc, label, found)

    def _parameter(self, old: dict[str, Any], new: dict[str, Any], loc: Loc, label: str, found: Found) -> None:
        if old.get("name") != new.get("name"):
            found.add(
                "parameter-renamed",
                f"path parameter `{old.get('name')}` renamed `{new.get('name')}` (generated argument renamed)",
                loc.key("name"),
                old=old.get("name"),
                new=new.get("name"),
            )
        was, now = bool(old.get("required")), bool(new.get("required"))
        if was != now:
            rule = "parameter-became-required" if now else "parameter-became-optional"
            what = f"{label} is {'now' if now else 'no longer'} required"
            if now and self._has_default(new, self.new, loc.new):
                rule, what = "parameter-became-required-with-default", f"{what}, with a default"
            found.add(rule, what, loc.key("required"), old=was, new=now)
        if bool(old.get("deprecated")) != bool(new.get("deprecated")) and new.get("deprecated"):
            found.add("parameter-deprecated", f"{label} is now deprecated", loc.key("deprecated"))
        for key in ("style", "explode", "allowReserved", "allowEmptyValue"):
            if old.get(key) != new.get(key):
                found.add(
                    "parameter-serialization-changed",
                    f"{label}: {key} {old.get(key)} → {new.get(key)}",
                    loc.key(key),
                    old=old.get(key),
                    new=new.get(key),
                )
        found.documentation(old, new, loc, label)
        if self._stringified(old, new, loc, label, found):
            return
        if "content" in old or "content" in new:
            self._content(
                old.get("content") or {}, new.get("content") or {}, Place(loc.key("content"), label, "request", found)
            )
        else:
            self.schemas.compare(
                old.get("schema"), new.get("schema"), Place(loc.key("schema"), label, "request", found)
            )

    @staticmethod
    def _has_default(param: dict[str, Any], resolver: Resolver, pointer: str) -> bool:
        schema, _ = resolver.deref(param.get("schema"), join(pointer, "schema"))
        return isinstance(schema, dict) and "default" in schema

    def _stringified(self, old: dict[str, Any], new: dict[str, Any], loc: Loc, label: str, found: Found) -> bool:
        """A scalar parameter whose type changed where the generated code turns the value into text anyway."""
        where = new.get("in")
        if where not in ("path", "query", "header") or "content" in old or "content" in new:
            return False
        before, _ = self.old.deref(old.get("schema"), join(loc.old, "schema"))
        after, _ = self.new.deref(new.get("schema"), join(loc.new, "schema"))
        was, now = schema_type(before), schema_type(after)
        if was == now or was not in SCALARS or now not in SCALARS:
            return False
        if where == "header" and now == "string":
            return False  # a header string is passed as is: httpx refuses a number (a type change, breaking)
        found.add(
            "parameter-type-stringified",
            f"{label}: type {describe(before)} → {describe(after)} (the generated code sends it as text either way)",
            loc.key("schema"),
            old=was,
            new=now,
        )
        return True

    def _request_body(self, old: Json, new: Json, loc: Loc, found: Found) -> None:
        if old is None and new is None:
            return
        if old is None:
            body, _ = self.new.deref(new, loc.new)
            required = bool(body.get("required"))
            rule = "required-request-body-added" if required else "request-body-added"
            found.add(rule, f"new {'required' if required else 'optional'} request body ({_media(body)})", loc)
            found.edges.update((r, r, "request") for r in local_refs(body))
            return
        if new is None:
            body, _ = self.old.deref(old, loc.old)
            found.add("request-body-removed", f"request body removed ({_media(body)})", loc, removed=True)
            return
        if _unchanged(old, new, found, "request"):
            return
        before, old_ptr = self.old.deref(old, loc.old)
        after, new_ptr = self.new.deref(new, loc.new)
        loc = Loc(old_ptr, new_ptr, loc.stable)
        was, now = bool(before.get("required")), bool(after.get("required"))
        if was != now:
            rule = "request-body-became-required" if now else "request-body-became-optional"
            found.add(
                rule, f"request body is {'now' if now else 'no longer'} required", loc.key("required"), old=was, new=now
            )
        found.documentation(before, after, loc, "request body")
        content = Place(loc.key("content"), "request body", "request", found)
        self._content(before.get("content") or {}, after.get("content") or {}, content)

    def _content(self, old: dict[str, Any], new: dict[str, Any], place: Place, *, success: bool = True) -> None:
        """Compare media types of a body; removed types use the request/response rules, shared ones their schemas."""
        loc, label, direction, found, _ = place
        before = {_media_key(k): (k, v) for k, v in old.items()}
        after = {_media_key(k): (k, v) for k, v in new.items()}
        gone = [before[k][0] for k in before if k not in after]
        came = [after[k][0] for k in after if k not in before]
        if gone:
            if direction == "request":
                rule = "request-media-type-removed"
            else:
                rule = "success-media-type-changed" if success else "error-media-type-changed"
            found.add(
                rule,
                f"{label}: content type {', '.join(gone)} → {', '.join(new) or 'none'}",
                loc,
                old=gone,
                new=came or None,
            )
        elif came:
            rule = "request-media-type-added" if direction == "request" else "response-media-type-added"
            found.add(rule, f"{label}: new content type {', '.join(came)}", loc, new=came)
        pairs = [(before[k], after[k]) for k in after if k in before]
        if gone and came and not pairs and len(gone) == len(came) == 1:
            pairs = [(before[_media_key(gone[0])], after[_media_key(came[0])])]  # e.g. JSON became multipart
        for (old_type, old_media), (new_type, new_media) in pairs:
            mloc = loc.keys(old_type, new_type, new_type)
            what = f"{label} ({new_type})"
            if not isinstance(old_media, dict) or not isinstance(new_media, dict):
                continue
            found.documentation(old_media, new_media, mloc, what)
            if old_media.get("encoding") != new_media.get("encoding"):
                found.add(f"{direction}-schema-keyword-changed", f"{what}: encoding changed", mloc.key("encoding"))
            old_schema, new_schema = old_media.get("schema"), new_media.get("schema")
            if old_schema is None and new_schema is None:
                continue
            self.schemas.compare(old_schema or {}, new_schema or {}, Place(mloc.key("schema"), what, direction, found))

    def _responses(self, old: dict[str, Any], new: dict[str, Any], loc: Loc, found: Found) -> None:
        success = [s for s in new if str(s).startswith("2")]
        gone_success = sorted(s for s in old if str(s).startswith("2") and s not in new)
        new_success = sorted(s for s in success if s not in old)
        for before, after in zip(gone_success, new_success, strict=False):
            found.add(
                "success-status-changed",
                f"success status {before} → {after}",
                loc.keys(before, after, f"{before}->{after}"),
                old=before,
                new=after,
            )
            self._response(old[before], new[after], loc.keys(before, after, after), str(after), found)
        paired = min(len(gone_success), len(new_success))
        for status in list(old):
            if status in new or status in gone_success[:paired]:
                continue
            is_success = str(status).startswith("2")
            rule = "success-response-removed" if is_success else "error-response-removed"
            found.add(rule, f"response {status} removed", loc.key(status), old=status, removed=True)
        for status, response in new.items():
            if status in old or status in new_success[:paired]:
                continue
            is_success = str(status).startswith("2")
            rule = "success-response-added" if is_success else "error-response-added"
            body, _ = self.new.deref(response, loc.key(status).new)
            found.add(rule, f"new response {status} ({_media(body) or 'no body'})", loc.key(status), new=status)
            found.edges.update((r, r, "response") for r in local_refs(body))
        for status, response in new.items():
            if status in old:
                self._response(old[status], response, loc.key(status), str(status), found)

    def _response(self, old: Json, new: Json, loc: Loc, status: str, found: Found) -> None:
        if _unchanged(old, new, found, "response"):
            return
        before, old_ptr = self.old.deref(old, loc.old)
        after, new_ptr = self.new.deref(new, loc.new)
        if not isinstance(before, dict) or not isinstance(after, dict):
            return
        loc = Loc(old_ptr, new_ptr, loc.stable)
        what = f"response {status}"
        found.documentation(before, after, loc, what)
        old_headers, new_headers = before.get("headers") or {}, after.get("headers") or {}
        for name in old_headers:
            if name not in new_headers:
                found.add(
                    "response-header-removed",
                    f"{what}: header {name} removed",
                    loc.key("headers").key(name),
                    removed=True,
                )
        for name, header in new_headers.items():
            hloc = loc.key("headers").key(name)
            if name not in old_headers:
                found.add("response-header-added", f"{what}: new header {name}", hloc)
                continue
            old_header, _ = self.old.deref(old_headers[name], hloc.old)
            new_header, _ = self.new.deref(header, hloc.new)
            found.documentation(old_header, new_header, hloc, f"{what} header {name}")
            header_place = Place(hloc.key("schema"), f"{what} header {name}", "response", found)
            self.schemas.compare(old_header.get("schema"), new_header.get("schema"), header_place)
        content = Place(loc.key("content"), what, "response", found)
        self._content(before.get("content") or {}, after.get("content") or {}, content, success=status.startswith("2"))


def _unchanged(old: Json, new: Json, found: Found, direction: str) -> bool:
    """Whether two parts are equal and refer to schemas only: then only the schemas they reach are compared.

    A part that refers to another kind of component (a shared parameter, header or response) takes the long way,
    which resolves those references and compares what they point at.
    """
    if old != new:
        return False
    refs = local_refs(new)
    if any(not ref.startswith(SCHEMA_REFS) for ref in refs):
        return False
    found.edges.update((ref, ref, direction) for ref in refs)
    return True


def _loc(old: Operation, new: Operation) -> Loc:
    return Loc(old.pointer, new.pointer, new.key)


def _media_key(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def _media(body: Json) -> str:
    if not isinstance(body, dict):
        return ""
    return ", ".join(
        f"{k} {describe(v.get('schema'))}" for k, v in (body.get("content") or {}).items() if isinstance(v, dict)
    )


def _param_label(param: dict[str, Any]) -> str:
    return f"{param.get('in')} parameter `{param.get('name')}`"


def _servers(servers: Json) -> list[str]:
    return [str(s.get("url")) for s in servers or [] if isinstance(s, dict)]


def _scopes(scheme: Json) -> set[str]:
    flows = scheme.get("flows") if isinstance(scheme, dict) else None
    return {f"{flow}:{scope}" for flow, value in (flows or {}).items() for scope in (value.get("scopes") or {})}


def _scope_docs(scheme: Json) -> Json:
    flows = scheme.get("flows") if isinstance(scheme, dict) else None
    return {flow: value.get("scopes") for flow, value in (flows or {}).items()}


def _strip_docs(value: Json) -> Json:
    """A value without descriptions, summaries, extensions and OAuth scope maps (compared on their own)."""
    if isinstance(value, dict):
        return {
            k: _strip_docs(v)
            for k, v in value.items()
            if k not in ("description", "summary", "scopes") and not k.startswith("x-")
        }
    if isinstance(value, list):
        return [_strip_docs(v) for v in value]
    return value
