"""Where things live in a jsm-openapi checkout (the layout in DESIGN.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

FLAVORS = ("server", "cloud")


@dataclass(frozen=True)
class Project:
    """The paths of one checkout; every pipeline step takes one of these."""

    root: Path

    @classmethod
    def discover(cls, start: Path | None = None) -> Project:
        """Find the checkout: $JSM_OPENAPI_ROOT, else the nearest parent holding openapi/sources.toml."""
        env = os.environ.get("JSM_OPENAPI_ROOT")
        if env:
            root = Path(env).resolve()
            if not (root / "openapi" / "sources.toml").is_file():
                raise InputError(f"JSM_OPENAPI_ROOT={env} has no openapi/sources.toml", hint="point it at a checkout")
            return cls(root)
        here = (start or Path.cwd()).resolve()
        for candidate in (here, *here.parents):
            if (candidate / "openapi" / "sources.toml").is_file():
                return cls(candidate)
        raise InputError(
            f"no openapi/sources.toml in {here} or its parents",
            hint="run from a jsm-openapi checkout, or set JSM_OPENAPI_ROOT",
        )

    @property
    def sources_file(self) -> Path:
        return self.root / "openapi" / "sources.toml"

    @property
    def overlays_dir(self) -> Path:
        return self.root / "overlays"

    @property
    def generated_dir(self) -> Path:
        return self.root / "generated"

    @property
    def cache_dir(self) -> Path:
        """Fetched upstream bytes, named by sha256 (git-ignored). $JSM_SPEC_CACHE overrides."""
        env = os.environ.get("JSM_SPEC_CACHE")
        return Path(env) if env else self.root / ".cache" / "upstream"

    @property
    def build_dir(self) -> Path:
        """Patched documents and pipeline reports (git-ignored)."""
        return self.root / "build"

    def patched_document(self, flavor: str) -> Path:
        return self.build_dir / "patched" / f"{flavor}.openapi.json"

    def overlay_dirs(self, flavor: str) -> list[Path]:
        """Overlay folders applied to a flavor, in order: the shared set first, then the flavor's own."""
        return [self.overlays_dir / "shared", self.overlays_dir / flavor]


def overlay_files(directories: list[Path]) -> list[Path]:
    """Overlay files of the given folders, folder by folder, each sorted by name (prefix files with numbers)."""
    files: list[Path] = []
    for directory in directories:
        if directory.is_dir():
            files.extend(sorted(p for p in directory.iterdir() if p.suffix in {".yaml", ".yml", ".json"}))
    return files
