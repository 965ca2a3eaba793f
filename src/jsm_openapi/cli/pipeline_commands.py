"""`fetch`, `patch`, `generate`, `provenance`: the main pipeline."""

from __future__ import annotations

import argparse

from ..errors import GenerateError
from .app import add_flavor_option, command, err, flavors_of, out, progress, project, step


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command(commands, "fetch", fetch)
    add_flavor_option(parser)
    parser.add_argument(
        "--tracked",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Also fetch documents pinned for drift only ([[tracked]]).",
    )

    parser = command(commands, "patch", patch)
    add_flavor_option(parser)
    parser.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Fail when an overlay action matches nothing.",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="List every overlay action.")

    parser = command(commands, "generate", generate)
    add_flavor_option(parser)
    parser.add_argument("--force", action="store_true", help="Regenerate even when the inputs are unchanged.")

    parser = command(commands, "provenance", provenance)
    add_flavor_option(parser)


def fetch(args: argparse.Namespace) -> None:
    """Fetch the pinned upstream documents into the cache, verifying each sha256.

    Looks in $JSM_SPEC_MIRROR first (any file whose sha256 matches), else downloads the URL.
    """
    from ..fetch import Fetcher
    from ..sources import load_sources

    proj = project()
    sources = load_sources(proj.sources_file)
    pins = [pin for name in flavors_of(args.flavor) for pin in sources.flavor(name).documents]
    if args.tracked and args.flavor == "all":
        pins += list(sources.tracked)
    fetcher = Fetcher(proj.cache_dir)
    seen = set()
    with progress() as bar:
        task = bar.add_task("fetching", total=len(pins))
        for pin in pins:
            if pin.name in seen:
                continue
            seen.add(pin.name)
            bar.update(task, description=f"fetching {pin.name}")
            got = fetcher.fetch(pin)
            note = f" ({got.note})" if got.note else ""
            out.print(f"{pin.name:<18} {pin.sha256[:12]}  {got.origin}{note}")
            bar.advance(task)


def patch(args: argparse.Namespace) -> None:
    """Fetch, merge and apply overlays: write build/patched/<flavor>.openapi.json and its report."""
    from ..fetch import Fetcher
    from ..pipeline import patch_flavor, write_patched
    from ..sources import load_sources

    proj = project()
    sources = load_sources(proj.sources_file)
    fetcher = Fetcher(proj.cache_dir)
    for name in flavors_of(args.flavor):
        with step(f"{name}: patching") as say:
            result = patch_flavor(proj, sources.flavor(name), fetcher, strict=args.strict, progress=say)
        path = write_patched(proj, result)
        nodes = sum(a.matched for a in result.actions)
        out.print(
            f"{name}: {len(result.overlays)} overlay(s), {len(result.actions)} action(s), {nodes} node(s) touched "
            f"→ {path.relative_to(proj.root)}"
        )
        for action in result.actions:
            if args.verbose or action.matched == 0:
                summary = action.description.splitlines()[0][:80] if action.description else ""
                out.print(f"  {action.matched:>4} node(s)  {action.label}  {summary}")


def generate(args: argparse.Namespace) -> None:
    """Regenerate the typed client packages (generated/jsm-server, generated/jsm-cloud).

    A no-op when nothing they depend on changed. Fails on generator warnings not in generated/accepted-skips.toml,
    leaving the previous packages untouched.
    """
    from ..fetch import Fetcher
    from ..generate import generate_flavor
    from ..sources import load_sources

    proj = project()
    sources = load_sources(proj.sources_file)
    fetcher = Fetcher(proj.cache_dir)
    for name in flavors_of(args.flavor):
        with step(f"{name}: checking inputs") as say:
            outcome = generate_flavor(proj, sources.flavor(name), fetcher, force=args.force, progress=say)
        out.print(
            f"{name}: {outcome.status} {outcome.output.relative_to(proj.root)} — "
            f"{outcome.operations_generated} of {outcome.operations_in_document} operations generated "
            f"({outcome.seconds:.2f}s)"
        )
        for warning in outcome.accepted:
            out.print(f"  accepted skip: {warning.key} ({warning.kind})")
        for key in outcome.stale_allowlist:
            err.print(f"  note: accepted-skips entry {key!r} no longer occurs; remove it")


def provenance(args: argparse.Namespace) -> None:
    """Show what the installed client packages were generated from: pins, overlays, generator.

    Reads `jsm_server.PROVENANCE` / `jsm_cloud.PROVENANCE`; works wherever the packages are installed.
    """
    import importlib

    for name in flavors_of(args.flavor):
        package = f"jsm_{name}"
        try:
            module = importlib.import_module(package)
        except ImportError as exc:
            raise GenerateError(
                f"{package} is not installed ({exc})",
                hint=f"run `nox -s generate` in a checkout, or `pip install generated/jsm-{name}` after generating",
            ) from None
        record = module.PROVENANCE
        inputs = record["inputs"]
        documents = ", ".join(f"{d['name']} {d['version'][:24]} {d['sha256'][:12]}" for d in inputs["documents"])
        tools = ", ".join(f"{tool} {version}" for tool, version in sorted(inputs["toolchain"].items()))
        out.print(
            f"{package} {record.get('version', '?')}: {record['operations_generated']} operations generated of "
            f"{record['operations_in_document']} in the patched document\n"
            f"  documents: {documents}\n"
            f"  overlays: {len(inputs['overlays'])} file(s); {tools}; inputs stamp {inputs['stamp'][:12]}"
        )
