"""Layer (c)'s provider: the Python API of the package regenerated from each patched document, compared.

The new side is generated with the real generator (openapi-python-client with this project's configuration and
templates, `generate.run_generator`) into a temporary folder, never touching generated/, build/ or the release
ledger; its API snapshot (`release.snapshot`) is compared with the old side's by `release.compare_api` (griffe). The
old side comes from the cheapest source that is exactly it:

1. the release ledger's `api.txt`, when it was recorded from these very inputs (the same input stamp) and from the
   old side's patched document (its sha256);
2. the package in place (`generated/<project>/`), when it was generated from them too and is untouched since;
3. the snapshot cache, `.cache/api/` (one file per patched document and generator inputs: config, templates,
   toolchain, pipeline code), which also keeps every side generated here: a second run generates nothing;
4. a generation of the old patched document.

What it costs (`bench/bench_drift.py`, section 4, a busy 2-core machine): generating Cloud's package takes 2-8 s,
Server's 12-60 s; rendering a snapshot 0.5 s (Cloud) or 4-5 s (Server); a side from the cache well under a second.
A pin compared against an unchanged copy costs nothing (no layer is computed), and equal patched documents generate
nothing.

Severities are compare_api's (griffe's breaking changes, plus additions, type changes and renames), recalibrated from
the caller's side as docs/drift-rules.md ("Layer (c)") explains: a scalar parameter type the generated code turns into
text is potential; a parameter that becomes required with a default is non-breaking; attrs fields that only moved in
the constructor's positional order are potential (one finding per class). The four functions of an operation
(`sync`, `sync_detailed`, `asyncio`, `asyncio_detailed`) that change alike are one finding.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..documents import canonical_json, pretty_json, sha256_bytes, write_atomic
from ..errors import JsmOpenapiError
from .code_layer import TITLE, CodeContext, basis, not_computed
from .model import CODE, CodeChange, Finding, Layer, OperationRef
from .rules import Severity

if TYPE_CHECKING:
    from ..project import Project
    from ..release.apidiff import ApiChange, ApiDiff
    from ..sources import Flavor

CACHE_FORMAT = "jsm-openapi-api-snapshot"
CACHE_VERSION = 1
VARIANTS = ("sync", "sync_detailed", "asyncio", "asyncio_detailed")  # the functions of one generated operation
_SCALARS = frozenset({"int", "float", "str", "bool"})
_PARAM = re.compile(r"^(?P<name>\w+)(?:: (?P<annotation>.+?))?(?: = (?P<default>.+))?$", re.DOTALL)
MOVED = "Positional parameter was moved"


@dataclass(frozen=True)
class ApiSide:
    """One side's API snapshot, its operations by module (`jsm_cloud.api.request.get_x` → method, path), and where
    it came from (said in the layer's basis)."""

    snapshot: str
    operations: dict[str, tuple[str, str]]
    source: str


class GenerationFailed(JsmOpenapiError):
    """The generator produced no package from a patched document."""


def python_api_layer(context: CodeContext) -> Layer:
    """Layer (c) for one flavor: the regenerated package's Python API diff, or "not computed" and why."""
    where = basis(context)
    if context.project is None or context.definition is None:
        return not_computed("needs the project's generator configuration (a pin of openapi/sources.toml)", where=where)
    project, flavor = context.project, context.definition
    from ..generate import GENERATOR, check_toolchain, config_file

    try:
        toolchain = check_toolchain()
    except JsmOpenapiError as exc:  # the [generate] extra missing (named), or not the pinned versions
        return not_computed(exc.message, where=where)
    if not config_file(project, flavor).is_file():
        path = config_file(project, flavor).relative_to(project.root)
        return not_computed(f"the project has no generator configuration for {flavor.name} ({path})", where=where)
    started = time.perf_counter()
    try:
        old_bytes, new_bytes = pretty_json(context.old_document), pretty_json(context.new_document)
        if old_bytes == new_bytes:
            return Layer(CODE, TITLE, f"{where}: the patched documents are the same, nothing to regenerate")
        inputs = _generator_inputs(project, flavor, toolchain)
        try:
            new = _cached_or_generated(project, flavor, inputs, new_bytes, context.new_document)
        except GenerationFailed as exc:
            return Layer(CODE, TITLE, where, changes=[_not_generated(context, exc.message)])
        old = _old_side(project, flavor, inputs, old_bytes, context.old_document)
        from ..release import compare_api

        diff = compare_api(old.snapshot, new.snapshot)
        changes = code_changes(diff, context, {**old.operations, **new.operations})
    except (JsmOpenapiError, OSError, UnicodeError) as exc:
        reason = exc.message if isinstance(exc, JsmOpenapiError) else f"{type(exc).__name__}: {exc}"
        return not_computed(f"{GENERATOR} could not be run on the patched documents: {reason}", where=where)
    seconds = time.perf_counter() - started
    detail = f"old side from {old.source}, new side from {new.source}; {seconds:.1f} s in all"
    return Layer(CODE, TITLE, f"{where}: {detail}", changes=changes)


# --- the two sides --------------------------------------------------------------------------------------------------


def _generator_inputs(project: Project, flavor: Flavor, toolchain: dict[str, str]) -> dict[str, Any]:
    """Everything but the document that decides the generated package (the package's input stamp, documents and
    overlays aside: the patched document stands for them)."""
    from ..generate import input_stamp

    stamp = input_stamp(project, flavor, toolchain)
    kept = ("flavor", "package", "generator_config", "templates", "toolchain", "jsm_openapi")
    return {"stamp": stamp["stamp"], "generator": {key: stamp[key] for key in kept}}


def _old_side(project: Project, flavor: Flavor, inputs: dict[str, Any], patched: bytes, document: Any) -> ApiSide:
    from ..generate import operations_index, output_dir, read_provenance, tree_digest
    from ..release.snapshot import render_snapshot
    from ..release.versions import Ledger, ledger_dir

    digest = sha256_bytes(patched)
    ledger = Ledger.read(ledger_dir(project, flavor))
    if ledger is not None and ledger.stamp == inputs["stamp"] and ledger.patched_sha256 == digest:
        operations = _named_operations(document, flavor.package)
        return ApiSide(ledger.api, operations, f"the release ledger ({flavor.project} {ledger.version})")
    provenance = read_provenance(project, flavor) or {}
    package = output_dir(project, flavor)
    if (
        provenance.get("inputs", {}).get("stamp") == inputs["stamp"]
        and provenance.get("patched_sha256") == digest
        and tree_digest(package) == provenance.get("tree_sha256")
    ):
        operations = _operations(operations_index(document, package / flavor.package), flavor.package)
        shown = package.relative_to(project.root) if package.is_relative_to(project.root) else package
        return ApiSide(render_snapshot(package), operations, f"the package in place ({shown})")
    return _cached_or_generated(project, flavor, inputs, patched, document)


def _cached_or_generated(
    project: Project, flavor: Flavor, inputs: dict[str, Any], patched: bytes, document: Any
) -> ApiSide:
    key = sha256_bytes(canonical_json({"patched_sha256": sha256_bytes(patched), **inputs["generator"]}))
    path = cache_dir(project) / f"{flavor.project}-{key[:32]}.json"
    cached = _read_cache(path, key)
    if cached is not None:
        return cached
    side = _generate(project, flavor, patched, document)
    entry = {
        "format": CACHE_FORMAT,
        "version": CACHE_VERSION,
        "key": key,
        "snapshot": side.snapshot,
        "operations": {module: list(op) for module, op in side.operations.items()},
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, canonical_json(entry))
    except OSError:
        pass  # a read-only checkout still gets its layer; the next run generates again
    return side


def cache_dir(project: Project) -> Path:
    """Where generated API snapshots are kept (git-ignored, like the fetched documents)."""
    return project.root / ".cache" / "api"


def _read_cache(path: Path, key: str) -> ApiSide | None:
    """A cached side, or None when there is none (or it is unreadable: it is then generated again)."""
    try:
        entry = json.loads(path.read_bytes())
        snapshot, operations = entry["snapshot"], entry["operations"]
        valid = (
            entry.get("format") == CACHE_FORMAT
            and entry.get("version") == CACHE_VERSION
            and entry.get("key") == key
            and isinstance(snapshot, str)
            and isinstance(operations, dict)
        )
        if not valid:
            return None
        ops = {str(module): (str(op[0]), str(op[1])) for module, op in operations.items()}
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    return ApiSide(snapshot, ops, "the snapshot cache")


def _generate(project: Project, flavor: Flavor, patched: bytes, document: Any) -> ApiSide:
    """Generate the package from a patched document in a temporary folder; its API snapshot and operations."""
    from ..generate import GENERATOR, operations_index, run_generator
    from ..release.snapshot import render_snapshot

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="jsm-openapi-drift-") as folder:
        source = Path(folder) / f"{flavor.name}.openapi.json"
        source.write_bytes(patched)
        target = Path(folder) / flavor.project
        code, output = run_generator(project, flavor, source, target)
        package_dir = target / flavor.package
        if not package_dir.is_dir():
            raise GenerationFailed(f"{GENERATOR} produced no package (exit code {code}): {_gist(output)}")
        snapshot = render_snapshot(target)
        operations = _operations(operations_index(document, package_dir), flavor.package)
    return ApiSide(snapshot, operations, f"a fresh generation ({time.perf_counter() - started:.1f} s)")


def _gist(output: str, limit: int = 400) -> str:
    """The generator's complaint on one line: its last meaningful lines, without its boilerplate."""
    noise = ("If you believe this was a mistake", "For further information", "Generating ", "Warning(s) encountered")
    lines = [line.strip() for line in output.splitlines() if line.strip() and not line.strip().startswith(noise)]
    text = " / ".join(lines[-4:])
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _named_operations(document: Any, package: str) -> dict[str, tuple[str, str]]:
    """Each operation's generated module, named as the generator names it (`api.<first tag>.<operationId>`, both
    through its PythonIdentifier): for a side known only by its API snapshot (the ledger's)."""
    from openapi_python_client.strings import PythonIdentifier

    from ..operations import document_operations

    found = {}
    for method, path, operation in document_operations(document):
        tags = operation.get("tags") or ["default"]
        tag, name = (
            PythonIdentifier(str(tags[0]), prefix=""),
            PythonIdentifier(str(operation.get("operationId", "")), prefix=""),
        )
        found[f"{package}.api.{tag}.{name}"] = (method.upper(), path)
    return found


def _operations(index: list[dict[str, Any]], package: str) -> dict[str, tuple[str, str]]:
    return {f"{package}.{entry['module']}": (str(entry["method"]), str(entry["path"])) for entry in index}


def _not_generated(context: CodeContext, message: str) -> CodeChange:
    subject = f"{context.package} ({context.flavor})"
    return CodeChange(
        rule="python-package-not-generated",
        severity=Severity.BREAKING,
        message=f"no package can be generated from the new patched document: {message}",
        pointer=context.package,
        fingerprint=_fingerprint(["python-package-not-generated", subject]),
        summary="The generator produces no package from the new patched document.",
        why="No client can be built from the new copy as it is: fix the overlays (or the generator configuration).",
    )


# --- the changes, from the caller's side ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Judged:
    change: ApiChange
    rule: str
    severity: Severity
    reason: str


def code_changes(diff: ApiDiff, context: CodeContext, operations: dict[str, tuple[str, str]]) -> list[Finding]:
    """The API diff as layer (c)'s findings: recalibrated; an operation's four functions that change alike are one
    finding, fields that only moved are one finding per class, and the re-export of a module added or removed with
    it (`jsm_cloud.models.X`) is folded into the module's finding."""
    judged = [_judge(change, context, operations) for change in diff.changes]
    modules = {(c.change, c.path) for c in diff.changes if c.what == "module"}
    reexports: dict[tuple[str, str], list[str]] = {}
    moved: dict[str, list[_Judged]] = {}
    groups: dict[tuple[Any, ...], list[_Judged]] = {}
    for item in judged:
        change = item.change
        target = change.old if change.change == "removed" else change.new
        home = (change.change, (target or "").rpartition(".")[0])
        if change.what == "re-export" and change.change in ("added", "removed") and home in modules:
            reexports.setdefault(home, []).append(change.path)
            continue
        if item.rule == "python-fields-reordered":
            moved.setdefault(change.path.rsplit(".", 1)[0], []).append(item)
            continue
        module, variant, rest = _variant(change.path)
        key = (module, rest, item.rule, item.severity, change.old, change.new) if variant else (id(item),)
        groups.setdefault(key, []).append(item)
    findings: list[Finding] = [
        _finding(items, operations, reexports.get((items[0].change.change, items[0].change.path), []))
        for items in groups.values()
    ]
    findings += [_reordered(cls, items) for cls, items in moved.items()]
    findings.sort(key=lambda f: f.sort_key())
    return findings


def _judge(change: ApiChange, context: CodeContext, operations: dict[str, tuple[str, str]]) -> _Judged:
    rule = f"python-{change.what}-{change.change}"
    severity = Severity.BREAKING if change.breaking else Severity.NON_BREAKING
    if change.breaking and change.what == "field" and change.change == "changed" and change.reason == MOVED:
        return _Judged(change, "python-fields-reordered", Severity.POTENTIAL, change.reason)
    if change.breaking and change.what == "parameter" and change.change == "changed":
        old, new = _parse_param(change.old), _parse_param(change.new)
        if old and new and _required_with_default(old, new):
            why = "now required with a default: the argument keeps the default"
            return _Judged(change, "python-parameter-required-with-default", Severity.NON_BREAKING, why)
        if old and new and _stringified(change.path, old, new, context, operations):
            why = "the generated code turns the value into text: the old type still goes out the same"
            return _Judged(change, "python-parameter-type-stringified", Severity.POTENTIAL, why)
    return _Judged(change, rule, severity, change.reason)


_Param = tuple[str, frozenset[str], str | None]  # name, the annotation's union members, the default


def _parse_param(text: str | None) -> _Param | None:
    """`name: A | B = default` as (name, {A, B}, default)."""
    match = _PARAM.match(text or "")
    if match is None or match.group("annotation") is None:
        return None
    from ..release.apidiff import union_members

    return match.group("name"), union_members(match.group("annotation")), match.group("default")


def _required_with_default(old: _Param, new: _Param) -> bool:
    """`start: int | Unset = UNSET` → `start: int = 0`: the caller that left it out still may; the client now always
    sends the default the server applied anyway (the document rule `parameter-became-required-with-default`)."""
    (_, old_types, _), (_, new_types, new_default) = old, new
    return "Unset" in old_types and new_types == old_types - {"Unset"} and new_default not in (None, "UNSET")


def _stringified(
    path: str, old: _Param, new: _Param, context: CodeContext, operations: dict[str, tuple[str, str]]
) -> bool:
    """A path or query parameter (or a header becoming a number or boolean) that changed between scalar types: the
    generated code sends `quote(str(value))`, httpx writes query values as text, so a value of the old type goes out
    the same (tests/test_drift_generator_evidence.py); only a type checker notices (the document rule
    `parameter-type-stringified`)."""
    (name, old_types, _), (_, new_types, _) = old, new
    before, after = old_types - new_types, new_types - old_types
    if len(before) != 1 or len(after) != 1 or not (before | after) <= _SCALARS:
        return False
    module, variant, _ = _variant(path)
    operation = operations.get(module) if variant else None
    if operation is None:
        return False
    location = _location(context.new_document, operation, name)
    if location == "header":
        return after != {"str"}  # httpx refuses an int header: a header that becomes a string stays breaking
    return location in ("path", "query")


def _location(document: Any, operation: tuple[str, str], python_name: str) -> str | None:
    """Where the parameter the generated argument `python_name` stands for is sent (path, query, header, cookie):
    the operation's parameters (and its path's), named as the generator names them; None when unsure."""
    from openapi_python_client.strings import PythonIdentifier

    from ..pointers import Resolver

    method, path = operation
    item = document.get("paths", {}).get(path) if isinstance(document, dict) else None
    if not isinstance(item, dict):
        return None
    resolver = Resolver(document, "the new patched document")
    found = set()
    for declared in [*item.get("parameters", []), *(item.get(method.lower()) or {}).get("parameters", [])]:
        parameter, _ = resolver.deref(declared, "")
        name, where = (parameter.get("name"), parameter.get("in")) if isinstance(parameter, dict) else (None, None)
        if isinstance(name, str) and isinstance(where, str):
            generated = str(PythonIdentifier(name, prefix="field_"))
            if python_name in (generated, f"{generated}_{where}"):
                found.add(where)
    return found.pop() if len(found) == 1 else None


def _variant(path: str) -> tuple[str, str | None, str]:
    """`pkg.api.tag.op.sync_detailed(x)` → (`pkg.api.tag.op`, `sync_detailed`, `(x)`); other paths have no variant."""
    head, paren, tail = path.partition("(")
    module, _, function = head.rpartition(".")
    if function in VARIANTS and ".api." in module:
        return module, function, paren + tail
    return path, None, ""


def _finding(items: list[_Judged], operations: dict[str, tuple[str, str]], reexports: list[str]) -> CodeChange:
    item, first = items[0], items[0].change
    module, variant, rest = _variant(first.path)
    pointer = f"{module}{rest}" if variant else first.path
    operation = operations.get(module if variant else first.path)
    text = _describe(first, _short(pointer))
    if variant:
        functions = [v for v in VARIANTS if any(_variant(i.change.path)[1] == v for i in items)]
        text += " (in all four functions)" if len(functions) == len(VARIANTS) else f" (in {', '.join(functions)})"
    if reexports:
        text += f", with its re-export {', '.join(f'`{path}`' for path in sorted(reexports))}"
    if item.reason not in _OBVIOUS:
        text += f": {item.reason}"
    summary, why = _explain(item)
    return CodeChange(
        rule=item.rule,
        severity=item.severity,
        message=text,
        pointer=pointer,
        fingerprint=first.fingerprint if len(items) == 1 else _fingerprint([item.rule, pointer, first.old, first.new]),
        summary=summary,
        why=why,
        operations=(OperationRef(operation[0].lower(), operation[1]),) if operation else (),
        old=first.old,
        new=first.new,
    )


_OBVIOUS = frozenset(
    {"removed", "added", "optional parameter added", "same structure, new name", "Parameter was removed"}
)


def _short(path: str) -> str:
    """How a reader names a Python object: `CustomerRequestDTO.summary` for a model member, `get_articles(cursor)`
    for an operation's function; modules keep their dotted name."""
    parts = path.split(".")
    if len(parts) > 3 and parts[1] in ("models", "api"):  # pkg.models.module.Class.field, pkg.api.tag.op(...)
        return ".".join(parts[3:])
    return path


def _describe(change: ApiChange, shown: str) -> str:
    if change.change == "renamed":
        return f"class `{_short(change.old or '')}` renamed `{_short(change.new or '')}`"
    if change.change == "added":
        return f"{change.what} `{shown}` added" + (
            f": `{change.new}`" if change.new and change.what != "module" else ""
        )
    if change.change == "removed":
        return f"{change.what} `{shown}` removed"
    return f"{change.what} `{shown}`: `{change.old}` → `{change.new}`"


def _explain(item: _Judged) -> tuple[str, str]:
    """The summary and the why of a finding, from the caller's side."""
    change = item.change
    if item.rule == "python-parameter-type-stringified":
        return (
            "A parameter changed between scalar types the generated code sends as text.",
            "A value of the old type still goes out the same; only a type checker notices (potential).",
        )
    if item.rule == "python-parameter-required-with-default":
        return (
            "A parameter became required with a default.",
            "The argument keeps its default: existing calls still work.",
        )
    if change.change == "renamed":
        return (
            "A generated class has a new name (same structure).",
            f"Every import of `{change.old.rsplit('.', 1)[-1] if change.old else ''}` fails after regenerating.",
        )
    if change.change == "removed":
        return (
            f"A public {change.what} of the generated package is gone.",
            "Code that imports or uses it fails after regenerating (ImportError, AttributeError or TypeError)."
            if change.breaking
            else "A keyword argument now taken by **kwargs: existing calls still work.",
        )
    if change.change == "added":
        return (
            f"A new public {change.what}.",
            "A new required argument: existing calls fail with TypeError."
            if change.breaking
            else "Nothing existing changes.",
        )
    return (
        f"A public {change.what} changed.",
        "Code written against the old form fails after regenerating (or a type checker refuses it)."
        if change.breaking
        else "Existing code keeps working (a parameter accepts more, or a return value is narrower).",
    )


def _reordered(cls: str, items: list[_Judged]) -> CodeChange:
    names = sorted(item.change.path.rsplit(".", 1)[1] for item in items)
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    return CodeChange(
        rule="python-fields-reordered",
        severity=Severity.POTENTIAL,
        message=f"class `{_short(cls)}`: {len(names)} field(s) moved in the constructor's positional order ({shown})",
        pointer=cls,
        fingerprint=_fingerprint(["python-fields-reordered", cls, names]),
        summary="attrs fields moved in a model's constructor (a field was added or removed before them).",
        why="Keyword arguments (how models are built) are unaffected; a caller passing fields by position binds them "
        "to other fields.",
        old=None,
        new=names,
    )


def _fingerprint(parts: list[Any]) -> str:
    return hashlib.sha256(canonical_json(parts)).hexdigest()[:16]
