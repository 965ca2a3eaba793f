"""`conformance`: the nightly run across the sites of a sites file, its merge, report, history and alerts."""

from __future__ import annotations

import argparse
import json
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ExitCode, InputError
from .app import HelpFormatter, command, err, out, project

if TYPE_CHECKING:
    from ..conformance.model import NightReport
    from ..conformance.parts import Part

CONFORMANCE_HELP = (
    "Nightly conformance across JSM sites: run a sites file, merge shards, compare with the previous night, "
    "report (Markdown, HTML), plan alerts."
)
FAIL_ON = ("never", "new", "any")
DEFAULT_OUT = Path("reports/conformance")


def _seed(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is not a seed (a whole number, 0 or more)")
    return value


def _jobs(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 16:
        raise argparse.ArgumentTypeError(f"{text} is not between 1 and 16")
    return value


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = commands.add_parser(
        "conformance", help=CONFORMANCE_HELP, description=CONFORMANCE_HELP, formatter_class=HelpFormatter
    )
    group.set_defaults(group_parser=group)
    subcommands = group.add_subparsers(title="commands", metavar="COMMAND")

    def sites(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--sites", dest="sites_file", type=Path, required=True, help="The sites file (conformance.toml)."
        )

    def out_dir(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--out", dest="out_dir", type=Path, default=DEFAULT_OUT, help="Folder for parts and reports."
        )

    def previous(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--previous", type=Path, default=None, help="The previous night's conformance.json, or a folder holding it."
        )

    def run_url(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--run-url", default=None, help="Link to the CI run, shown in reports.")

    def fail_on(parser: argparse.ArgumentParser, default: str) -> None:
        parser.add_argument(
            "--fail-on", choices=FAIL_ON, default=default, help="Exit 1 on new deviations, on any, or never."
        )

    parser = command(subcommands, "run", run_command)
    sites(parser)
    parser.add_argument("--site", action="append", default=None, help="Only this site (repeatable).")
    parser.add_argument("--shard", default=None, help="Only shard i/n of each site, e.g. 1/2.")
    parser.add_argument("--seed", type=_seed, default=None, help="Seed of every run (default: a fresh one).")
    parser.add_argument("--jobs", type=_jobs, default=1, help="Runs at a time (processes, 1 to 16).")
    out_dir(parser)
    previous(parser)
    parser.add_argument(
        "--parts-only",
        action="store_true",
        help="Write the parts only (a CI job; the final job merges).",
    )
    fail_on(parser, "any")
    run_url(parser)

    parser = command(subcommands, "merge", merge_command)
    sites(parser)
    parser.add_argument(
        "--parts", type=Path, action="append", required=True, help="A folder of parts (artefacts); repeatable."
    )
    out_dir(parser)
    previous(parser)
    fail_on(parser, "new")
    run_url(parser)

    parser = command(subcommands, "plan", plan_command)
    sites(parser)
    parser.add_argument("--site", action="append", default=None, help="Only this site (repeatable).")
    parser.add_argument("--seed", type=_seed, default=None, help="The night's seed (default: a fresh one).")
    parser.add_argument(
        "--github-output",
        dest="github",
        type=Path,
        default=None,
        help="Append matrix= and seed= to this file ($GITHUB_OUTPUT).",
    )

    parser = command(subcommands, "alert", alert_command)
    parser.add_argument("--report", dest="report_file", type=Path, required=True, help="Tonight's conformance.json.")
    parser.add_argument(
        "--open-issues",
        dest="issues",
        type=Path,
        required=True,
        help="Open alert issues: `gh issue list --json number,body` output.",
    )
    out_dir(parser)


def run_command(args: argparse.Namespace) -> int:
    """Run the contract suite against every site of the sites file (one after another, or --jobs at a time).

    Each site (each shard of a site with `shards = n`) is one `pytest contract_tests` process with only its own
    credentials; its summary, coverage, JUnit and result go to OUT/sites/<site>/<shard>/. Then the parts are merged,
    compared with the previous night (by default OUT/conformance.json from the last run) and reported in
    OUT/conformance.{json,md,html}. Exit codes: 0 nothing to fail on; 1 deviations (see --fail-on) or a site that
    could not run; 3 a bad sites file or option.
    """
    from ..conformance.history import REPORT_FILE, load_previous
    from ..conformance.runner import jobs_for, run_jobs
    from ..conformance.sites import load_sites
    from ..contract.shard import parse_shard

    out_dir: Path = args.out_dir
    sites_list = load_sites(args.sites_file)
    chosen = sites_list.select(args.site)
    the_shard = parse_shard(args.shard)
    the_seed = args.seed if args.seed is not None else secrets.randbits(32)
    history = args.previous
    if history is None and (out_dir / REPORT_FILE).is_file():
        history = out_dir / REPORT_FILE
    before = load_previous(history) if not args.parts_only else None  # a bad history fails before any site runs
    job_list = jobs_for(chosen, the_shard)
    err.print(f"conformance: {len(job_list)} run(s) of {len(chosen)} site(s), seed {the_seed}")
    parts = run_jobs(
        job_list,
        list(sites_list.sites),
        seed=the_seed,
        out=out_dir,
        root=project().root,
        parallel=args.jobs,
        say=err.print,
    )
    if args.parts_only:
        failed = [part for part in parts if not part.ran]
        return _run_exit(failed) if failed else 0
    report = _report(parts, list(sites_list.sites), before, args.run_url)
    _write_reports(report, out_dir)
    return _exit(report, parts, args.fail_on)


def merge_command(args: argparse.Namespace) -> int:
    """Merge the parts of a night (every site's shards) and compare with the previous night: the workflow's last
    job. Writes OUT/conformance.{json,md,html}. A site with no part is reported as not run, and its earlier
    deviations are carried over unchecked."""
    from ..conformance.history import load_previous
    from ..conformance.parts import find_parts
    from ..conformance.sites import load_sites

    sites_list = load_sites(args.sites_file)
    before = load_previous(args.previous)
    found = find_parts(args.parts)
    report = _report(found, list(sites_list.sites), before, args.run_url)
    _write_reports(report, args.out_dir)
    return _exit(report, found, args.fail_on)


def plan_command(args: argparse.Namespace) -> None:
    """The workflow's matrix: one entry per site and shard, with its GitHub environment and secret names."""
    from ..conformance.plan import github_output, matrix
    from ..conformance.sites import load_sites

    sites_list = load_sites(args.sites_file)
    chosen = sites_list.select(args.site)
    the_seed = args.seed if args.seed is not None else secrets.randbits(32)
    if args.github is None:
        out.print(json.dumps({"seed": the_seed, "include": matrix(chosen)}, indent=1))
        return
    with args.github.open("a", encoding="utf-8") as handle:
        handle.write(github_output(chosen, the_seed))
    err.print(f"conformance plan: {len(matrix(chosen))} job(s), seed {the_seed}")


def alert_command(args: argparse.Namespace) -> None:
    """Which alert issue to open (new deviations only), which to comment on or close (fixed): writes
    OUT/alert-plan.json, and OUT/alert-title.txt + OUT/alert-issue.md when one opens."""
    from ..conformance.alerts import open_issues, plan_alerts, write_plan
    from ..conformance.history import load_previous
    from ..conformance.model import read_json
    from ..documents import write_atomic

    report = load_previous(args.report_file)
    if report is None:
        raise InputError(f"{args.report_file} holds no conformance report", hint="give tonight's conformance.json")
    data = read_json(args.issues, "list of open issues", "give `gh issue list --json number,body` output")
    plan = plan_alerts(report, open_issues(data))
    write_atomic(args.out_dir / "alert-plan.json", write_plan(plan).encode())
    if plan.open is not None:
        write_atomic(args.out_dir / "alert-title.txt", (plan.open[0] + "\n").encode())
        write_atomic(args.out_dir / "alert-issue.md", plan.open[1].encode())
    opened = "1 to open" if plan.open else "none to open"
    out.print(f"conformance alerts: {opened}, {len(plan.comment)} to comment on, {len(plan.close)} to close")


def _report(parts: list[Part], sites: list[Any], before: NightReport | None, run_url: str | None) -> NightReport:
    from datetime import UTC, datetime

    from ..conformance.history import night_report
    from ..conformance.parts import merge_parts

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    merged = merge_parts(parts, sites)
    return night_report(merged, sites, before, now=now, run_url=run_url)


def _write_reports(report: NightReport, out_dir: Path) -> None:
    from ..conformance.history import REPORT_FILE
    from ..conformance.model import NEW, STILL
    from ..conformance.render import html_page, markdown
    from ..documents import write_atomic

    write_atomic(out_dir / REPORT_FILE, (json.dumps(report.as_json(), indent=1, ensure_ascii=False) + "\n").encode())
    write_atomic(out_dir / "conformance.md", markdown(report).encode())
    write_atomic(out_dir / "conformance.html", html_page(report).encode())
    for site in report.sites:
        counts = site.counts()
        out.print(
            f"{site.name}: {site.status}; {counts[NEW]} new, {counts[STILL]} still failing, {counts['fixed']} fixed, "
            f"{counts['unchecked']} unchecked"
        )
    out.print(f"report: {out_dir / 'conformance.html'} (and .md, .json)")


def _run_exit(failed: list[Part]) -> int:
    codes = [part.exit_code for part in failed if part.exit_code in (ExitCode.INPUT, ExitCode.SERVER)]
    return codes[0] if codes else int(ExitCode.FINDINGS)


def _exit(report: NightReport, parts: list[Part], fail_on: str) -> int:
    from ..conformance.model import NEW, STILL

    totals = report.totals()
    failed = [part for part in parts if not part.ran]
    if fail_on == "new" and totals[NEW]:
        return int(ExitCode.FINDINGS)
    if fail_on == "any" and (totals[NEW] or totals[STILL]):
        return int(ExitCode.FINDINGS)
    if failed:
        return _run_exit(failed)
    return int(ExitCode.OK)
