"""fetch → merge → overlays: the patched document of a flavor, the one thing everything downstream reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .documents import Json, pretty_json, read_document, sha256_bytes, write_atomic
from .errors import InputError
from .fetch import Fetcher
from .merge import MergeReport, merge_documents
from .overlay import ActionReport, Overlay, apply_overlays, load_overlay
from .project import Project, overlay_files
from .sources import Flavor, Sources, load_sources

Progress = Callable[[str], None]


@dataclass
class PatchResult:
    """A flavor's patched document and how it was made."""

    flavor: Flavor
    document: Json
    merge: MergeReport
    overlays: list[Overlay]
    actions: list[ActionReport] = field(default_factory=list)

    @cached_property
    def serialized(self) -> bytes:
        """The patched document's bytes as build/patched/ holds them (their sha256 is the package's patched_sha256)."""
        return pretty_json(self.document)

    def report(self) -> dict[str, Any]:
        return {
            "flavor": self.flavor.name,
            "documents": [{"name": p.name, "sha256": p.sha256, "version": p.version} for p in self.flavor.documents],
            "overlays": [{"file": o.source, "sha256": o.digest, "actions": len(o.actions)} for o in self.overlays],
            "actions": [a.as_json() for a in self.actions],
            "merge": self.merge.as_json(),
        }


def load_flavor_overlays(project: Project, flavor: Flavor) -> list[Overlay]:
    """Load and validate the overlays that apply to a flavor (shared first, then the flavor's own)."""
    overlays = []
    urls = {pin.url for pin in flavor.documents}
    for path in overlay_files(project.overlay_dirs(flavor.name)):
        shown = _relative(project, path)
        overlay = load_overlay(path, source=shown)
        if overlay.extends is not None and overlay.extends not in urls:
            raise InputError(
                f"{shown}: extends {overlay.extends!r}, which is not a document of flavor {flavor.name}",
                hint="extends must be the url of one of the flavor's pins in openapi/sources.toml, or be left out",
            )
        overlays.append(overlay)
    return overlays


def _relative(project: Project, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(project.root))
    except ValueError:
        return str(path)


def merged_document(project: Project, flavor: Flavor, fetcher: Fetcher) -> tuple[Json, MergeReport]:
    """Fetch the flavor's pinned documents and merge them, before any overlay (the "raw" flavor document)."""
    return merge_documents(flavor, [(pin, fetcher.load(pin)) for pin in flavor.documents])


def patch_flavor(
    project: Project,
    flavor: Flavor,
    fetcher: Fetcher,
    *,
    strict: bool = True,
    progress: Progress | None = None,
) -> PatchResult:
    """Build a flavor's patched document in memory."""
    say = progress or (lambda _msg: None)
    say(f"{flavor.name}: fetching {len(flavor.documents)} document(s)")
    document, merge = merged_document(project, flavor, fetcher)
    overlays = load_flavor_overlays(project, flavor)
    say(f"{flavor.name}: applying {len(overlays)} overlay(s)")
    patched, actions = apply_overlays(document, overlays, strict=strict)
    return PatchResult(flavor=flavor, document=patched, merge=merge, overlays=overlays, actions=actions)


def write_patched(project: Project, result: PatchResult) -> Path:
    """Write the patched document and its report under build/patched/, atomically; return the document's path."""
    target = project.patched_document(result.flavor.name)
    write_atomic(target, result.serialized)
    report = {**result.report(), "patched_sha256": sha256_bytes(result.serialized)}
    write_atomic(target.with_name(f"{result.flavor.name}.report.json"), pretty_json(report))
    return target


def load_patched(project: Project, flavor: str) -> Json:
    """Read a flavor's patched document from build/, telling how to make it when it is missing."""
    path = project.patched_document(flavor)
    if not path.is_file():
        raise InputError(
            f"{path} does not exist", hint=f"run `jsm-openapi patch --flavor {flavor}` (or `nox -s generate`)"
        )
    try:
        return read_document(path)
    except InputError as exc:
        raise InputError(exc.message, hint=f"rebuild it: `jsm-openapi patch --flavor {flavor}`") from exc


def project_sources(project: Project) -> Sources:
    """The checkout's openapi/sources.toml."""
    return load_sources(project.sources_file)
