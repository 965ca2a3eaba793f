"""`payloads`: real answers captured by other projects (tests/payloads/manifest.toml), fetched and checked."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..documents import sha256_bytes
from ..errors import ExitCode
from ..fetch import Fetcher
from ..sources import load_sources
from .app import app, err, out, project, step
from .overlays_commands import generated_package

MANIFEST = Path("tests") / "payloads" / "manifest.toml"


class Action(StrEnum):
    fetch = "fetch"
    check = "check"


@app.command()
def payloads(
    action: Annotated[Action, typer.Argument(help="fetch (online: download and verify) or check (the oracle).")],
    manifest: Annotated[Path | None, typer.Option(help="The manifest (default tests/payloads/manifest.toml).")] = None,
    pin: Annotated[
        bool, typer.Option("--pin", help="With fetch: record the sha256 of unpinned entries in the manifest.")
    ] = False,
) -> None:
    """Captured real answers: `fetch` downloads each manifest entry at its commit into .cache/payloads/ (or
    $JSM_PAYLOADS_DIR) and verifies its sha256 (exit 4 on a mismatch, 5 when unreachable); `check` validates every
    fetched payload against its operation's schema in the patched document and parses it through the generated
    client (exit 1 on a failure). Entries not fetched are listed, not checked."""
    from ..payloads import check_payloads, default_cache, fetch, load_manifest
    from ..payloads import pin as pin_manifest
    from ..pipeline import patch_flavor

    proj = project()
    path = manifest or proj.root / MANIFEST
    entries = load_manifest(path)
    cache = default_cache(proj.root)
    if action is Action.fetch:
        with step(f"fetching {len(entries)} payload(s)"):
            digests = fetch(entries, cache)
        for entry in entries:
            state = "pinned" if entry.sha256 else "UNPINNED"
            out.print(f"{entry.name}: {digests[entry.name]} ({state}) ← {entry.url}", markup=False)
        if pin:
            out.print(f"pinned {pin_manifest(path, digests)} entr(y/ies) in {path}", markup=False)
        return
    sources = load_sources(proj.sources_file)
    fetcher = Fetcher(proj.cache_dir)
    documents, packages = {}, {}
    for flavor in sorted({e.flavor for e in entries}):
        with step(f"{flavor}: patching"):
            result = patch_flavor(proj, sources.flavor(flavor), fetcher)
        documents[flavor] = result.document
        packages[flavor] = generated_package(f"jsm_{flavor}", sha256_bytes(result.serialized), flavor)
    failures = 0
    for entry, verdict in check_payloads(entries, cache, documents, packages):
        if verdict is None:
            out.print(f"{entry.name}: not fetched (run `jsm-openapi payloads fetch` online)", markup=False)
        elif verdict.passed:
            out.print(f"{entry.name}: ok ({entry.flavor} {entry.operation} {entry.status})", markup=False)
        else:
            failures += 1
            err.print(f"{entry.name}: FAIL {entry.operation} {entry.status}: {verdict.detail}", markup=False)
    if failures:
        raise typer.Exit(int(ExitCode.FINDINGS))
