"""`fetch`, `patch`, `generate`, `provenance`: the main pipeline."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import GenerateError
from ..fetch import Fetcher
from ..generate import generate_flavor
from ..sources import load_sources
from .app import FlavorChoice, FlavorOption, app, err, flavors_of, out, progress, project, step


@app.command()
def fetch(
    flavor: FlavorOption = FlavorChoice.all,
    tracked: Annotated[bool, typer.Option(help="Also fetch documents pinned for drift only ([[tracked]]).")] = True,
) -> None:
    """Fetch the pinned upstream documents into the cache, verifying each sha256.

    Looks in $JSM_SPEC_MIRROR first (any file whose sha256 matches), else downloads the URL.
    """
    proj = project()
    sources = load_sources(proj.sources_file)
    pins = [pin for name in flavors_of(flavor) for pin in sources.flavor(name).documents]
    if tracked and flavor is FlavorChoice.all:
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
            out.print(f"{pin.name:<18} {pin.sha256[:12]}  {got.origin}{note}", markup=False)
            bar.advance(task)


@app.command()
def patch(
    flavor: FlavorOption = FlavorChoice.all,
    strict: Annotated[bool, typer.Option(help="Fail when an overlay action matches nothing.")] = True,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every overlay action.")] = False,
) -> None:
    """Fetch, merge and apply overlays: write build/patched/<flavor>.openapi.json and its report."""
    from ..pipeline import patch_flavor, write_patched

    proj = project()
    sources = load_sources(proj.sources_file)
    fetcher = Fetcher(proj.cache_dir)
    for name in flavors_of(flavor):
        with step(f"{name}: patching") as say:
            result = patch_flavor(proj, sources.flavor(name), fetcher, strict=strict, progress=say)
        path = write_patched(proj, result)
        nodes = sum(a.matched for a in result.actions)
        out.print(
            f"{name}: {len(result.overlays)} overlay(s), {len(result.actions)} action(s), {nodes} node(s) touched "
            f"→ {path.relative_to(proj.root)}"
        )
        for action in result.actions:
            if verbose or action.matched == 0:
                summary = action.description.splitlines()[0][:80] if action.description else ""
                out.print(f"  {action.matched:>4} node(s)  {action.label}  {summary}")


@app.command()
def generate(
    flavor: FlavorOption = FlavorChoice.all,
    force: Annotated[bool, typer.Option(help="Regenerate even when the inputs are unchanged.")] = False,
) -> None:
    """Regenerate the typed client packages (generated/jsm-server, generated/jsm-cloud).

    A no-op when nothing they depend on changed. Fails on generator warnings not in generated/accepted-skips.toml,
    leaving the previous packages untouched.
    """
    proj = project()
    sources = load_sources(proj.sources_file)
    fetcher = Fetcher(proj.cache_dir)
    for name in flavors_of(flavor):
        with step(f"{name}: checking inputs") as say:
            outcome = generate_flavor(proj, sources.flavor(name), fetcher, force=force, progress=say)
        out.print(
            f"{name}: {outcome.status} {outcome.output.relative_to(proj.root)} — "
            f"{outcome.operations_generated} of {outcome.operations_in_document} operations generated "
            f"({outcome.seconds:.2f}s)"
        )
        for warning in outcome.accepted:
            out.print(f"  accepted skip: {warning.key} ({warning.kind})")
        for key in outcome.stale_allowlist:
            err.print(f"  note: accepted-skips entry {key!r} no longer occurs; remove it", markup=False)


@app.command()
def provenance(flavor: FlavorOption = FlavorChoice.all) -> None:
    """Show what the installed client packages were generated from: pins, overlays, generator.

    Reads `jsm_server.PROVENANCE` / `jsm_cloud.PROVENANCE`; works wherever the packages are installed.
    """
    import importlib

    for name in flavors_of(flavor):
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
