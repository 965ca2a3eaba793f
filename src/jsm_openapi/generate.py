"""Generate a flavor's typed client with openapi-python-client: reproducible, atomic, provenance-stamped.

The generator runs in a staging folder; its warnings are checked against `generated/accepted-skips.toml`; the
package gets `_provenance.py` (inputs and their digests) and `_operations.py` (an index of operations by method and
path); then the staging folder replaces the previous package in one rename. Unchanged inputs are a no-op.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .documents import Json, pretty_json, read_toml, sha256_bytes, sha256_file, write_atomic
from .errors import GenerateError, InputError, MissingExtra
from .operations import document_operations, normalized_path
from .package_swap import exclusive, recover, replace_tree
from .project import Project, overlay_files
from .release import versions
from .response_schemas import write_response_schemas
from .sources import Flavor

if TYPE_CHECKING:
    from .fetch import Fetcher
    from .pipeline import Progress

GENERATOR = "openapi-python-client"
GENERATOR_VERSION = "0.29.1"
RUFF_VERSION = "0.17.6"
PROVENANCE_FILE = "provenance.json"
# The pipeline code whose behaviour shapes generated output: part of the input stamp.
_PIPELINE_CODE = (
    "documents.py",
    "yaml_loader.py",
    "merge.py",
    "operations.py",
    "pipeline.py",
    "generate.py",
    "response_schemas.py",
    "overlay/engine.py",
    "overlay/model.py",
    "release/versions.py",
    "release/changelog.py",
    "release/apidiff.py",
    "release/snapshot.py",
)


@dataclass(frozen=True)
class GeneratorWarning:
    """One warning block of the generator, keyed so the allowlist can name it."""

    key: str  # "METHOD /path" or "schema /components/schemas/Name"
    kind: str  # "endpoint skipped", "response omitted", "schema dropped", "other"
    text: str

    def as_json(self) -> dict[str, str]:
        return {"key": self.key, "kind": self.kind, "text": self.text}


@dataclass
class Outcome:
    """What a generate run did for one flavor."""

    flavor: str
    status: str  # "generated" | "unchanged"
    output: Path
    operations_in_document: int = 0
    operations_generated: int = 0
    accepted: list[GeneratorWarning] = field(default_factory=list)
    stale_allowlist: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _tool_version(module: str) -> str:
    try:
        return metadata.version(module)
    except metadata.PackageNotFoundError:
        return "not installed"


def check_toolchain() -> dict[str, str]:
    """The generator and ruff must be exactly the pinned versions: their output lands in generated code."""
    found = {GENERATOR: _tool_version(GENERATOR), "ruff": _tool_version("ruff")}
    missing = [
        name for name, version in {**found, "griffe": _tool_version("griffe")}.items() if version == "not installed"
    ]
    if missing:
        raise MissingExtra("generate", ", ".join(missing), "jsm-openapi generate")
    wanted = {GENERATOR: GENERATOR_VERSION, "ruff": RUFF_VERSION}
    wrong = {name: version for name, version in found.items() if version != wanted[name]}
    if wrong:
        listed = ", ".join(f"{n} {v} (pinned {wanted[n]})" for n, v in wrong.items())
        raise GenerateError(
            f"generator toolchain is not the pinned one: {listed}",
            hint="install the pinned versions: pip install -e '.[generate]' (or run `nox -s generate`)",
        )
    return found


def config_file(project: Project, flavor: Flavor) -> Path:
    return project.generated_dir / f"{flavor.name}.config.yaml"


def templates_dir(project: Project) -> Path:
    return project.generated_dir / "templates"


def allowlist_file(project: Project) -> Path:
    return project.generated_dir / "accepted-skips.toml"


def output_dir(project: Project, flavor: Flavor) -> Path:
    return project.generated_dir / flavor.project


def staging_dir(project: Project, flavor: Flavor) -> Path:
    return project.generated_dir / f".staging-{flavor.name}"


def _files_digest(paths: list[Path], root: Path) -> str:
    return _digest_entries([(path.relative_to(root).parts, str(path)) for path in paths])


def _digest_entries(entries: list[tuple[tuple[str, ...], str]]) -> str:
    """One digest of (relative path, sha256 of the bytes) lines, in path order (the order of sorted Paths)."""
    digest = hashlib.sha256()
    for parts, path in sorted(entries):
        with open(path, "rb") as handle:  # noqa: PTH123 - thousands of files: pathlib's overhead shows
            file_sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
        digest.update(os.sep.join(parts).encode() + b"\0" + file_sha256.encode() + b"\n")  # noqa: PTH118
    return digest.hexdigest()


def input_stamp(project: Project, flavor: Flavor, toolchain: dict[str, str]) -> dict[str, Any]:
    """Everything generated output depends on, with digests; its `stamp` changes iff an input changes."""
    code_root = Path(__file__).parent
    templates = (
        sorted(p for p in templates_dir(project).rglob("*") if p.is_file()) if templates_dir(project).is_dir() else []
    )
    overlays = overlay_files(project.overlay_dirs(flavor.name))
    inputs: dict[str, Any] = {
        "flavor": flavor.name,
        "package": flavor.package,
        "documents": [
            {"name": p.name, "url": p.url, "sha256": p.sha256, "version": p.version} for p in flavor.documents
        ],
        "overlays": {str(p.relative_to(project.root)): sha256_file(p) for p in overlays},
        "generator_config": sha256_file(config_file(project, flavor)),
        "templates": _files_digest(templates, project.root) if templates else None,
        "allowlist": sha256_file(allowlist_file(project)) if allowlist_file(project).is_file() else None,
        "toolchain": toolchain,
        "jsm_openapi": {
            "version": __version__,
            "code": _files_digest([code_root / c for c in _PIPELINE_CODE], code_root),
        },
    }
    inputs["stamp"] = sha256_bytes(json.dumps(inputs, sort_keys=True).encode())
    return inputs


def tree_digest(root: Path) -> str:
    """Digest of every file under a generated project except provenance.json and caches."""
    entries = []
    for folder, folders, names in os.walk(root):  # os.walk, not rglob: a no-op run reads ~2000 files of Server
        folders[:] = [name for name in folders if name != "__pycache__"]
        parts = Path(folder).relative_to(root).parts
        for name in names:
            path = os.path.join(folder, name)  # noqa: PTH118
            if name in (PROVENANCE_FILE, "__pycache__") or os.path.splitext(name)[1] == ".pyc":  # noqa: PTH122
                continue
            if os.path.isfile(path):  # noqa: PTH113
                entries.append(((*parts, name), path))
    return _digest_entries(entries)


def read_provenance(project: Project, flavor: Flavor) -> dict[str, Any] | None:
    path = output_dir(project, flavor) / PROVENANCE_FILE
    try:
        data: dict[str, Any] = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return data


def is_current(project: Project, flavor: Flavor, stamp: dict[str, Any]) -> bool:
    """True when the existing package was generated from exactly these inputs and is untouched since."""
    provenance = read_provenance(project, flavor)
    if not provenance or provenance.get("inputs", {}).get("stamp") != stamp["stamp"]:
        return False
    patched = project.patched_document(flavor.name)
    if not patched.is_file() or sha256_file(patched) != provenance.get("patched_sha256"):
        return False
    if provenance.get("release", {}).get("ledger_sha256") != versions.ledger_digest(project, flavor):
        return False  # a release was recorded since: the version may move
    return bool(tree_digest(output_dir(project, flavor)) == provenance.get("tree_sha256"))


# --- generator warnings -------------------------------------------------------------------------------------------

_BLOCK_START = re.compile(
    r"^(WARNING parsing (?P<method>[A-Z]+) (?P<path>\S+) within|Unable to process schema (?P<schema>\S+?):?$)"
)


_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>")


def parse_warnings(output: str) -> list[GeneratorWarning]:
    """Split the generator's output into warning blocks, each keyed by operation or schema."""
    output = _OBJECT_REPR.sub("<?>", output)  # the generator prints object reprs with memory addresses
    warnings: list[GeneratorWarning] = []
    current: list[str] = []
    key = kind = ""

    def flush() -> None:
        if current:
            warnings.append(GeneratorWarning(key=key, kind=kind, text="\n".join(current).strip()))

    for line in output.splitlines():
        match = _BLOCK_START.match(line.strip())
        if match:
            flush()
            current = [line]
            if match.group("schema"):
                key, kind = f"schema {match.group('schema').rstrip(':')}", "schema dropped"
            else:
                key = f"{match.group('method')} {match.group('path')}"
                kind = "endpoint skipped" if "will not be generated" in line else "response omitted"
        elif current:
            if line.startswith(("If you believe this was a mistake", "Generating ", "Warning(s) encountered")):
                flush()
                current = []
            else:
                current.append(line)
    flush()
    return warnings


def load_allowlist(project: Project, flavor: str) -> dict[str, str]:
    """Accepted generator warnings for a flavor: key → reason."""
    path = allowlist_file(project)
    if not path.is_file():
        return {}
    data = read_toml(path)
    accepted: dict[str, str] = {}
    for index, entry in enumerate(data.get("skip", [])):
        if not isinstance(entry, dict) or not {"flavor", "key", "reason"} <= set(entry):
            raise InputError(f"{path}: [[skip]] #{index + 1} needs flavor, key and reason")
        if entry["flavor"] == flavor:
            accepted[entry["key"]] = entry["reason"]
    return accepted


# --- operations index ---------------------------------------------------------------------------------------------

_KWARGS = re.compile(r'"method": "(?P<method>[a-z]+)",\s*"url": (?P<q>["\'])(?P<url>[^"\']+)(?P=q)')


def operations_index(document: Json, package_dir: Path) -> list[dict[str, Any]]:
    """Map every generated endpoint module back to its (method, path) in the patched document."""
    by_shape = {(m, normalized_path(p)): (p, op) for m, p, op in document_operations(document)}
    index = []
    for module in sorted((package_dir / "api").rglob("*.py")):
        if module.name == "__init__.py":
            continue
        match = _KWARGS.search(module.read_text(encoding="utf-8"))
        if not match:
            continue
        method, url = match.group("method"), match.group("url")
        path, operation = by_shape.get((method, normalized_path(url)), (url, {}))
        rel = module.relative_to(package_dir).with_suffix("")
        index.append(
            {
                "method": method.upper(),
                "path": path,
                "operation_id": operation.get("operationId", ""),
                "module": ".".join(rel.parts),
                "experimental": operation.get("x-experimental") is True,
                "tags": operation.get("tags", []),
            }
        )
    return index


def missing_operations(
    document: Json, operations: list[dict[str, Any]], warnings: list[GeneratorWarning]
) -> list[GeneratorWarning]:
    """Operations of the document with no generated module and no warning: silently lost (e.g. a duplicate name)."""
    generated = {(op["method"], op["path"]) for op in operations}
    warned = {w.key for w in warnings}
    lost = []
    for method, path, operation in document_operations(document):
        key = f"{method.upper()} {path}"
        if (method.upper(), path) not in generated and key not in warned:
            text = (
                f"{key} (operationId {operation.get('operationId')!r}) has no generated module: another operation "
                "with the same name in the same tag overwrote it"
            )
            lost.append(GeneratorWarning(key=key, kind="endpoint lost", text=text))
    return lost


# --- the run -------------------------------------------------------------------------------------------------------


# The generator's own command line, run in a child that imports it (about half of its run time) while this process
# is still fetching, merging and patching; it then reads its arguments from stdin. Exactly `python -m
# openapi_python_client ARGS`, started earlier: same interpreter, environment, arguments and output.
_GENERATOR_CHILD = """
import json, os, sys
from openapi_python_client.cli import app
job = sys.stdin.readline()
if not job:
    sys.exit(0)
job = json.loads(job)
os.chdir(job["cwd"])
sys.argv = ["openapi-python-client", *job["args"]]
app()
"""


class GeneratorProcess:
    """openapi-python-client started ahead of its input, so its start-up overlaps the patch step."""

    def __init__(self, cwd: Path) -> None:
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        env.pop("PYTHONPATH", None)
        env["COLUMNS"] = "200"  # the generator prints through rich; keep warning lines unwrapped
        env["RUFF_NO_CACHE"] = "true"  # no .ruff_cache inside the package: output must be byte-identical
        self._process = subprocess.Popen(
            [sys.executable, "-c", _GENERATOR_CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=cwd,
        )

    def run(self, args: list[str], cwd: Path) -> tuple[int, str]:
        """Give the generator its arguments; wait for it; its exit code and output (stdout, then stderr)."""
        job = json.dumps({"args": args, "cwd": str(cwd)}) + "\n"
        stdout, stderr = self._process.communicate(job)
        return self._process.returncode, stdout + stderr

    def close(self) -> None:
        """Stop a generator that was never given its arguments (the run failed before it); a no-op after run()."""
        if self._process.returncode is None:
            self._process.kill()
            self._process.communicate()


def run_generator(
    project: Project, flavor: Flavor, patched: Path, target: Path, generator: GeneratorProcess | None = None
) -> tuple[int, str]:
    """Run openapi-python-client on a patched document into `target` (a generator started ahead, or a new one)."""
    if generator is None:
        generator = GeneratorProcess(target.parent)
    args = [
        "generate",
        "--path", str(patched),
        "--config", str(config_file(project, flavor)),
        "--meta", "uv",
        "--output-path", str(target),
        "--fail-on-warning",
    ]  # fmt: skip
    if templates_dir(project).is_dir():
        args += ["--custom-template-path", str(templates_dir(project))]
    return generator.run(args, cwd=target.parent)


def check_generated_code(package_dir: Path) -> list[str]:
    """Findings that make generated modules fail at import or call time (undefined or redefined names, syntax)."""
    command = [
        sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--select", "F821,F811,E9",
        "--output-format", "concise", "--quiet", str(package_dir),
    ]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise GenerateError(
            f"ruff could not check the generated code in {package_dir}: {proc.stderr.strip()[-2000:]}",
            hint=f"install the pinned ruff {RUFF_VERSION}: pip install -e '.[generate]' (or run `nox -s generate`)",
        )
    root = str(package_dir.parent) + os.sep
    return [line.replace(root, "") for line in proc.stdout.splitlines() if line.strip()]


def _python_literal(value: Any) -> str:
    return (
        json.dumps(value, indent=4, sort_keys=True)
        .replace(": true", ": True")
        .replace(": false", ": False")
        .replace(": null", ": None")
    )


def _write_metadata(package_dir: Path, provenance: dict[str, Any], operations: list[dict[str, Any]]) -> None:
    header = '"""{}\n\nWritten by jsm-openapi at generation time; do not edit."""\n\n'
    (package_dir / "_provenance.py").write_text(
        header.format("Where this package came from: pinned documents, overlays, generator.")
        + f"PROVENANCE = {_python_literal(provenance)}\n",
        encoding="utf-8",
    )
    (package_dir / "_operations.py").write_text(
        header.format("Every generated operation by (method, path), with its module and experimental flag.")
        + f"OPERATIONS = {_python_literal(operations)}\n",
        encoding="utf-8",
    )


def generate_flavor(
    project: Project,
    flavor: Flavor,
    fetcher: Fetcher,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> Outcome:
    """Regenerate one flavor's package unless its inputs are unchanged; the previous package survives any failure.

    One run at a time per package (a second one waits); what a killed run left is put right before anything else.
    """
    with exclusive(output_dir(project, flavor)):
        recover(output_dir(project, flavor), staging_dir(project, flavor))
        return _generate_flavor(project, flavor, fetcher, force=force, progress=progress)


def _generate_flavor(
    project: Project, flavor: Flavor, fetcher: Fetcher, *, force: bool, progress: Progress | None
) -> Outcome:
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    toolchain = check_toolchain()
    stamp = input_stamp(project, flavor, toolchain)
    final = output_dir(project, flavor)
    if not force and is_current(project, flavor, stamp):
        provenance = read_provenance(project, flavor) or {}
        return Outcome(
            flavor=flavor.name,
            status="unchanged",
            output=final,
            operations_in_document=provenance.get("operations_in_document", 0),
            operations_generated=provenance.get("operations_generated", 0),
            seconds=time.perf_counter() - started,
        )
    generator = GeneratorProcess(cwd=project.generated_dir)  # starts up while the document is patched
    try:
        return _generate(project, flavor, fetcher, stamp=stamp, generator=generator, say=say, started=started)
    finally:
        generator.close()


def _generate(
    project: Project,
    flavor: Flavor,
    fetcher: Fetcher,
    *,
    stamp: dict[str, Any],
    generator: GeneratorProcess,
    say: Progress,
    started: float,
) -> Outcome:
    from .pipeline import patch_flavor, write_patched  # the no-op path never needs them

    final = output_dir(project, flavor)
    result = patch_flavor(project, flavor, fetcher, progress=say)
    in_document = sum(1 for _ in document_operations(result.document))

    staging_root = staging_dir(project, flavor)
    shutil.rmtree(staging_root, ignore_errors=True)
    staging_root.mkdir(parents=True)
    try:
        patched = staging_root / f"{flavor.name}.openapi.json"
        patched.write_bytes(result.serialized)
        staged = staging_root / flavor.project
        say(f"{flavor.name}: generating {flavor.package} ({in_document} operations)")
        code, output = run_generator(project, flavor, patched, staged, generator)
        package_dir = staged / flavor.package
        if not package_dir.is_dir():
            raise GenerateError(
                f"{flavor.name}: {GENERATOR} produced no package (exit code {code}):\n{output.strip()[-4000:]}",
                hint="read the generator's message above; the previous package was left untouched",
            )
        broken = check_generated_code(package_dir)
        if broken:
            raise GenerateError(
                f"{flavor.name}: the generated code is broken ({len(broken)} finding(s) of ruff F821/F811/E9):\n"
                + "\n".join(broken[:10]),
                hint="an overlay must avoid the construct the generator mishandles (see overlays/README.md); "
                "the previous package was left untouched",
            )
        warnings = parse_warnings(output)
        operations = operations_index(result.document, package_dir)
        warnings += missing_operations(result.document, operations, warnings)
        accepted = load_allowlist(project, flavor.name)
        unexpected = [w for w in warnings if w.key not in accepted]
        if unexpected or (code != 0 and not warnings):
            shown = "\n".join(w.text for w in unexpected[:10]) or output.strip()[-4000:]
            raise GenerateError(
                f"{flavor.name}: {len(unexpected)} generator warning(s) not in "
                f"{allowlist_file(project).relative_to(project.root)}:\n{shown}",
                hint="fix the gap with an overlay (preferred), or accept it in generated/accepted-skips.toml with a "
                "reason; the previous package was left untouched",
            )
        provenance = {
            "flavor": flavor.name,
            "package": flavor.package,
            "inputs": stamp,
            "patched_sha256": sha256_bytes(result.serialized),
            "operations_in_document": in_document,
            "operations_generated": len(operations),
            "accepted_warnings": [w.as_json() for w in warnings],
        }
        release = versions.stamp_package(project, flavor, staged, stamp, fetcher)  # version, CHANGELOG.md
        provenance |= {"version": release.version, "release": release.as_json()}
        _write_metadata(package_dir, provenance, operations)
        write_response_schemas(package_dir, result.document)
        provenance["tree_sha256"] = tree_digest(staged)
        write_atomic(staged / PROVENANCE_FILE, pretty_json(provenance))
        replace_tree(staged, final)
        write_patched(project, result)  # only now: build/patched always matches the package in place
    finally:
        shutil.rmtree(staging_root, ignore_errors=True)
    return Outcome(
        flavor=flavor.name,
        status="generated",
        output=final,
        operations_in_document=in_document,
        operations_generated=len(operations),
        accepted=[w for w in warnings if w.key in accepted],
        stale_allowlist=sorted(set(accepted) - {w.key for w in warnings}),
        seconds=time.perf_counter() - started,
    )
