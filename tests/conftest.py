"""Shared fixtures: the real checkout, the upstream mirror, and throwaway copies of the project for pipeline runs.

Add fixtures here with small edits; keep topic-specific fixtures in the test module that uses them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from loopback import Loopback, serve

from jsm_openapi.project import Project
from jsm_openapi.sources import Sources, load_sources

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo() -> Project:
    """The real checkout (its generated packages are built by `nox -s tests` before pytest runs)."""
    return Project(REPO)


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The upstream mirror: $JSM_SPEC_MIRROR, else ../shared/upstream beside the checkout."""
    path = Path(os.environ.get("JSM_SPEC_MIRROR") or REPO.parent / "shared" / "upstream").resolve()
    if not path.is_dir():
        pytest.fail(f"no upstream mirror at {path}: set JSM_SPEC_MIRROR (the tests read the real documents)")
    return path


@pytest.fixture(scope="session")
def sources(repo: Project) -> Sources:
    return load_sources(repo.sources_file)


def copy_project(target: Path) -> Project:
    """A throwaway copy of everything the pipeline reads (pins, overlays, generator config); no build outputs."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "openapi", target / "openapi")
    if (REPO / "overlays").is_dir():
        shutil.copytree(REPO / "overlays", target / "overlays")
    generated = target / "generated"
    generated.mkdir()
    for path in (REPO / "generated").iterdir():
        if path.is_file():
            shutil.copy2(path, generated / path.name)
    shutil.copytree(REPO / "generated" / "templates", generated / "templates")
    if (REPO / "generated" / "releases").is_dir():  # the release ledger: the versions derive from it
        shutil.copytree(REPO / "generated" / "releases", generated / "releases")
    return Project(target)


@pytest.fixture(scope="session")
def project_copier() -> Callable[[Path], Project]:
    """`copy_project` as a fixture: tests call it with a target folder."""
    return copy_project


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    """A JSM stand-in over real HTTP on loopback whose answers the test decides (tests/loopback.py)."""
    with serve() as running:
        yield running


@pytest.fixture
def tmp_project(tmp_path: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A copy of the project in tmp_path, fetching from the mirror into its own cache."""
    monkeypatch.setenv("JSM_SPEC_MIRROR", str(mirror))
    monkeypatch.delenv("JSM_SPEC_CACHE", raising=False)
    monkeypatch.delenv("JSM_OPENAPI_ROOT", raising=False)
    return copy_project(tmp_path / "project")
