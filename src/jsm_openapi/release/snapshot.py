"""A generated package's public Python API as compact stub text (the release ledger's snapshot), loaded with griffe.

`render_snapshot` loads a package with griffe (static analysis, no import) and writes what a user's code sees, one
`## module` block of stub code per public module: classes with their bases, attributes and methods, functions with
their signatures, re-exports as `from … import … as …`. An attrs class gets the `__init__` attrs synthesizes (its
fields, in order, without the `init=False` ones), so griffe sees constructor changes. Docstrings, bodies, private
names and TypeVars are left out. `load_api` turns a package folder or a snapshot back into a griffe module; both go
through the same stub text, so a package compares with a snapshot exactly as with another package.
"""

from __future__ import annotations

import ast
import hashlib
import re
import tempfile
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    import griffe

SNAPSHOT_HEADER = (
    "# Public Python API of {package} (jsm-openapi API snapshot; written by `jsm-openapi release record`)\n"
)
_BLOCK = re.compile(r"^## (?P<kind>package|module|members) (?P<path>[\w.]+)$", re.MULTILINE)
_INCLUDE = re.compile(r"^(?P<indent>[ \t]*)# members: (?P<name>\w+)$", re.MULTILINE)
ATTRS_MARKER = "attrs_class"  # the decorator an attrs class carries in a snapshot
_ATTRS_DECORATORS = re.compile(r"(^|\.)(_attrs_define|define|frozen|mutable|attrs|s)$")


def package_location(path: Path) -> tuple[str, Path]:
    """(package name, search path) of a package folder, or of a project folder holding exactly one package."""
    path = path.resolve()
    if (path / "__init__.py").is_file():
        return path.name, path.parent
    candidates = sorted(p.parent for p in path.glob("*/__init__.py") if not p.parent.name.startswith((".", "_")))
    if len(candidates) != 1:
        found = ", ".join(p.name for p in candidates) or "none"
        raise InputError(
            f"{path}: expected a Python package folder, or a project folder with one package (found: {found})",
            hint="pass generated/jsm-cloud or generated/jsm-cloud/jsm_cloud",
        )
    return candidates[0].name, path


def _load(package: str, search_path: Path) -> griffe.Module:
    import griffe

    loaded = griffe.load(
        package,
        search_paths=[search_path],
        docstring_parser=None,
        allow_inspection=False,
        store_source=False,
        resolve_aliases=False,
    )
    if not isinstance(loaded, griffe.Module):
        raise InputError(f"{search_path / package}: not a Python package")
    return loaded


# --- rendering ------------------------------------------------------------------------------------------------------


def render_snapshot(path: Path) -> str:
    """The public API of the package at `path` as snapshot text (deterministic: sorted, no locations)."""
    package, search_path = package_location(path)
    root = _load(package, search_path)
    blocks: list[str] = [SNAPSHOT_HEADER.format(package=package)]
    for module in _public_modules(root):
        kind = "package" if module.is_init_module or module.is_namespace_package or module is root else "module"
        body = _module_body(module)
        blocks.append(f"## {kind} {module.path}\n" + ("\n".join(body) + "\n" if body else ""))
    return _share_members("\n".join(blocks))


def _public_modules(module: griffe.Module) -> list[griffe.Module]:
    found = [module]
    for name, member in sorted(module.members.items()):
        if not member.is_alias and member.is_module and not name.startswith("_"):
            found.extend(_public_modules(member))  # type: ignore[arg-type]
    return found


def _module_body(module: griffe.Module) -> list[str]:
    """Public members of a module; re-exports as imports (a loaded snapshot makes every import public)."""
    lines: list[str] = []
    for name, member in sorted(module.members.items()):
        if member.is_alias:
            if member.is_public:
                source, _, original = member.target_path.rpartition(".")  # type: ignore[union-attr]
                lines.append(f"from {_relative(source, module)} import {original} as {name}")
            continue
        if member.is_module or not member.is_public or name == "__all__":
            continue
        lines.extend(_member(member, ""))  # type: ignore[arg-type]
    return lines


def _relative(source: str, module: griffe.Module) -> str:
    """`source` relative to the package holding `module` when it lies under it (shorter, same meaning)."""
    package = module.path if module.is_init_module else module.path.rpartition(".")[0]
    if source == package:
        return "."
    if source.startswith(package + "."):
        return "." + source[len(package) + 1 :]
    return source


def _member(obj: griffe.Object, indent: str) -> list[str]:
    if obj.is_class:
        return _class(obj, indent)  # type: ignore[arg-type]
    if obj.is_function:
        return _function(obj, indent)  # type: ignore[arg-type]
    if obj.is_attribute:
        return _attribute(obj, indent)  # type: ignore[arg-type]
    return []


def _attribute(attribute: griffe.Attribute, indent: str) -> list[str]:
    value = str(attribute.value) if attribute.value is not None else None
    if value is not None and value.startswith(("TypeVar(", "typing.TypeVar(")):
        return []  # typing plumbing, not API
    if "property" in attribute.labels:
        return [f"{indent}@property", f"{indent}def {attribute.name}(self) -> {attribute.annotation or 'Any'}: ..."]
    if attribute.parent is not None and not attribute.parent.is_module and "class-attribute" not in attribute.labels:
        value = None  # not the value an instance attribute gets in __init__
    text = f"{indent}{attribute.name}"
    if attribute.annotation is not None:
        text += f": {attribute.annotation}"
    if value is not None or attribute.annotation is None:
        text += f" = {_one_line(value) if value is not None else '...'}"
    return [text]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _function(function: griffe.Function, indent: str) -> list[str]:
    lines = [f"{indent}@{label}" for label in ("classmethod", "staticmethod") if label in function.labels]
    prefix = "async def" if "async" in function.labels else "def"
    returns = f" -> {function.returns}" if function.returns is not None else ""
    lines.append(f"{indent}{prefix} {function.name}({_parameters(function.parameters)}){returns}: ...")
    return lines


def _parameters(parameters: griffe.Parameters) -> str:
    import griffe

    kind = griffe.ParameterKind
    parts: list[str] = []
    star_done = False
    previous = None
    for parameter in parameters:
        if previous is kind.positional_only and parameter.kind is not kind.positional_only:
            parts.append("/")
        if parameter.kind is kind.keyword_only and not star_done:
            parts.append("*")
            star_done = True
        name = parameter.name
        if parameter.kind is kind.var_positional:
            name, star_done = f"*{name}", True
        elif parameter.kind is kind.var_keyword:
            name = f"**{name}"
        text = name if parameter.annotation is None else f"{name}: {parameter.annotation}"
        if parameter.default is not None and parameter.kind not in (kind.var_positional, kind.var_keyword):
            text += f" = {_one_line(str(parameter.default))}"
        parts.append(text)
        previous = parameter.kind
    if previous is kind.positional_only:
        parts.append("/")
    return ", ".join(parts)


def _class(cls: griffe.Class, indent: str) -> list[str]:
    lines = [f"{indent}@{ATTRS_MARKER}" + ("(kw_only=True)" if _is_kw_only(cls) else "")] if _is_attrs(cls) else []
    bases = ", ".join(str(base) for base in cls.bases)
    lines.append(f"{indent}class {cls.name}({bases}):" if bases else f"{indent}class {cls.name}:")
    inner = indent + "    "
    groups = [
        _member(m, inner)  # type: ignore[arg-type]
        for m in cls.members.values()  # source order: attrs fields keep their order
        if not m.is_alias and (m.is_public or m.name == "__init__")
    ]
    body = [MEMBER_SEPARATOR.join(group) for group in groups if group]
    if not body:
        return [*lines, f"{inner}..."]
    return [*lines, _MEMBERS_START + _MEMBERS_SPLIT.join(body) + _MEMBERS_END]


def _is_attrs(cls: griffe.Class) -> bool:
    return any(_ATTRS_DECORATORS.search(str(d.value).split("(")[0]) for d in cls.decorators)


def _is_kw_only(cls: griffe.Class) -> bool:
    """`@define(kw_only=True)`: every field of the attrs class is a keyword-only parameter of its `__init__`."""
    return any(
        _ATTRS_DECORATORS.search(str(d.value).split("(")[0]) and re.search(r"\bkw_only\s*=\s*True\b", str(d.value))
        for d in cls.decorators
    )


# Members shared verbatim by many classes (the generated models' to_dict, from_dict, mapping methods) are written
# once, as a `## members NAME` block that each class includes: the snapshot stays small and its diffs readable.
MEMBER_SEPARATOR = "\n"
_MEMBERS_START, _MEMBERS_SPLIT, _MEMBERS_END = "\x00<", "\x00|", "\x00>"
_MEMBERS = re.compile("\x00<(.*?)\x00>", re.DOTALL)
_SHARED_MIN = 5


def _share_members(text: str) -> str:
    """Replace member suffixes that recur in at least `_SHARED_MIN` classes by an include of a shared block."""
    classes = [match.group(1).split(_MEMBERS_SPLIT) for match in _MEMBERS.finditer(text)]
    counts: dict[tuple[str, ...], int] = {}
    for members in classes:
        for start in _shareable_starts(members):
            key = tuple(members[start:])
            counts[key] = counts.get(key, 0) + 1
    shared: dict[tuple[str, ...], str] = {}

    def include(match: re.Match[str]) -> str:
        members = match.group(1).split(_MEMBERS_SPLIT)
        for start in _shareable_starts(members):
            suffix = tuple(members[start:])
            if counts[suffix] >= _SHARED_MIN:
                name = shared.setdefault(suffix, hashlib.sha256("\n".join(suffix).encode()).hexdigest()[:12])
                indent = members[0][: len(members[0]) - len(members[0].lstrip())]
                return "\n".join([*members[:start], f"{indent}# members: {name}"])
        return "\n".join(members)

    body = _MEMBERS.sub(include, text)
    blocks = [
        f"## members {name}\n" + textwrap.dedent("\n".join(suffix)) + "\n"
        for suffix, name in sorted(shared.items(), key=lambda item: item[1])
    ]
    return "\n".join([body.rstrip("\n") + "\n", *blocks])


def _shareable_starts(members: list[str]) -> range:
    """Where a shared suffix may start: after the last constructor field (fields stay visible in their class)."""
    last_field = max((i for i, m in enumerate(members) if _FIELD.match(m) and "init=False" not in m), default=-1)
    return range(max(1, last_field + 1), len(members))


_FIELD = re.compile(r"^\s*\w+\s*:")


# --- loading --------------------------------------------------------------------------------------------------------


def split_snapshot(text: str) -> dict[str, tuple[str, str]]:
    """Block name → (kind, code) of a snapshot text; kinds: package, module, members."""
    blocks: dict[str, tuple[str, str]] = {}
    matches = list(_BLOCK.finditer(text))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        blocks[match.group("path")] = (match.group("kind"), text[match.end() + 1 : end].rstrip() + "\n")
    return blocks


def stub_code(code: str, shared: dict[str, str], *, source: str) -> str:
    """A block's code as a loadable stub: shared members included, attrs classes given their `__init__`."""

    def include(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in shared:
            raise InputError(f"{source}: includes unknown shared members {name!r}")
        return textwrap.indent(shared[name], match.group("indent"))

    code = _INCLUDE.sub(include, code)
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise InputError(f"{source}: invalid stub code at line {exc.lineno}: {exc.msg}") from exc
    exported = [a.asname or a.name for n in tree.body if isinstance(n, ast.ImportFrom) for a in n.names]
    if exported:  # a snapshot lists only public names: its re-exports are public too
        defined = [n.name for n in tree.body if isinstance(n, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)]
        defined += [n.target.id for n in tree.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)]
        defined += [t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)]
        names = ast.List([ast.Constant(name) for name in sorted({*exported, *defined})])
        tree.body.append(ast.Assign(targets=[ast.Name("__all__", ast.Store())], value=names, lineno=0))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(_is_attrs_define(d) for d in node.decorator_list):
            _add_attrs_init(node)
    return ast.unparse(tree) + "\n"


def _add_attrs_init(node: ast.ClassDef) -> None:
    """Give an attrs class the `__init__` attrs writes: its annotated fields in order, minus `init=False` ones
    (all of them keyword-only with `kw_only=True`, as our templates declare models)."""
    decorator = next(d for d in node.decorator_list if _is_attrs_define(d))
    all_keyword_only = isinstance(decorator, ast.Call) and _is_true(
        {k.arg: k.value for k in decorator.keywords if k.arg}.get("kw_only")
    )
    node.decorator_list = [d for d in node.decorator_list if not _is_attrs_define(d)]
    if any(isinstance(b, ast.FunctionDef) and b.name == "__init__" for b in node.body):
        return
    required: list[ast.arg] = []
    optional: list[tuple[ast.arg, ast.expr]] = []
    keyword_only: list[tuple[ast.arg, ast.expr | None]] = []
    for statement in node.body:
        if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
            continue
        if ast.unparse(statement.annotation).startswith(("ClassVar", "typing.ClassVar")):
            continue
        default = statement.value
        arg = ast.arg(arg=statement.target.id, annotation=statement.annotation)
        if isinstance(default, ast.Call) and ast.unparse(default.func).split(".")[-1] in _FIELD_CALLS:
            keywords = {k.arg: k.value for k in default.keywords if k.arg}
            if _is_false(keywords.get("init")):
                continue
            default = keywords.get("default") or (ast.Constant(...) if "factory" in keywords else None)
            if _is_true(keywords.get("kw_only")):
                keyword_only.append((arg, default))
                continue
        if all_keyword_only:
            keyword_only.append((arg, default))
        elif default is None:
            required.append(arg)
        else:
            optional.append((arg, default))
    arguments = ast.arguments(
        posonlyargs=[],
        args=[ast.arg(arg="self"), *required, *(arg for arg, _ in optional)],
        kwonlyargs=[arg for arg, _ in keyword_only],
        kw_defaults=[default for _, default in keyword_only],
        defaults=[default for _, default in optional],
    )
    init = ast.parse("def __init__(self) -> None: ...").body[0]  # every field a Python version's ast has
    assert isinstance(init, ast.FunctionDef)
    init.args = arguments
    node.body.insert(0, init)
    ast.fix_missing_locations(node)


def _is_attrs_define(decorator: ast.expr) -> bool:
    """`@_attrs_define` or `@_attrs_define(...)`: the generated models' decorator."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Name) and target.id == ATTRS_MARKER


def _is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


_FIELD_CALLS = {"_attrs_field", "field", "attrib", "ib"}


def check_snapshot(text: str, *, source: str) -> str:
    """The package a snapshot describes; an `InputError` naming the problem when it is not one."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"{source}: not UTF-8 text (a lone surrogate at character {exc.start})") from None
    modules = [name for name, (kind, _) in split_snapshot(text).items() if kind != "members"]
    if not modules:
        raise InputError(f"{source}: not an API snapshot (no `## module` blocks)")
    roots = {path.split(".")[0] for path in modules}
    if len(roots) != 1:
        raise InputError(f"{source}: an API snapshot holds one package, found {sorted(roots)}")
    for path in modules:
        if any(not part.isidentifier() for part in path.split(".")):
            raise InputError(f"{source}: invalid module name {path!r}")
    return roots.pop()


def _write_stubs(text: str, into: Path, *, source: str) -> str:
    package = check_snapshot(text, source=source)
    blocks = split_snapshot(text)
    shared = {name: code for name, (kind, code) in blocks.items() if kind == "members"}
    modules = {name: block for name, block in blocks.items() if block[0] != "members"}
    for path, (kind, code) in modules.items():
        parts = path.split(".")
        folder = into.joinpath(*parts) if kind == "package" else into.joinpath(*parts[:-1])
        folder.mkdir(parents=True, exist_ok=True)
        name = "__init__.pyi" if kind == "package" else f"{parts[-1]}.pyi"
        (folder / name).write_text(stub_code(code, shared, source=f"{source}: {path}"), encoding="utf-8")
    return package


def load_snapshot(text: str, *, source: str = "API snapshot") -> griffe.Module:
    """A griffe module tree built from snapshot text (through a temporary folder of .pyi stubs)."""
    with tempfile.TemporaryDirectory(prefix="jsm-api-") as folder:
        return _load(_write_stubs(text, Path(folder), source=source), Path(folder))


def snapshot_of(source: Path) -> str:
    """Snapshot text of a package folder, a project folder (holding one package) or a snapshot file."""
    if source.is_file():
        try:
            return source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{source}: cannot read the API snapshot: {exc}") from exc
    if source.is_dir():
        return render_snapshot(source)
    raise InputError(f"{source}: no such package folder or API snapshot file")
