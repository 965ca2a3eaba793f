"""`payloads`: real answers captured by other projects (tests/payloads/manifest.toml), fetched and checked."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import ModuleType
from typing import Any

from ..errors import ExitCode
from .app import command, err, out, project, step

MANIFEST = Path("tests") / "payloads" / "manifest.toml"
ACTIONS = ("fetch", "check")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command(commands, "payloads", payloads)
    parser.add_argument(
        "action", choices=ACTIONS, metavar="ACTION", help="fetch (online: download and verify) or check (the oracle)."
    )
    parser.add_argument("--manifest", type=Path, help="The manifest (default tests/payloads/manifest.toml).")
    parser.add_argument(
        "--pin", action="store_true", help="With fetch: record the sha256 of unpinned entries in the manifest."
    )


def payloads(args: argparse.Namespace) -> int:
    """Captured real answers: `fetch` downloads each manifest entry at its commit into .cache/payloads/ (or
    $JSM_PAYLOADS_DIR) and verifies its sha256 (exit 4 on a mismatch, 5 when unreachable); `check` validates every
    fetched payload against its operation's schema in the patched document and parses it through the generated
    client (exit 1 on a failure). Entries not fetched are listed, not checked."""
    from ..documents import sha256_bytes
    from ..fetch import Fetcher
    from ..payloads import check_payloads, default_cache, fetch, load_manifest
    from ..payloads import pin as pin_manifest
    from ..pipeline import patch_flavor
    from ..sources import load_sources
    from .overlays_commands import generated_package

    proj = project()
    path = args.manifest or proj.root / MANIFEST
    entries = load_manifest(path)
    cache = default_cache(proj.root)
    if args.action == "fetch":
        with step(f"fetching {len(entries)} payload(s)"):
            digests = fetch(entries, cache)
        for entry in entries:
            state = "pinned" if entry.sha256 else "UNPINNED"
            out.print(f"{entry.name}: {digests[entry.name]} ({state}) ← {entry.url}")
        if args.pin:
            out.print(f"pinned {pin_manifest(path, digests)} entr(y/ies) in {path}")
        return int(ExitCode.OK)
    sources = load_sources(proj.sources_file)
    fetcher = Fetcher(proj.cache_dir)
    documents: dict[str, Any] = {}
    packages: dict[str, ModuleType] = {}
    for flavor in sorted({e.flavor for e in entries}):
        with step(f"{flavor}: patching"):
            result = patch_flavor(proj, sources.flavor(flavor), fetcher)
        documents[flavor] = result.document
        packages[flavor] = generated_package(f"jsm_{flavor}", sha256_bytes(result.serialized), flavor)
    failures = 0
    for entry, verdict in check_payloads(entries, cache, documents, packages):
        if verdict is None:
            out.print(f"{entry.name}: not fetched (run `jsm-openapi payloads fetch` online)")
        elif verdict.passed:
            out.print(f"{entry.name}: ok ({entry.flavor} {entry.operation} {entry.status})")
        else:
            failures += 1
            err.print(f"{entry.name}: FAIL {entry.operation} {entry.status}: {verdict.detail}")
    return int(ExitCode.FINDINGS) if failures else int(ExitCode.OK)
