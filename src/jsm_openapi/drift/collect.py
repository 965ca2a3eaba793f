"""Where the differ is (a location in both documents) and what it found (drafts of changes, component edges)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..documents import Json, canonical_json
from ..pointers import join

# A pair of components to compare, and whether the client sends them ("request") or reads them ("response").
Edge = tuple[str, str, str]

# Keys whose changes are documentation or metadata only, wherever they appear.
DESCRIPTION_KEYS = ("description", "summary")
EXAMPLE_KEYS = ("example", "examples")


@dataclass(frozen=True)
class Loc:
    """A place in the old and the new document, plus the same place spelled stably (no array indexes)."""

    old: str
    new: str
    stable: str

    def key(self, key: str | int) -> Loc:
        return Loc(join(self.old, key), join(self.new, key), join(self.stable, key))

    def keys(self, old: str | int, new: str | int, stable: str) -> Loc:
        """Descend by different keys on each side (array positions) and a stable spelling."""
        return Loc(join(self.old, old), join(self.new, new), join(self.stable, stable))


@dataclass(frozen=True)
class Draft:
    """A change before it is attached to the operations it affects."""

    rule: str
    message: str
    pointer: str
    subject: str
    old: Json = None
    new: Json = None

    def key(self) -> tuple[str, str, bytes, bytes]:
        return (self.rule, self.subject, canonical_json(self.old), canonical_json(self.new))


@dataclass
class Found:
    """Drafts found at one place, and the component pairs reached from it (compared separately, once)."""

    drafts: list[Draft] = field(default_factory=list)
    edges: set[Edge] = field(default_factory=set)

    def add(
        self, rule: str, message: str, loc: Loc, *, old: Json = None, new: Json = None, removed: bool = False
    ) -> None:
        """Record a change at `loc`; `removed` points at the old document (the thing is gone from the new one)."""
        self.drafts.append(Draft(rule, message, loc.old if removed else loc.new, loc.stable, old, new))

    def documentation(self, old: Json, new: Json, loc: Loc, what: str) -> None:
        """Record description, summary, title, example, externalDocs and `x-` extension edits of two objects."""
        if not isinstance(old, dict) or not isinstance(new, dict):
            return
        for key in sorted(set(old) | set(new)):
            before, after = old.get(key), new.get(key)
            if before == after:
                continue
            if key in DESCRIPTION_KEYS:
                self.add("description-changed", f"{what}: {key} changed", loc.key(key), old=before, new=after)
            elif key in EXAMPLE_KEYS:
                self.add("example-changed", f"{what}: {key} changed", loc.key(key), old=before, new=after)
            elif key == "title":
                self.add("title-changed", f"{what}: title changed", loc.key(key), old=before, new=after)
            elif key == "externalDocs":
                self.add("external-docs-changed", f"{what}: externalDocs changed", loc.key(key), old=before, new=after)
            elif key == "tags":
                self.add("tags-changed", f"{what}: tags {before} → {after}", loc.key(key), old=before, new=after)
            elif key.startswith("x-") and key != "x-experimental":
                self.add("extension-changed", f"{what}: {key} changed", loc.key(key), old=before, new=after)
