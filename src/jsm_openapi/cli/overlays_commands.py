"""`overlays status` (is every overlay action still matching and still needed?) and `examples` (the examples oracle)."""

from __future__ import annotations

import argparse
import importlib
import json
import os
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from ..errors import ExitCode, InputError
from .app import HelpFormatter, add_flavor_option, command, err, flavors_of, out, project, step

if TYPE_CHECKING:  # imported by the commands that use them: every `jsm-openapi` start would pay for them
    from ..examples import Check, OracleReport
    from ..overlay.health import ActionHealth
    from ..project import Project

OVERLAYS_HELP = "Inspect the overlays that patch the upstream documents (overlays/README.md)."


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command(commands, "examples", examples)
    add_flavor_option(parser)
    parser.add_argument(
        "--seeds", type=Path, help="Folder of seed pages (default: $JSM_SEEDS_DIR, or `seeds` beside $JSM_SPEC_MIRROR)."
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="Also list every exception and its reason.")
    parser.add_argument("--json", dest="as_json", action="store_true", help="Print JSON instead of a table.")

    group = commands.add_parser(
        "overlays", help=OVERLAYS_HELP, description=OVERLAYS_HELP, formatter_class=HelpFormatter
    )
    group.set_defaults(group_parser=group)
    parser = command(group.add_subparsers(title="commands", metavar="COMMAND"), "status", status)
    add_flavor_option(parser)
    parser.add_argument("--verbose", "-v", action="store_true", help="Also list the nodes each action touches.")
    parser.add_argument("--json", dest="as_json", action="store_true", help="Print JSON instead of a table.")


def _summary(description: str) -> str:
    return " ".join(description.split())[:90]


def status(args: argparse.Namespace) -> int:
    """Every overlay action, the nodes it touches on the raw document, and whether it is still needed.

    An action is *needed* when it still changes the pinned document (the gap is there), *not needed* when it matches
    but changes nothing (fixed upstream: remove it), *no match* when its target selects nothing (the strict build
    fails), *failed* when it cannot be applied. Exits 1 unless every action is needed.
    """
    from ..fetch import Fetcher
    from ..overlay.health import NEEDED, overlay_health
    from ..pipeline import load_flavor_overlays, merged_document
    from ..sources import load_sources

    proj = project()
    sources = load_sources(proj.sources_file)
    fetcher = Fetcher(proj.cache_dir)
    results: dict[str, list[ActionHealth]] = {}
    for name in flavors_of(args.flavor):
        with step(f"{name}: checking overlays on the raw document"):
            raw, _ = merged_document(proj, sources.flavor(name), fetcher)
            results[name] = overlay_health(raw, load_flavor_overlays(proj, sources.flavor(name)))
    if args.as_json:
        out.print_json(json.dumps({name: [h.as_json() for h in health] for name, health in results.items()}))
    else:
        for name, health in results.items():
            _print_health(name, health, verbose=args.verbose)
    if any(h.status != NEEDED for health in results.values() for h in health):
        return int(ExitCode.FINDINGS)
    return int(ExitCode.OK)


def _print_health(flavor: str, health: list[ActionHealth], *, verbose: bool) -> None:
    from ..overlay.health import NEEDED

    for item in health:
        report = item.report
        what = item.error or _summary(report.description)
        line = f"  {item.status:<10} {report.matched:>5} node(s)  {report.label} ({report.kind})  {what}"
        out.print(line, style=None if item.status == NEEDED else "bold red")
        if verbose:
            for location in report.locations:
                out.print(f"      {location}")
    counts: dict[str, int] = {}
    for item in health:
        counts[item.status] = counts.get(item.status, 0) + 1
    nodes = sum(item.report.matched for item in health)
    out.print(
        f"{flavor}: {len(health)} overlay action(s): {', '.join(f'{n} {s}' for s, n in sorted(counts.items()))}; "
        f"{nodes} node(s) touched on the raw document"
    )


# --- examples -------------------------------------------------------------------------------------------------------


def default_seeds(proj: Project) -> Path | None:
    """$JSM_SEEDS_DIR, else `seeds` beside $JSM_SPEC_MIRROR, else ../shared/seeds beside the checkout."""
    candidates = [os.environ.get("JSM_SEEDS_DIR")]
    if os.environ.get("JSM_SPEC_MIRROR"):
        candidates.append(str(Path(os.environ["JSM_SPEC_MIRROR"]).parent / "seeds"))
    candidates.append(str(proj.root.parent / "shared" / "seeds"))
    return next((Path(c) for c in candidates if c and Path(c).is_dir()), None)


def generated_package(package_name: str, patched_sha256: str, flavor: str) -> ModuleType:
    """The installed generated package, which must have been generated from exactly this patched document."""
    try:
        package = importlib.import_module(package_name)
    except ImportError as exc:
        raise InputError(
            f"{flavor}: the generated package {package_name} cannot be imported ({exc})",
            hint="run `jsm-openapi generate` and install generated/jsm-<flavor> (or run `nox -s examples`)",
        ) from exc
    found = package.PROVENANCE.get("patched_sha256")
    if found != patched_sha256:
        raise InputError(
            f"{flavor}: {package_name} was generated from another patched document (sha256 {str(found)[:12]}, the "
            f"overlays now give {patched_sha256[:12]})",
            hint="run `jsm-openapi generate` first, so the oracle reads the client the overlays produce",
        )
    return package


def examples(args: argparse.Namespace) -> int:
    """The examples oracle: every example of the upstream documents against the patched schema and generated client.

    Each example (request, response, parameter, header, schema; inline and in components) must validate against the
    patched document and parse through the generated model; the seed pages too. Prints counts per flavor and every
    failure; exits 1 on any failure that is not a documented exception (overlays/README.md, "Examples oracle").
    """
    from ..documents import sha256_bytes
    from ..examples import removed_examples, run_oracle
    from ..fetch import Fetcher
    from ..pipeline import merged_document, patch_flavor
    from ..sources import load_sources

    proj = project()
    sources = load_sources(proj.sources_file)
    fetcher = Fetcher(proj.cache_dir)
    seeds_dir = args.seeds or default_seeds(proj)
    reports: list[OracleReport] = []
    for name in flavors_of(args.flavor):
        pinned = sources.flavor(name)
        with step(f"{name}: checking examples") as say:
            raw, _ = merged_document(proj, pinned, fetcher)
            result = patch_flavor(proj, pinned, fetcher, progress=say)
            package = generated_package(pinned.package, sha256_bytes(result.serialized), name)
            report = run_oracle(
                name, raw, result.document, package, removed=removed_examples(result.actions), seeds_dir=seeds_dir
            )
        reports.append(report)
    if args.as_json:
        out.print_json(json.dumps([_report_json(r) for r in reports]))
    else:
        if seeds_dir is None:
            err.print("note: no seeds folder found; seed pages not checked (--seeds or $JSM_SEEDS_DIR)")
        for report in reports:
            _print_report(report, verbose=args.verbose)
    if any(r.failures for r in reports):
        return int(ExitCode.FINDINGS)
    return int(ExitCode.OK)


def _report_json(report: OracleReport) -> dict[str, object]:
    def entry(check: Check) -> dict[str, object]:
        return {
            "where": check.example.where,
            "kind": check.example.kind,
            "valid": check.valid,
            "parsed": check.parsed,
            "detail": check.detail,
            "reason": check.excuse,
        }

    return {
        **report.counts(),
        "failures_detail": [entry(c) for c in report.failures],
        "exceptions_detail": [entry(c) for c in report.exceptions],
    }


def _print_report(report: OracleReport, *, verbose: bool) -> None:
    counts = report.counts()
    kinds = ", ".join(f"{n} {kind}" for kind, n in counts["by_kind"].items())
    out.print(
        f"{report.flavor}: {counts['examples']} examples ({kinds}): {counts['passed']} pass "
        f"({counts['validated']} validate, {counts['parsed']} parse through the generated client, "
        f"{counts['parse_not_applicable']} have no generated reader), {counts['exceptions']} documented "
        f"exception(s), {counts['failures']} failure(s); {counts['placeholders_skipped']} `example: null` "
        f"placeholder(s) skipped"
    )
    for check in report.failures:
        out.print(f"  FAIL {check.example.where} ({check.example.kind}) {check.valid}/{check.parsed}: {check.detail}")
    if verbose:
        for check in report.exceptions:
            out.print(f"  exception {check.example.where}: {check.excuse}")
