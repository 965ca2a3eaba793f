"""Versions of the generated packages, derived from their inputs and the release ledger (README "Versions").

The ledger (`generated/releases/<project>/`, committed) holds the last release of each package: `release.toml`
(its version and the input stamp it was built from, with the documents and overlays), `api.txt` (its public Python
API, `snapshot.py`) and `CHANGELOG.md` (every released entry). `generate` gives the package:

- the ledger's version when the input stamp equals the ledger's (same inputs, same version, same bytes);
- else the next version after it: major when the Python API diff against `api.txt` has a breaking change, minor
  when it has any other change, patch when only inputs changed (a docstring, a pin with no effect on the API);
- 1.0.0 when there is no ledger yet.

`jsm-openapi release record` writes the ledger from the packages in place once a release is cut.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..documents import write_atomic
from ..errors import InputError

if TYPE_CHECKING:
    from ..fetch import Fetcher
    from ..project import Project
    from ..sources import Flavor
    from .apidiff import ApiDiff

FIRST_VERSION = "1.0.0"
LEDGER_FILES = ("release.toml", "api.txt", "CHANGELOG.md")
_VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


def ledger_dir(project: Project, flavor: Flavor) -> Path:
    return project.generated_dir / "releases" / flavor.project


@dataclass(frozen=True)
class Ledger:
    """The last release of one package."""

    version: str
    stamp: str
    inputs: dict[str, Any]
    api: str
    history: str
    patched_sha256: str | None = None  # the patched document it was generated from (drift's layer (c) reuses api)

    @classmethod
    def read(cls, folder: Path) -> Ledger | None:
        path = folder / "release.toml"
        if not path.is_file():
            return None
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            api = (folder / "api.txt").read_text(encoding="utf-8")
            history = (
                (folder / "CHANGELOG.md").read_text(encoding="utf-8") if (folder / "CHANGELOG.md").is_file() else ""
            )
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"{folder}: unreadable release ledger: {exc}", hint="restore it from git") from exc
        version, stamp = data.get("version"), data.get("stamp")
        if not isinstance(version, str) or not _VERSION.match(version) or not isinstance(stamp, str):
            raise InputError(
                f"{path}: needs `version` (MAJOR.MINOR.PATCH) and `stamp` (the input stamp of that release)",
                hint="restore it from git, or write it with `jsm-openapi release record`",
            )
        inputs = data.get("inputs", {})
        patched = data.get("patched_sha256")
        return cls(
            version=version,
            stamp=stamp,
            inputs=inputs if isinstance(inputs, dict) else {},
            api=api,
            history=history,
            patched_sha256=patched if isinstance(patched, str) else None,
        )


def ledger_digest(project: Project, flavor: Flavor) -> str:
    """Digest of the ledger files: part of the no-op check (recording a release changes the next version)."""
    digest = hashlib.sha256()
    folder = ledger_dir(project, flavor)
    for name in LEDGER_FILES:
        path = folder / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"-") + b"\n")
    return digest.hexdigest()


def next_version(version: str, bump: str) -> str:
    major, minor, patch = (int(part) for part in version.split("."))
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def source_date_epoch(flavor: Flavor) -> int:
    """SOURCE_DATE_EPOCH from the inputs: midnight UTC of the newest pin's retrieval date."""
    newest = max(pin.retrieved for pin in flavor.documents)
    return int(datetime.combine(newest, time(0), tzinfo=UTC).timestamp())


@dataclass
class Release:
    """The version a generated package gets, and why."""

    version: str
    previous: str | None
    bump: str  # first | same | major | minor | patch
    ledger: str
    source_date_epoch: int
    diff: ApiDiff | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "previous": self.previous,
            "bump": self.bump,
            "ledger_sha256": self.ledger,
            "source_date_epoch": self.source_date_epoch,
            "api_changes": None
            if self.diff is None
            else {"breaking": len(self.diff.breaking), "non_breaking": len(self.diff.non_breaking)},
        }


def decide(
    project: Project, flavor: Flavor, package_root: Path, stamp: dict[str, Any]
) -> tuple[Release, Ledger | None]:
    """The version of the freshly generated package in `package_root` (the staged project folder)."""
    from .apidiff import compare_api

    ledger = Ledger.read(ledger_dir(project, flavor))
    digest, epoch = ledger_digest(project, flavor), source_date_epoch(flavor)
    if ledger is None:
        return Release(FIRST_VERSION, None, "first", digest, epoch), None
    if ledger.stamp == stamp["stamp"]:
        return Release(ledger.version, ledger.version, "same", digest, epoch), ledger
    diff = compare_api(ledger.api, package_root)
    bump = diff.bump if diff.bump != "none" else "patch"
    return Release(next_version(ledger.version, bump), ledger.version, bump, digest, epoch, diff), ledger


def stamp_package(
    project: Project,
    flavor: Flavor,
    package_root: Path,
    stamp: dict[str, Any],
    fetcher: Fetcher | None = None,
) -> Release:
    """Decide the version and write it into the staged package: pyproject.toml, `_version.py`, CHANGELOG.md."""
    from .changelog import package_changelog

    release, ledger = decide(project, flavor, package_root, stamp)
    pyproject = package_root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    text, count = re.subn(r'(?m)^version = "[^"]*"$', f'version = "{release.version}"', text, count=1)
    if count != 1:
        raise InputError(f'{pyproject}: no `version = "..."` line to set the version in')
    if "source-include" not in text:  # the changelog travels in the sdist too
        text = text.replace("[tool.uv.build-backend]\n", '[tool.uv.build-backend]\nsource-include = ["CHANGELOG.md"]\n')
    pyproject.write_text(text, encoding="utf-8")
    (package_root / flavor.package / "_version.py").write_text(
        '"""The version of this package (derived from its inputs by jsm-openapi; see CHANGELOG.md)."""\n\n'
        f'__version__ = "{release.version}"\n',
        encoding="utf-8",
    )
    changelog = package_changelog(flavor, release, ledger, stamp, fetcher)
    (package_root / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    readme = package_root / "README.md"
    if readme.is_file():  # PyPI shows the long description: the changelog goes at its end
        readme.write_text(
            readme.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + _demote(changelog), encoding="utf-8"
        )
    return release


def _demote(markdown: str) -> str:
    return re.sub(r"(?m)^(#+) ", r"#\1 ", markdown)


# --- recording a release --------------------------------------------------------------------------------------------


def record(project: Project, flavor: Flavor, package_root: Path) -> tuple[str, bool]:
    """Write the ledger from the package in `package_root`: (version, changed)."""
    import json

    import tomli_w

    from .changelog import entries_of
    from .snapshot import render_snapshot

    provenance_path = package_root / "provenance.json"
    try:
        provenance = json.loads(provenance_path.read_bytes())
        version, inputs = provenance["version"], provenance["inputs"]
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(
            f"{provenance_path}: no generated package with a version to record ({exc})",
            hint="run `jsm-openapi generate` first",
        ) from None
    folder = ledger_dir(project, flavor)
    folder.mkdir(parents=True, exist_ok=True)
    before = ledger_digest(project, flavor)
    release = {
        "package": flavor.project,
        "version": version,
        "stamp": inputs["stamp"],
        "patched_sha256": provenance.get("patched_sha256", ""),
        "inputs": {
            "documents": inputs["documents"],
            "overlays": inputs["overlays"],
            "other": {
                k: v for k, v in sorted(inputs.items()) if k not in {"documents", "overlays", "stamp"} and v is not None
            },
        },
    }
    header = (
        f"# The last release of {flavor.project}: `jsm-openapi generate` derives the next version from it.\n"
        '# Written by `jsm-openapi release record` (README "Versions"); commit it with the release.\n'
    )
    write_atomic(folder / "release.toml", (header + tomli_w.dumps(release)).encode())
    write_atomic(folder / "api.txt", render_snapshot(package_root).encode())
    changelog = (package_root / "CHANGELOG.md").read_text(encoding="utf-8")
    write_atomic(folder / "CHANGELOG.md", entries_of(changelog).encode())
    return version, ledger_digest(project, flavor) != before
