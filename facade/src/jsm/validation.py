"""Response validation: each answer's body held to the patched document's schema for its operation and status.

`jsm.Client(..., validate="warn" | "raise" | callback)` turns it on (default `"off"`: nothing here runs). The
schemas travel inside the generated package (`<package>/_response_schemas.json`, JSON Schema draft 4 written by
`jsm-openapi generate` with OpenAPI 3.0's `nullable`, `readOnly`/`writeOnly` and closed objects resolved); they are
read on first use, and each (operation, status) validator is compiled once and cached. Validation is jsonschema-rs
(the `jsm-client[validate]` extra), chosen by measurement (`bench/bench_validation.py`).

- `warn`: one log line (logger `jsm.validation`, WARNING) per distinct deviation, the first time it is seen;
- `raise`: `jsm.errors.SchemaMismatch` naming the operation, status and pointer, with the parsed body attached;
- a callable: called with each distinct `jsm.deviations.Deviation` once.

With `deviations_file=PATH`, every distinct deviation is also appended to PATH as JSON Lines (`jsm.deviations`).
The site's JSM version (from `/servicedeskapi/info`, asked once, on the first deviation) goes with each deviation.
"""

from __future__ import annotations

import importlib.resources
import json
import logging
import re
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Literal

import httpx

from .deviations import Deviation, DeviationLog, json_type, pointer_of, safe_key, shape_of
from .errors import ConfigurationError, SchemaMismatch
from .operations import Operation
from .transport import OPERATION_KEY

log = logging.getLogger("jsm.validation")

SCHEMAS_FILE = "_response_schemas.json"
SCHEMAS_FORMAT = "jsm-response-schemas"
EXTRA = "jsm-client[validate]"
MAX_DISTINCT = 1000
"""Distinct deviations one client remembers and reports; past that a site is broken beyond what a log can help."""
MAX_ERRORS_PER_ANSWER = 50
_JSON_MEDIA = re.compile(r"^application/(?:[\w.+-]+\+)?json\b", re.IGNORECASE)
_STATUS_RANGE = re.compile(r"^[1-5]XX$", re.IGNORECASE)
_CONSUMES_ONE = {"items", "additionalItems"}
_CONSUMES_NAMED = {"properties"}
_CONSUMES_PATTERN = {"patternProperties"}

Mode = Literal["off", "warn", "raise"] | Callable[[Deviation], object]
Probe = Callable[[], dict[str, Any] | None]
AsyncProbe = Callable[[], Awaitable[dict[str, Any] | None]]


def _library() -> Any:
    try:
        import jsonschema_rs
    except ImportError:
        raise ConfigurationError(
            f"response validation needs the validator library: pip install '{EXTRA}' (it installs jsonschema-rs); "
            "or pass validate='off'"
        ) from None
    return jsonschema_rs


class ResponseSchemas:
    """One generated package's response schemas; validators compiled on first use and kept."""

    def __init__(self, package: str, data: dict[str, Any]) -> None:
        if data.get("format") != SCHEMAS_FORMAT or data.get("version") != 1:
            raise ConfigurationError(
                f"{package}/{SCHEMAS_FILE} is not a version 1 {SCHEMAS_FORMAT} file: regenerate the package with "
                "the jsm-openapi this facade was released with"
            )
        self.package = package
        self.definitions: dict[str, Any] = data["definitions"]
        self.operations: dict[str, dict[str, Any]] = data["operations"]
        self._validators: dict[tuple[str, str], tuple[Any, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._library = _library()

    @classmethod
    def of(cls, package: str) -> ResponseSchemas:
        return _schemas_of(package)

    def declared(self, operation: str, status: int) -> tuple[str, dict[str, Any]] | None:
        """The response entry that applies to a status (exact, then `2XX`, then `default`), with its key."""
        statuses = self.operations.get(operation)
        if statuses is None:
            return None
        for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
            if key in statuses:
                return key, statuses[key]
        return None

    def validator(self, operation: str, status_key: str) -> tuple[Any, dict[str, Any]]:
        """The compiled validator for one response, and the schema document it was compiled from."""
        cached = self._validators.get((operation, status_key))
        if cached is not None:
            return cached
        with self._lock:
            root = self.operations[operation][status_key]["schema"]
            document = {"definitions": _reachable(root, self.definitions), **root}
            compiled = (self._library.Draft4Validator(document), document)
            self._validators[(operation, status_key)] = compiled
            return compiled


@cache
def _schemas_of(package: str) -> ResponseSchemas:
    try:
        raw = importlib.resources.files(package).joinpath(SCHEMAS_FILE).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        raise ConfigurationError(
            f"{package} has no {SCHEMAS_FILE}: it was generated before response validation existed; install a "
            "newer package (or regenerate it with `jsm-openapi generate`), or pass validate='off'"
        ) from None
    return ResponseSchemas(package, json.loads(raw))


def _reachable(root: Any, definitions: dict[str, Any]) -> dict[str, Any]:
    """The definitions a schema reaches through `#/definitions/...` references."""
    found: dict[str, Any] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/definitions/"):
                name = ref[len("#/definitions/") :].replace("~1", "/").replace("~0", "~")
                if name not in found and name in definitions:
                    found[name] = definitions[name]
                    stack.append(definitions[name])
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))
    return found


# --- finding deviations in one answer -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One answer as validation needs it."""

    flavor: str
    operation: str
    """`METHOD path template`."""
    status: int
    content_type: str
    content: bytes

    def whole(self, keyword: str, expected: Any, seen: dict[str, Any]) -> Deviation:
        """A deviation of the whole answer (its status, or a body that is not the declared JSON)."""
        return Deviation(
            flavor=self.flavor,
            operation=self.operation,
            status=self.status,
            pointer="",
            path="",
            keyword=keyword,
            expected=expected,
            seen=seen,
        )


def find_deviations(schemas: ResponseSchemas, answer: Answer) -> tuple[list[Deviation], Any]:
    """Every way one answer disagrees with the document, and its parsed body (None when it is not JSON)."""
    declared = schemas.declared(answer.operation, answer.status)
    if declared is None:
        statuses = sorted(schemas.operations.get(answer.operation, {}))
        return [answer.whole("status", statuses, {"status": answer.status})], _maybe_json(answer.content)
    status_key, entry = declared
    if entry.get("schema") is None:
        return [], None  # no JSON body documented for this status: nothing to hold it to
    content = answer.content
    if not _JSON_MEDIA.match(answer.content_type or "") or not content.strip():
        if entry["schema"] == {} and not content.strip():
            return [], None
        media = (answer.content_type or "").split(";")[0].strip() or "no content type"
        seen = {"type": "empty" if not content.strip() else media, "length": len(content)}
        return [answer.whole("json", "application/json", seen)], None
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):
        return [answer.whole("json", "application/json", {"type": "unreadable JSON", "length": len(content)})], None
    validator, document = schemas.validator(answer.operation, status_key)
    try:
        if validator.is_valid(body):
            return [], body
        errors = list(_first(validator.iter_errors(body), MAX_ERRORS_PER_ANSWER))
    except (ValueError, OverflowError, RecursionError) as exc:
        return [answer.whole("json", "application/json", {"type": f"not validatable ({type(exc).__name__})"})], body
    where = str(entry.get("at", ""))
    found = [d for error in _leaves(errors) for d in _deviations(error, body, document, where, answer)]
    return found, body


def _first(items: Iterable[Any], limit: int) -> Iterator[Any]:
    for count, item in enumerate(items):
        if count >= limit:
            return
        yield item


def _leaves(errors: list[Any]) -> Iterator[Any]:
    """The errors to report: an `anyOf`/`oneOf` that only wraps `null` (a nullable schema) reports its branch's."""
    for error in errors:
        name = error.kind.name
        if name in ("anyOf", "oneOfNotValid", "oneOf"):
            branches = error.kind.as_dict().get("context") or []
            useful = [b for b in branches if not _only_null_type(b)]
            if len(useful) == 1 and len(branches) == 2:
                yield from _leaves(list(useful[0]))
                continue
        yield error


def _only_null_type(branch: list[Any]) -> bool:
    return len(branch) == 1 and branch[0].kind.name == "type" and branch[0].kind.as_dict().get("types") == ["null"]


def _deviations(error: Any, body: Any, document: dict[str, Any], schema_at: str, answer: Answer) -> Iterator[Deviation]:
    instance_path = list(error.instance_path)
    general = _generalized(instance_path, list(error.evaluation_path))
    schema_path = list(error.schema_path)
    keyword = str(schema_path[-1]) if schema_path else error.kind.name
    where = _schema_pointer(schema_path, schema_at)
    kind = error.kind.as_dict()
    value = _at(body, instance_path)
    if keyword == "additionalProperties" and isinstance(value, dict) and kind.get("unexpected"):
        for name in kind["unexpected"]:
            yield Deviation(
                flavor=answer.flavor,
                operation=answer.operation,
                status=answer.status,
                pointer=pointer_of([*instance_path, name]),
                path=general + "/" + safe_key(name).replace("~", "~0").replace("/", "~1"),
                keyword=keyword,
                expected=False,
                seen=shape_of(value.get(name)),
                schema=where,
            )
        return
    if keyword == "required":
        missing = str(kind.get("property", ""))
        yield Deviation(
            flavor=answer.flavor,
            operation=answer.operation,
            status=answer.status,
            pointer=pointer_of([*instance_path, missing]),
            path=general + "/" + safe_key(missing),
            keyword=keyword,
            expected=missing,
            seen={"type": "absent"},
            schema=where,
        )
        return
    expected = _at(document, schema_path) if schema_path else kind
    if keyword == "enum" and isinstance(expected, list) and len(expected) > 20:
        expected = [*expected[:20], "..."]
    if isinstance(expected, dict | list) and len(json.dumps(expected, default=str)) > 400:
        expected = f"see {where}"
    yield Deviation(
        flavor=answer.flavor,
        operation=answer.operation,
        status=answer.status,
        pointer=pointer_of(instance_path),
        path=general,
        keyword=keyword,
        expected=expected,
        seen=shape_of(value),
        schema=where,
    )


def _generalized(instance_path: list[Any], evaluation_path: list[Any]) -> str:
    """The instance path with array indexes and map keys (matched by `additionalProperties`/`patternProperties`)
    as `*`; named properties keep their (sanitized) names."""
    out: list[str] = []
    steps = iter(instance_path)
    position = 0
    while position < len(evaluation_path):
        step = str(evaluation_path[position])
        last = position == len(evaluation_path) - 1
        if step in _CONSUMES_NAMED and not last:
            out.append(safe_key(next(steps, "*")))
            position += 2
            continue
        if step in _CONSUMES_PATTERN and not last:
            next(steps, None)
            out.append("*")
            position += 2
            continue
        if (step in _CONSUMES_ONE or step == "additionalProperties") and not last:
            next(steps, None)
            out.append("*")
        position += 1
    out.extend("*" if isinstance(s, int) else safe_key(s) for s in steps)  # whatever the walk did not account for
    return "".join("/" + s.replace("~", "~0").replace("/", "~1") if s != "*" else "/*" for s in out)


def _schema_pointer(schema_path: list[Any], schema_at: str) -> str:
    """The failing keyword's place in the patched document."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in schema_path]
    if len(parts) >= 2 and parts[0] == "definitions":
        return "#/components/schemas/" + "/".join(parts[1:])
    return schema_at + "".join("/" + p for p in parts)


def _at(node: Any, path: list[Any]) -> Any:
    for step in path:
        if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        elif isinstance(node, dict) and str(step) in node:
            node = node[str(step)]
        else:
            return None
    return node


def _maybe_json(content: bytes) -> Any:
    try:
        return json.loads(content) if content.strip() else None
    except (ValueError, RecursionError):
        return None


# --- what a client does with them ---------------------------------------------------------------------------------


class ResponseValidation:
    """One client's validation: checks answers in its response hook, reports each distinct deviation once."""

    def __init__(
        self,
        *,
        package: str,
        flavor: str,
        mode: Mode,
        deviations_file: str | None = None,
        source: str = "jsm-client",
        info_path: str = "/servicedeskapi/info",
    ) -> None:
        if isinstance(mode, str) and mode not in ("warn", "raise"):
            raise ConfigurationError(f"validate={mode!r}: use 'off', 'warn', 'raise' or a callable")
        self.schemas = ResponseSchemas.of(package)
        self.flavor = flavor
        self.mode = mode
        self.file = DeviationLog(deviations_file, source=source) if deviations_file else None
        self.info_path = info_path
        self.site_version: str | None = None
        self.platform_version: str | None = None
        self._asked = False
        self._seen: set[tuple[Any, ...]] = set()
        self._lock = threading.Lock()
        self._full = False
        provenance = _provenance(package)
        self.document = {"package": package, "patched_sha256": str(provenance.get("patched_sha256", ""))}

    # The hooks call these.

    def check(self, response: httpx.Response, probe: Probe | None = None) -> None:
        found = self._inspect(response)
        if found is None:
            return
        deviations, body = found
        if self._wants_version(deviations) and probe is not None:
            self._asked = True
            self._learn(probe())
        self._report(response, deviations, body)

    async def acheck(self, response: httpx.Response, probe: AsyncProbe | None = None) -> None:
        found = self._inspect(response)
        if found is None:
            return
        deviations, body = found
        if self._wants_version(deviations) and probe is not None:
            self._asked = True
            self._learn(await probe())
        self._report(response, deviations, body)

    # Internals.

    def _inspect(self, response: httpx.Response) -> tuple[list[Deviation], Any] | None:
        op = response.request.extensions.get(OPERATION_KEY)
        if not isinstance(op, Operation):
            return None  # not an operation of the document (a platform call the document lacks, a redirect target)
        answer = Answer(
            self.flavor, op.label, response.status_code, response.headers.get("Content-Type", ""), response.content
        )
        deviations, body = find_deviations(self.schemas, answer)
        if op.path.endswith(self.info_path) and response.status_code == 200 and isinstance(body, dict):
            self._learn(body)
        return (deviations, body) if deviations else None

    def _wants_version(self, deviations: list[Deviation]) -> bool:
        return self.site_version is None and not self._asked and any(d.key not in self._seen for d in deviations)

    def _learn(self, info: dict[str, Any] | None) -> None:
        if isinstance(info, dict):
            version, platform = info.get("version"), info.get("platformVersion")
            self.site_version = str(version)[:64] if isinstance(version, str | int | float) else self.site_version
            if isinstance(platform, str | int | float):
                self.platform_version = str(platform)[:64]

    def _report(self, response: httpx.Response, deviations: list[Deviation], body: Any) -> None:
        stamped = [
            replace(d, site_version=self.site_version, platform_version=self.platform_version, document=self.document)
            for d in deviations
        ]
        new = self._remember(stamped)
        for deviation in new:
            if self.file is not None:
                self.file.append(deviation)
            if self.mode == "warn":
                log.warning("%s", deviation.describe())
            elif callable(self.mode):
                self.mode(deviation)
        if self.mode == "raise":
            raise SchemaMismatch(stamped, response=response, parsed=body)

    def _remember(self, deviations: list[Deviation]) -> list[Deviation]:
        new = []
        with self._lock:
            for deviation in deviations:
                if deviation.key in self._seen:
                    continue
                if len(self._seen) >= MAX_DISTINCT:
                    if not self._full:
                        self._full = True
                        log.error("%d distinct deviations seen: no further ones are reported", MAX_DISTINCT)
                    break
                self._seen.add(deviation.key)
                new.append(deviation)
        return new


def _provenance(package: str) -> dict[str, Any]:
    try:
        module = importlib.import_module(f"{package}._provenance")
    except ImportError:
        return {}
    value = getattr(module, "PROVENANCE", {})
    return value if isinstance(value, dict) else {}


__all__ = ["Answer", "Deviation", "Mode", "ResponseSchemas", "ResponseValidation", "find_deviations", "json_type"]
