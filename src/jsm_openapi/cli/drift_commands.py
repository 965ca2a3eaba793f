"""`drift` (classified changes between document versions, overlay health) and `parity` (Server vs Cloud)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, JsmOpenapiError
from ..project import FLAVORS
from .app import command, err, out, project, step

if TYPE_CHECKING:  # the command imports them when it runs: every `jsm-openapi` start would pay for them
    from ..drift.model import Comparison, DriftReport

REPORT_NAME = "drift"
PROPOSAL_FILE = "proposed-pins.toml"
TITLE_FILE = "issue-title.txt"
ISSUE_FILE = "issue.md"
ISSUE_LIMIT = 60_000  # GitHub refuses issue bodies over 65,536 characters
# The choices of --format and --fail-on: drift.render.Format and drift.rules.FAIL_ON (a test holds them equal).
FORMATS = ("text", "markdown", "json", "junit")
FAIL_ON_CHOICES = ("breaking", "potential", "any")
# The default of --fail-layers: ",".join(drift.model.DEFAULT_GATE) (a test holds them equal).
DEFAULT_FAIL_LAYERS = "client,code,observed"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command(commands, "drift", drift)
    parser.add_argument("old", nargs="?", metavar="OLD", help="The older document: a file or an http(s) URL.")
    parser.add_argument("new", nargs="?", metavar="NEW", help="The newer document: a file or an http(s) URL.")
    parser.add_argument("more", nargs="*", help=argparse.SUPPRESS)
    parser.set_defaults(extra_positionals="more")  # positionals after an option join `more` (`OLD NEW --observed *`)
    parser.add_argument(
        "--pin",
        action="append",
        metavar="NAME",
        help="Compare this pin of openapi/sources.toml with its latest upstream copy (repeatable).",
    )
    parser.add_argument("--all-pins", action="store_true", help="Compare every pin with its latest copy.")
    parser.add_argument(
        "--latest",
        help="Where the latest copy is: a URL, a file, or a folder (its newest file named like the pin, "
        "e.g. jsm-cloud-2025-09-17.json). Default: the pin's URL.",
    )
    parser.add_argument("--format", dest="fmt", choices=FORMATS, default="text", help="Report format.")
    parser.add_argument("--output", type=Path, help="Write the report to this file (atomically).")
    parser.add_argument(
        "--report-dir", type=Path, help="Write every format, the proposed pins and the issue title into this folder."
    )
    parser.add_argument(
        "--fail-on", choices=FAIL_ON_CHOICES, default="breaking", help="Exit 1 when a change is at least this severe."
    )
    parser.add_argument(
        "--fail-layers",
        default=DEFAULT_FAIL_LAYERS,
        help="The layers --fail-on judges, comma-separated: raw (a, what Atlassian changed), client (b, what the "
        "client sees), code (c, what breaks in user code), or another section's key. When none of them was "
        "computed, raw is judged.",
    )
    parser.add_argument("--rules", action="store_true", help="Print the rule catalogue (Markdown) and exit.")
    parser.add_argument(
        "--observed",
        action="append",
        type=Path,
        metavar="FILE",
        help="Observed-deviation files (JSON Lines from jsm.Client(..., deviations_file=...) or the contract "
        "suite's runs): the report's `observed` section, where the site disagrees with the document. Alone, or "
        "beside OLD NEW/--pin.",
    )
    parser.add_argument(
        "--flavor",
        choices=FLAVORS,
        help="With OLD NEW: the flavor (cloud, server) whose document they are; gives (b) (its overlays on both) "
        "and (c).",
    )
    parser.add_argument(
        "--code",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="Compute (c): regenerate the package from both patched documents (openapi-python-client, "
        "jsm-openapi[generate]) and compare their Python APIs (seconds for Cloud, up to a minute for Server; "
        "cached in .cache/api). Default: on with --pin/--all-pins/--flavor, off for bare OLD NEW.",
    )

    parser = command(commands, "parity", parity)
    parser.add_argument("--output", type=Path, help="Write the Markdown report to this file (atomically).")
    parser.add_argument(
        "--server", type=Path, help="Server patched document (default build/patched/server.openapi.json)."
    )
    parser.add_argument("--cloud", type=Path, help="Cloud patched document (default build/patched/cloud.openapi.json).")


def drift(args: argparse.Namespace) -> int:
    """Classify the changes between two versions of an OpenAPI document, from the generated client's side.

    Three layers: (a) what Atlassian changed (the raw documents), (b) what the client sees (the patched documents:
    pin + overlays vs new copy + overlays, with the overlays' health) and (c) what breaks in user code (the
    regenerated package's Python API, when available). OLD NEW (files, URLs, or HTML pages embedding the document)
    gives (a); --pin NAME / --all-pins compares each pin with its latest upstream copy and gives all three, and a
    proposed pin unless the latest copy is older. Documentation-only edits are listed apart and never fail. Exit
    codes: 0 nothing at or above --fail-on in the judged layers; 1 findings at or above it; 3 bad input; 4 a pinned
    document does not match its sha256; 5 a document could not be fetched. Rules: docs/drift-rules.md.
    """
    from ..documents import write_atomic
    from ..drift.model import DriftReport
    from ..drift.render import Format, render
    from ..drift.rules import FAIL_ON, catalogue_markdown

    if args.rules:
        out.print(catalogue_markdown(), end="")
        return 0
    gate = _gate(args.fail_layers)
    output, report_dir, fail_on = args.output, args.report_dir, args.fail_on
    pin, all_pins = args.pin or [], args.all_pins
    old, new, observed = _split_observed(args.old, args.new, args.more or [], args.observed or [])
    sections = []
    if observed:
        from ..drift.observed import read_observed

        sections.append(read_observed(observed))
    comparisons = []
    if old or new or pin or all_pins or not sections:
        comparisons = _comparisons(old, new, pin, all_pins, args.latest, args.flavor, args.code)
    report = DriftReport(comparisons, threshold=FAIL_ON[fail_on], gate=gate, sections=sections)
    text = render(report, Format(args.fmt))
    if report_dir is not None:
        _write_report_dir(report, report_dir)
    if output is not None:
        write_atomic(output, text.encode())
    if output is None and report_dir is None:
        out.print(text, end="")
    else:
        failing = len(report.failing())
        where = ", ".join(str(p) for p in (output, report_dir) if p is not None)
        out.print(f"drift: {failing} finding(s) at or above --fail-on {fail_on} → {where}")
    for failed in report.errors():
        err.print(f"error: {failed.pin}: {failed.error}")
    return report.exit_code()


def _split_observed(
    old: str | None, new: str | None, more: list[str], observed: list[Path]
) -> tuple[str | None, str | None, list[Path]]:
    """With --observed, positional arguments that are observed-deviation files join it (so `--observed *.jsonl`
    works); the others stay OLD NEW."""
    positional = [p for p in (old, new, *more) if p]
    if observed:
        from ..drift.observed import is_observed_file

        observed = observed + [Path(p) for p in positional if is_observed_file(Path(p))]
        positional = [p for p in positional if not is_observed_file(Path(p))]
    if len(positional) > 2:
        raise InputError(
            f"drift compares two documents; got {len(positional)}: {', '.join(positional)}",
            hint="give OLD NEW, or observed-deviation files after --observed",
        )
    padded = [*positional, None, None]
    return padded[0], padded[1], observed


def _gate(text: str) -> tuple[str, ...]:
    """The `--fail-layers` value as layer keys (in the order given, without repeats)."""
    from ..drift.model import DEFAULT_GATE, LAYER_KEYS

    known = tuple(LAYER_KEYS)
    keys = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [key for key in keys if key not in known]
    if unknown or not keys:
        raise InputError(
            f"--fail-layers {text!r}: unknown layer(s) {', '.join(unknown) or '(none given)'}",
            hint=f"give one or more of {', '.join(known)}, comma-separated (default {','.join(DEFAULT_GATE)})",
        )
    return tuple(dict.fromkeys(keys))


def _comparisons(  # noqa: PLR0917 - the command's options
    old: str | None,
    new: str | None,
    pins: list[str],
    all_pins: bool,
    latest: str | None,
    flavor: str | None,
    code: bool | None,
) -> list[Comparison]:
    by_pin = bool(pins) or all_pins
    if by_pin and (old or new):
        raise InputError("give either OLD NEW or --pin/--all-pins, not both", hint="see `jsm-openapi drift --help`")
    if not by_pin:
        if not (old and new):
            raise InputError(
                "drift needs two documents (OLD NEW) or a pin (--pin NAME, --all-pins)",
                hint="e.g. `jsm-openapi drift old.json new.json` or `jsm-openapi drift --pin jsm-cloud --latest FILE`",
            )
        if latest:
            raise InputError("--latest goes with --pin or --all-pins", hint="with OLD NEW, NEW is the latest")
        return [_two_documents(old, new, flavor, code)]
    if flavor:
        raise InputError(
            "--flavor goes with OLD NEW", hint="a pin knows its flavors: `jsm-openapi drift --pin NAME` compares each"
        )
    return _pins(pins, all_pins, latest, code is not False)


def _two_documents(old: str, new: str, flavor: str | None, code: bool | None) -> Comparison:
    """OLD NEW: (a) only, fast (no project, no generator); with --flavor, (b) and (c) too."""
    from ..drift.run import compare_sources

    if flavor is None:
        if code:
            raise InputError(
                "--code needs the flavor whose document OLD and NEW are",
                hint="add `--flavor cloud` (or server), or compare a pin: `jsm-openapi drift --pin NAME --latest NEW`",
            )
        with step("comparing"):
            return compare_sources(old, new)
    from ..drift.inputs import load
    from ..drift.run import compare_in_flavor
    from ..fetch import Fetcher
    from ..sources import load_sources

    proj = project()
    sources = load_sources(proj.sources_file)
    with step(f"{flavor}: comparing") as say:
        return compare_in_flavor(
            proj,
            sources,
            flavor,
            load(old),
            load(new),
            fetcher=Fetcher(proj.cache_dir),
            code=code is not False,
            progress=say,
        )


def _pins(pins: list[str], all_pins: bool, latest: str | None, code: bool) -> list[Comparison]:
    from ..drift.model import Comparison
    from ..drift.run import compare_pin
    from ..fetch import Fetcher
    from ..sources import load_sources

    proj = project()
    sources = load_sources(proj.sources_file)
    selected = sources.all_pins() if all_pins else [sources.pin(name) for name in pins]
    if latest and len(selected) > 1 and not Path(latest).is_dir():
        raise InputError(
            f"--latest {latest} is one document, but {len(selected)} pins are compared",
            hint="give a folder (its newest file named like each pin is used), or compare one pin",
        )
    fetcher = Fetcher(proj.cache_dir)
    comparisons = []
    for each in selected:
        with step(f"{each.name}: comparing") as say:
            try:
                comparisons.append(compare_pin(proj, sources, each, fetcher, latest=latest, progress=say, code=code))
            except JsmOpenapiError as exc:
                if len(selected) == 1:
                    raise
                comparisons.append(Comparison.failed(each.name, str(exc), int(exc.exit_code)))
    return comparisons


def _write_report_dir(report: DriftReport, directory: Path) -> None:
    """Every format, the proposed pins (TOML, when pins were compared), the issue title and body, each atomically."""
    from ..documents import write_atomic
    from ..drift.render import SUFFIXES, Format, render

    for fmt in Format:
        write_atomic(directory / f"{REPORT_NAME}.{SUFFIXES[fmt]}", render(report, fmt).encode())
    names = [f"{REPORT_NAME}.{suffix}" for suffix in SUFFIXES.values()]
    if report.comparisons:
        write_atomic(directory / PROPOSAL_FILE, _proposals(report).encode())
        names.append(PROPOSAL_FILE)
    write_atomic(directory / TITLE_FILE, (issue_title(report) + "\n").encode())
    write_atomic(directory / ISSUE_FILE, issue_body(render(report, Format.markdown)).encode())
    names += [TITLE_FILE, ISSUE_FILE]
    err.print(f"wrote {', '.join(names)} in {directory}")


def _proposals(report: DriftReport) -> str:
    proposals = [c.proposed_pin for c in report.comparisons if c.proposed_pin]
    refused = [
        "# " + f"{c.pin}: not proposed: {c.not_proposed}".replace("\n", " ")
        for c in report.comparisons
        if c.not_proposed
    ]
    header = f"# Proposed pins from `jsm-openapi drift` on {date.today().isoformat()}"
    nothing = "# Every pin matches its latest upstream copy: nothing to change.\n"
    body = "\n\n".join(proposals) if proposals else ("" if refused else nothing)
    notes = "\n".join(refused) + "\n\n" if refused else ""
    return f"{header}\n\n{notes}{body}"


def issue_title(report: DriftReport) -> str:
    """The alert's title: what changed, the judged findings per severity (comparisons' judged layers and every
    report-wide section), and the fingerprint set the nightly job keys its issue on."""
    findings = [
        finding
        for comparison in report.comparisons
        for layer in comparison.judged(report.gate)
        for finding in [*layer.api_changes(), *layer.health]
    ]
    findings += [finding for section in report.sections for finding in section.api_changes()]
    counts = {
        label: sum(f.severity.label == label for f in findings) for label in ("breaking", "potential", "non-breaking")
    }
    severities = (
        f"{counts['breaking']} breaking, {counts['potential']} potentially breaking, "
        f"{counts['non-breaking']} non-breaking"
    )
    changed = ", ".join(
        (c.pin or c.new.label) + (" (⚠️ older copy)" if c.warnings else "")
        for c in report.comparisons
        if c.changes or c.health()
    )
    observed = ", ".join(
        f"{len(s.api_changes())} place(s) where the site disagrees" for s in report.sections if s.changes
    )
    if report.comparisons:
        what = f"Spec drift: {changed or 'nothing'}" + (f"; observed: {observed}" if observed else "")
    else:
        what = f"Observed deviations: {observed or 'none'}"
    return f"{what} — {severities} [{report.fingerprint_set()}]"


def issue_body(markdown: str, limit: int = ISSUE_LIMIT) -> str:
    """The Markdown report cut to fit an issue body, keeping its last lines (the fingerprint-set marker)."""
    if len(markdown) <= limit:
        return markdown
    lines = markdown.rstrip("\n").split("\n")
    tail = lines[-3:]
    note = "\n\n*(cut to fit an issue: the full report is drift.md in the run's artifacts)*\n\n"
    budget = limit - len(note) - sum(len(line) + 1 for line in tail)
    head = markdown[:budget].rsplit("\n", 1)[0]
    if head.count("<details>") > head.count("</details>"):
        head += "\n\n</details>"
    return head + note + "\n".join(tail) + "\n"


def parity(args: argparse.Namespace) -> None:
    """Server vs Cloud: /servicedeskapi operations in both or one only, and how shared ones differ (Markdown).

    Operations are matched by method and wire path (Server's /servicedeskapi/x under base /rest is Cloud's
    /rest/servicedeskapi/x). Fields that carry the same `x-jsm-concept` are one concept under two names.
    Reads the patched documents made by `jsm-openapi patch`.
    """
    from ..documents import read_document, write_atomic
    from ..parity import parity_report, render_parity
    from ..pipeline import load_patched

    proj = project()
    output, server, cloud = args.output, args.server, args.cloud
    server_doc = read_document(server) if server else load_patched(proj, "server")
    cloud_doc = read_document(cloud) if cloud else load_patched(proj, "cloud")
    report = parity_report(server_doc, cloud_doc)
    text = render_parity(report)
    if output is None:
        out.print(text, end="")
        return
    write_atomic(output, text.encode())
    out.print(
        f"parity: {len(report.shared)} shared operation(s) ({len(report.differing)} differ), "
        f"{len(report.server_only)} Server only, {len(report.cloud_only)} Cloud only → {output}",
    )
