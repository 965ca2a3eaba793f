"""What a user's code sees change between two versions of a generated package: the Python API diff.

Both sides are loaded with griffe from API snapshots (`snapshot.py`; a package folder is rendered to one first), so
a package compares with a committed snapshot exactly as with another package. griffe's `find_breaking_changes`
decides what breaks (removed objects and parameters, parameters that became required, moved or changed kind or
default, removed bases); on top of it this module lists what griffe does not report: additions, type changes of
parameters, return values, attributes and attrs fields (a parameter may widen, a return value may narrow, anything
else breaks), re-exports that moved, and renames: a removed class whose structure equals an added one (with its own
name substituted) is one rename, breaking, and the annotations, modules and re-exports that only follow the rename
are folded into it.

`compare_api(old, new)` takes package folders, project folders, snapshot files or snapshot text; every change has
a stable fingerprint (sha256 of what changed, where, old and new).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .snapshot import check_snapshot, load_snapshot, snapshot_of, split_snapshot

if TYPE_CHECKING:
    import griffe


@dataclass(frozen=True)
class ApiChange:
    """One change a user's code sees. `path` is dotted; a parameter is `function(name)`, a return `function()`."""

    change: str  # added | removed | renamed | changed
    what: str  # module | class | function | attribute | field | parameter | return | re-export
    path: str
    old: str | None
    new: str | None
    breaking: bool
    reason: str

    @property
    def fingerprint(self) -> str:
        """16 hex digits of sha256(change, what, path, old, new): the same change, the same fingerprint."""
        data = json.dumps([self.change, self.what, self.path, self.old, self.new], separators=(",", ":"))
        return hashlib.sha256(data.encode()).hexdigest()[:16]

    def as_json(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "what": self.what,
            "path": self.path,
            "old": self.old,
            "new": self.new,
            "breaking": self.breaking,
            "reason": self.reason,
            "fingerprint": self.fingerprint,
        }


@dataclass
class ApiDiff:
    """The classified changes between two versions of one package."""

    package: str
    changes: list[ApiChange] = field(default_factory=list)

    @property
    def breaking(self) -> list[ApiChange]:
        return [c for c in self.changes if c.breaking]

    @property
    def non_breaking(self) -> list[ApiChange]:
        return [c for c in self.changes if not c.breaking]

    @property
    def bump(self) -> str:
        """The version part this diff moves: major (something breaks), minor (anything else changed), or none."""
        if self.breaking:
            return "major"
        return "minor" if self.changes else "none"

    def as_json(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "bump": self.bump,
            "breaking": len(self.breaking),
            "non_breaking": len(self.non_breaking),
            "changes": [c.as_json() for c in self.changes],
        }


def compare_api(old: Path | str, new: Path | str) -> ApiDiff:
    """Diff two versions: each a package or project folder, a snapshot file (Path), or snapshot text (str)."""
    old_text = old if isinstance(old, str) else snapshot_of(old)
    new_text = new if isinstance(new, str) else snapshot_of(new)
    packages = check_snapshot(old_text, source=_label(old)), check_snapshot(new_text, source=_label(new))
    if packages[0] != packages[1]:
        raise InputError(f"{_label(old)} is {packages[0]}, {_label(new)} is {packages[1]}: compare one package")
    old_text, new_text = changed_modules(old_text, new_text)
    old_root = load_snapshot(old_text, source=_label(old))
    new_root = load_snapshot(new_text, source=_label(new))
    return compare_modules(old_root, new_root)


def changed_modules(old: str, new: str) -> tuple[str, str]:
    """Both snapshots cut to the modules whose text differs (with their parent packages and the shared members):
    an unchanged module has no change to report, and griffe then loads a handful of modules, not thousands."""
    old_blocks, new_blocks = split_snapshot(old), split_snapshot(new)
    changed = {
        name
        for name in {*old_blocks, *new_blocks}
        if old_blocks.get(name) != new_blocks.get(name) and (old_blocks.get(name) or new_blocks[name])[0] != "members"
    }
    keep = set(changed)
    for name in changed:
        parts = name.split(".")
        keep.update(".".join(parts[:end]) for end in range(1, len(parts)))

    def cut(blocks: dict[str, tuple[str, str]]) -> str:
        chosen = [
            f"## {kind} {name}\n{code}"
            for name, (kind, code) in sorted(blocks.items())
            if name in keep or kind == "members"
        ]
        roots = [name for name, (kind, _) in blocks.items() if kind == "package" and "." not in name]
        if not any(name in keep for name in roots):
            chosen += [f"## package {name}\n{blocks[name][1]}" for name in roots]
        return "\n".join(chosen)

    return cut(old_blocks), cut(new_blocks)


def _label(source: Path | str) -> str:
    return str(source) if isinstance(source, Path) else "API snapshot"


# --- a flat view of the API ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    path: str
    kind: str  # module | class | function | attribute | field | re-export
    text: str  # what is compared: a signature, an annotation and value, bases, a re-export's target
    obj: Any = field(compare=False, repr=False)


def _entries(root: griffe.Module) -> dict[str, _Entry]:
    found: dict[str, _Entry] = {}

    def visit(obj: Any, fields: set[str]) -> None:
        for name, member in obj.members.items():
            if name == "__all__":
                continue
            path = f"{obj.path}.{name}"
            if member.is_alias:
                found[path] = _Entry(path, "re-export", member.target_path, member)
            elif member.is_module:
                found[path] = _Entry(path, "module", "", member)
                visit(member, set())
            elif member.is_class:
                found[path] = _Entry(path, "class", ", ".join(str(b) for b in member.bases), member)
                init = member.members.get("__init__")
                params = {p.name for p in init.parameters} if init is not None and init.is_function else set()
                visit(member, params)
            elif member.is_function:
                found[path] = _Entry(path, "function", _signature(member), member)
            elif member.is_attribute:
                kind = "field" if name in fields else "attribute"
                found[path] = _Entry(path, kind, _annotation_and_value(member), member)

    found[root.path] = _Entry(root.path, "module", "", root)
    visit(root, set())
    return found


def _signature(function: Any) -> str:
    params = ", ".join(_param_key(p) for p in function.parameters)
    prefix = "async " if "async" in function.labels else ""
    return f"{prefix}({params}) -> {function.returns}"


def _param_text(parameter: Any) -> str:
    """How a parameter reads (`name: type = default`); its kind is compared separately."""
    text = f"{parameter.name}: {parameter.annotation}" if parameter.annotation is not None else parameter.name
    return text if parameter.default is None else f"{text} = {parameter.default}"


def _param_key(parameter: Any, rename: Callable[[str], str] | None = None) -> str:
    """A parameter as compared: kind, name, annotation (as `_typed` makes it), default."""
    text = f"{parameter.kind.value} {parameter.name}: {_typed(parameter.annotation, rename or _same)}"
    return text if parameter.default is None else f"{text} = {parameter.default}"


def _annotation_and_value(attribute: Any) -> str:
    text = str(attribute.annotation) if attribute.annotation is not None else ""
    return text if attribute.value is None else f"{text} = {attribute.value}"


# --- renames --------------------------------------------------------------------------------------------------------


def _word(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)")


def _same(text: str) -> str:
    return text


def _typed(annotation: Any, rename: Callable[[str], str] = _same) -> str:
    """An annotation as compared: names renamed on the old side, then union members sorted at every depth (the
    generator orders `DeskDTO | ErrorResponse` by name, so a rename may reorder a union without changing it)."""
    return canonical_annotation(rename(str(annotation))) if annotation is not None else ""


def _entry_key(entry: _Entry, rename: Callable[[str], str] = _same) -> str:
    """What is compared of an entry: its text, with annotations as `_typed` makes them."""
    obj = entry.obj
    if entry.kind == "function":
        params = ", ".join(_param_key(p, rename) for p in obj.parameters)
        return f"{'async ' if 'async' in obj.labels else ''}({params}) -> {_typed(obj.returns, rename)}"
    if entry.kind in ("attribute", "field"):
        return f"{_typed(obj.annotation, rename)} = {obj.value}"
    return rename(entry.text)


def _class_key(entries: dict[str, _Entry], path: str, rename: Callable[[str], str] = _same) -> tuple[Any, ...]:
    """A class's structure without its name: bases and members, its own name replaced in every text (and, on the
    old side, the classes already found renamed by their new names)."""
    own = _word(path.rsplit(".", 1)[1])

    def renamed(text: str) -> str:
        return own.sub("<self>", rename(text))

    prefix = path + "."
    members = sorted(
        (e.path[len(prefix) :], e.kind, _entry_key(e, renamed)) for p, e in entries.items() if p.startswith(prefix)
    )
    return (renamed(entries[path].text), tuple(members))


def _renames(old: dict[str, _Entry], new: dict[str, _Entry], removed: list[str], added: list[str]) -> dict[str, str]:
    """Removed class path → added class path, where the structures are equal and the match is unique. Repeated
    until nothing more is found: a class that refers to a renamed one (a page of `CmdbWorkspaceDTO`) is compared
    with that rename applied."""
    found: dict[str, str] = {}
    while True:
        rename = _Substitution(found).text
        old_keys: dict[tuple[Any, ...], list[str]] = {}
        for path in removed:
            if old[path].kind == "class" and path not in found:
                old_keys.setdefault(_class_key(old, path, rename), []).append(path)
        new_keys: dict[tuple[Any, ...], list[str]] = {}
        taken = set(found.values())
        for path in added:
            if new[path].kind == "class" and path not in taken:
                new_keys.setdefault(_class_key(new, path), []).append(path)
        more = {
            paths[0]: new_keys[key][0]
            for key, paths in old_keys.items()
            if len(paths) == 1 and len(new_keys.get(key, [])) == 1
        }
        if not more:
            return found
        found.update(more)


class _Substitution:
    """Rewrites old-side texts with renamed class names replaced by the new ones."""

    def __init__(self, renames: dict[str, str]) -> None:
        pairs = {old.rsplit(".", 1)[1]: new.rsplit(".", 1)[1] for old, new in renames.items()}
        self.paths = dict(renames)
        self.names = {name: target for name, target in pairs.items() if name != target}
        self.pattern = (
            re.compile(
                r"(?<![\w.])(" + "|".join(map(re.escape, sorted(self.names, key=len, reverse=True))) + r")(?!\w)"
            )
            if self.names
            else None
        )

    def text(self, value: str) -> str:
        return self.pattern.sub(lambda m: self.names[m.group(1)], value) if self.pattern else value


# --- the diff -------------------------------------------------------------------------------------------------------


def compare_modules(old_root: griffe.Module, new_root: griffe.Module) -> ApiDiff:
    """The classified changes from `old_root` to `new_root` (griffe modules of the same package)."""
    import griffe

    old, new = _entries(old_root), _entries(new_root)
    every_removed, every_added = [p for p in old if p not in new], [p for p in new if p not in old]
    renames = _renames(old, new, every_removed, every_added)
    removed, added = _tops(every_removed), _tops(every_added)
    substitution = _Substitution(renames)
    folded_old, folded_new = _follows_renames(old, new, removed, added, renames)

    changes: dict[tuple[str, str], ApiChange] = {}

    def put(change: ApiChange) -> None:
        key = (change.change, change.path)
        previous = changes.get(key)
        if previous is None or (change.breaking and not previous.breaking):
            changes[key] = change

    for old_path, new_path in renames.items():
        put(ApiChange("renamed", "class", old_path, old_path, new_path, True, "same structure, new name"))
    for path in removed:
        if path not in renames and path not in folded_old:
            put(ApiChange("removed", old[path].kind, path, old[path].text or None, None, True, "removed"))
    renamed_into = set(renames.values())
    for path in added:
        if path not in renamed_into and path not in folded_new:
            put(ApiChange("added", new[path].kind, path, None, new[path].text or None, False, "added"))

    breakages = _griffe_breakages(griffe.find_breaking_changes(old_root, new_root), renames)
    for path, entry in old.items():
        counterpart = new.get(path)
        if counterpart is None or _under(path, removed):
            continue
        for change in _entry_changes(entry, counterpart, substitution, breakages):
            put(change)
    # Whatever griffe found that the walk above did not name (e.g. a parameter moved) is listed as griffe says.
    named = {c.path for c in changes.values()}
    for subject, (what, reason, old_text, new_text) in breakages.items():
        if subject not in named and not _under(_owner(subject), [*removed, *renames]):
            put(ApiChange("changed", what, subject, old_text, new_text, True, reason))
    ordered = sorted(changes.values(), key=lambda c: ".__init__(" in c.path)  # fields' own changes first
    return ApiDiff(package=new_root.path, changes=_field_view(ordered, old, new))


def _tops(paths: list[str]) -> list[str]:
    """Paths not under another path of the list (a removed module's members are not listed again)."""
    chosen = set(paths)
    return sorted(p for p in paths if not any(p.startswith(q + ".") for q in chosen if q != p))


def _under(path: str, roots: Iterable[str]) -> bool:
    return any(path == r or path.startswith(r + ".") for r in roots)


def _owner(subject: str) -> str:
    return subject.split("(", 1)[0]


def _follows_renames(
    old: dict[str, _Entry], new: dict[str, _Entry], removed: list[str], added: list[str], renames: dict[str, str]
) -> tuple[set[str], set[str]]:
    """Removed and added modules and re-exports that exist only because of a class rename."""
    old_modules = {p.rsplit(".", 1)[0] for p in renames}
    new_modules = {p.rsplit(".", 1)[0] for p in renames.values()}
    folded_old = {p for p in removed if p in old_modules and _only_renamed(old, p, set(renames))}
    folded_new = {p for p in added if p in new_modules and _only_renamed(new, p, set(renames.values()))}
    for path in removed:
        if old[path].kind == "re-export" and old[path].text in renames:
            folded_old.add(path)
    for path in added:
        if new[path].kind == "re-export" and new[path].text in renames.values():
            folded_new.add(path)
    return folded_old, folded_new


def _only_renamed(entries: dict[str, _Entry], module: str, classes: set[str]) -> bool:
    prefix = module + "."
    members = [p for p in entries if p.startswith(prefix) and "." not in p[len(prefix) :]]
    return all(p in classes for p in members)


_Found = tuple[str, str, str | None, str | None]  # what, reason, old, new


def _griffe_breakages(found: Iterable[griffe.Breakage], renames: dict[str, str]) -> dict[str, _Found]:
    """griffe's breakages by subject (object path, `function(param)`, `function()` for the return value)."""
    by_subject: dict[str, _Found] = {}
    for breakage in found:
        kind = breakage.kind.name
        path = breakage.obj.path
        if path in renames:
            continue
        if kind.startswith("PARAMETER_"):
            parameter = breakage.old_value if breakage.old_value is not None else breakage.new_value
            subject, what = f"{path}({parameter.name})", "parameter"
        elif kind == "RETURN_CHANGED_TYPE":
            subject, what = f"{path}()", "return"
        else:
            subject, what = path, breakage.obj.kind.value
        reason = breakage.kind.value
        previous = by_subject.get(subject)
        if previous:
            reason = f"{previous[1]}; {reason}"
        by_subject[subject] = (what, reason, _show(breakage.old_value), _show(breakage.new_value))
    return by_subject


def _show(value: Any) -> str | None:
    import griffe

    if value is None:
        return None
    if isinstance(value, griffe.Parameter):
        return _param_text(value)
    if isinstance(value, griffe.Object | griffe.Alias):
        return value.path
    return str(value)


def _entry_changes(
    old: _Entry, new: _Entry, substitution: _Substitution, breakages: dict[str, _Found]
) -> list[ApiChange]:
    if old.kind != new.kind:
        return [ApiChange("changed", new.kind, new.path, old.kind, new.kind, True, "object changed kind")]
    if old.kind == "function":
        return _function_changes(old.obj, new.obj, new.path, substitution, breakages)
    if old.kind == "re-export":
        target = substitution.paths.get(old.text, old.text)
        if target == new.text:
            return []
        return [ApiChange("changed", "re-export", new.path, old.text, new.text, True, "re-export points elsewhere")]
    if _entry_key(old, substitution.text) == _entry_key(new):
        return []
    if old.kind == "class":
        griffe_says = breakages.get(new.path)
        reason = griffe_says[1] if griffe_says else "base classes changed"
        return [ApiChange("changed", "class", new.path, old.text, new.text, bool(griffe_says), reason)]
    if old.kind in ("attribute", "field"):
        return [ApiChange("changed", old.kind, new.path, old.text, new.text, True, "type or value changed")]
    return []


def _function_changes(
    old: Any, new: Any, path: str, substitution: _Substitution, breakages: dict[str, _Found]
) -> list[ApiChange]:
    changes: list[ApiChange] = []
    old_params = {p.name: p for p in old.parameters}
    new_params = {p.name: p for p in new.parameters}
    for name, parameter in old_params.items():
        subject = f"{path}({name})"
        griffe_says = breakages.get(subject)
        if name not in new_params:
            reason = griffe_says[1] if griffe_says else "parameter removed (taken by **kwargs)"
            changes.append(
                ApiChange("removed", "parameter", subject, _param_text(parameter), None, bool(griffe_says), reason)
            )
            continue
        other = new_params[name]
        before = _param_key(parameter, substitution.text)
        after = _param_key(other)
        if before == after and not griffe_says:
            continue
        old_type, new_type = _typed(parameter.annotation, substitution.text), _typed(other.annotation)
        widened = old_type != new_type and union_members(old_type) < union_members(new_type)
        breaking = bool(griffe_says) or (old_type != new_type and not widened)
        reasons = [griffe_says[1]] if griffe_says else []
        if old_type != new_type:
            reasons.append("type widened" if widened else "type changed")
        shown = _param_text(parameter), _param_text(other)
        changes.append(ApiChange("changed", "parameter", subject, *shown, breaking, "; ".join(reasons)))
    for name, parameter in new_params.items():
        if name not in old_params:
            subject = f"{path}({name})"
            griffe_says = breakages.get(subject)
            reason = griffe_says[1] if griffe_says else "optional parameter added"
            changes.append(
                ApiChange("added", "parameter", subject, None, _param_text(parameter), bool(griffe_says), reason)
            )
    old_return, new_return = _typed(old.returns, substitution.text), _typed(new.returns)
    if old_return != new_return:
        narrowed = union_members(new_return) < union_members(old_return)
        reason = "return type narrowed" if narrowed else "return type changed"
        shown = str(old.returns), str(new.returns)
        changes.append(ApiChange("changed", "return", f"{path}()", *shown, not narrowed, reason))
    old_async, new_async = "async" in old.labels, "async" in new.labels
    if old_async != new_async:
        changes.append(ApiChange("changed", "function", path, str(old_async), str(new_async), True, "async changed"))
    return changes


def union_members(annotation: str) -> frozenset[str]:
    """The members of a top-level `A | B | None` union (brackets respected)."""
    return frozenset(_split(annotation, "|"))


def canonical_annotation(annotation: str) -> str:
    """An annotation with the members of every union sorted, at every depth: `B | A[D | C]` → `A[C | D] | B`."""
    return " | ".join(sorted(_canonical_member(member) for member in _split(annotation, "|")))


def _canonical_member(text: str) -> str:
    start = text.find("[")
    if start == -1 or not text.endswith("]"):
        return text
    arguments = _split(text[start + 1 : -1], ",")
    return f"{text[:start]}[{', '.join(canonical_annotation(a) for a in arguments)}]"


def _split(text: str, separator: str) -> list[str]:
    """`text` split at `separator` outside brackets, parentheses and quotes; parts stripped."""
    parts: list[str] = []
    depth, quote, current = 0, "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        if char == separator and depth == 0 and not quote:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return parts


def _field_view(changes: list[ApiChange], old: dict[str, _Entry], new: dict[str, _Entry]) -> list[ApiChange]:
    """An attrs field's constructor parameter is the field itself: `C.__init__(x)` folds into the change of `C.x`
    (breaking when either is)."""
    by_key: dict[tuple[str, str], ApiChange] = {}
    for change in changes:
        match = re.fullmatch(r"(?P<cls>.+)\.__init__\((?P<name>\w+)\)", change.path)
        field_path = f"{match.group('cls')}.{match.group('name')}" if match else ""
        entry = new.get(field_path) or old.get(field_path)
        if entry is None or entry.kind != "field":
            by_key.setdefault((change.change, change.path), change)
            continue
        key = (change.change, field_path)
        own = by_key.get(key)
        if own is None:
            by_key[key] = ApiChange(
                change.change, "field", field_path, change.old, change.new, change.breaking, change.reason
            )
        elif change.breaking and not own.breaking:
            by_key[key] = ApiChange(own.change, "field", field_path, own.old, own.new, True, change.reason)
    return sorted(by_key.values(), key=lambda c: (not c.breaking, c.path, c.change))
