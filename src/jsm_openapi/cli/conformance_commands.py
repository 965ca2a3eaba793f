"""`conformance`: the nightly run across the sites of a sites file, its merge, report, history and alerts."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..conformance.alerts import open_issues, plan_alerts, write_plan
from ..conformance.history import REPORT_FILE, load_previous, night_report
from ..conformance.model import NEW, STILL, NightReport, read_json
from ..conformance.parts import Part, find_parts, merge_parts
from ..conformance.plan import github_output, matrix
from ..conformance.render import html_page, markdown
from ..conformance.runner import jobs_for, run_jobs
from ..conformance.sites import load_sites
from ..contract.shard import parse_shard
from ..documents import write_atomic
from ..errors import ExitCode, InputError
from .app import app, err, out, project

conformance = typer.Typer(
    help="Nightly conformance across JSM sites: run a sites file, merge shards, compare with the previous night, "
    "report (Markdown, HTML), plan alerts.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(conformance, name="conformance")

SitesOption = Annotated[Path, typer.Option("--sites", help="The sites file (conformance.toml).")]
OutOption = Annotated[Path, typer.Option("--out", help="Folder for parts and reports.")]
PreviousOption = Annotated[
    Path | None,
    typer.Option("--previous", help="The previous night's conformance.json, or a folder holding it."),
]
RunUrlOption = Annotated[str | None, typer.Option("--run-url", help="Link to the CI run, shown in reports.")]


class FailOn(StrEnum):
    never = "never"
    new = "new"
    any = "any"


@conformance.command("run")
def run_command(  # noqa: PLR0917 - a command's options
    sites_file: SitesOption,
    site: Annotated[list[str] | None, typer.Option("--site", help="Only this site (repeatable).")] = None,
    shard: Annotated[str | None, typer.Option("--shard", help="Only shard i/n of each site, e.g. 1/2.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="Seed of every run (default: a fresh one).")] = None,
    jobs: Annotated[int, typer.Option("--jobs", min=1, max=16, help="Runs at a time (processes).")] = 1,
    out_dir: OutOption = Path("reports/conformance"),
    previous: PreviousOption = None,
    parts_only: Annotated[
        bool, typer.Option("--parts-only", help="Write the parts only (a CI job; the final job merges).")
    ] = False,
    fail_on: Annotated[FailOn, typer.Option(help="Exit 1 on new deviations, on any, or never.")] = FailOn.any,
    run_url: RunUrlOption = None,
) -> None:
    """Run the contract suite against every site of the sites file (one after another, or --jobs at a time).

    Each site (each shard of a site with `shards = n`) is one `pytest contract_tests` process with only its own
    credentials; its summary, coverage, JUnit and result go to OUT/sites/<site>/<shard>/. Then the parts are merged,
    compared with the previous night (by default OUT/conformance.json from the last run) and reported in
    OUT/conformance.{json,md,html}. Exit codes: 0 nothing to fail on; 1 deviations (see --fail-on) or a site that
    could not run; 3 a bad sites file or option.
    """
    sites_list = load_sites(sites_file)
    chosen = sites_list.select(site)
    the_shard = parse_shard(shard)
    the_seed = seed if seed is not None else secrets.randbits(32)
    history = (
        previous if previous is not None else (out_dir / REPORT_FILE if (out_dir / REPORT_FILE).is_file() else None)
    )
    before = load_previous(history) if not parts_only else None  # a bad history fails before any site runs
    job_list = jobs_for(chosen, the_shard)
    err.print(f"conformance: {len(job_list)} run(s) of {len(chosen)} site(s), seed {the_seed}", markup=False)
    parts = run_jobs(
        job_list,
        list(sites_list.sites),
        seed=the_seed,
        out=out_dir,
        root=project().root,
        parallel=jobs,
        say=lambda line: err.print(line, markup=False),
    )
    if parts_only:
        failed = [part for part in parts if not part.ran]
        raise typer.Exit(_run_exit(failed) if failed else 0)
    report = _report(parts, list(sites_list.sites), before, run_url)
    _write_reports(report, out_dir)
    raise typer.Exit(_exit(report, parts, fail_on))


@conformance.command("merge")
def merge_command(  # noqa: PLR0917 - a command's options
    sites_file: SitesOption,
    parts: Annotated[list[Path], typer.Option("--parts", help="A folder of parts (artefacts); repeatable.")],
    out_dir: OutOption = Path("reports/conformance"),
    previous: PreviousOption = None,
    fail_on: Annotated[FailOn, typer.Option(help="Exit 1 on new deviations, on any, or never.")] = FailOn.new,
    run_url: RunUrlOption = None,
) -> None:
    """Merge the parts of a night (every site's shards) and compare with the previous night: the workflow's last
    job. Writes OUT/conformance.{json,md,html}. A site with no part is reported as not run, and its earlier
    deviations are carried over unchecked."""
    sites_list = load_sites(sites_file)
    before = load_previous(previous)
    found = find_parts(parts)
    report = _report(found, list(sites_list.sites), before, run_url)
    _write_reports(report, out_dir)
    raise typer.Exit(_exit(report, found, fail_on))


@conformance.command("plan")
def plan_command(
    sites_file: SitesOption,
    site: Annotated[list[str] | None, typer.Option("--site", help="Only this site (repeatable).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="The night's seed (default: a fresh one).")] = None,
    github: Annotated[
        Path | None, typer.Option("--github-output", help="Append matrix= and seed= to this file ($GITHUB_OUTPUT).")
    ] = None,
) -> None:
    """The workflow's matrix: one entry per site and shard, with its GitHub environment and secret names."""
    sites_list = load_sites(sites_file)
    chosen = sites_list.select(site)
    the_seed = seed if seed is not None else secrets.randbits(32)
    if github is None:
        out.print(json.dumps({"seed": the_seed, "include": matrix(chosen)}, indent=1), markup=False)
        return
    with github.open("a", encoding="utf-8") as handle:
        handle.write(github_output(chosen, the_seed))
    err.print(f"conformance plan: {len(matrix(chosen))} job(s), seed {the_seed}", markup=False)


@conformance.command("alert")
def alert_command(
    report_file: Annotated[Path, typer.Option("--report", help="Tonight's conformance.json.")],
    issues: Annotated[
        Path, typer.Option("--open-issues", help="Open alert issues: `gh issue list --json number,body` output.")
    ],
    out_dir: OutOption = Path("reports/conformance"),
) -> None:
    """Which alert issue to open (new deviations only), which to comment on or close (fixed): writes
    OUT/alert-plan.json, and OUT/alert-title.txt + OUT/alert-issue.md when one opens."""
    report = load_previous(report_file)
    if report is None:
        raise InputError(f"{report_file} holds no conformance report", hint="give tonight's conformance.json")
    data = read_json(issues, "list of open issues", "give `gh issue list --json number,body` output")
    plan = plan_alerts(report, open_issues(data))
    write_atomic(out_dir / "alert-plan.json", write_plan(plan).encode())
    if plan.open is not None:
        write_atomic(out_dir / "alert-title.txt", (plan.open[0] + "\n").encode())
        write_atomic(out_dir / "alert-issue.md", plan.open[1].encode())
    opened = "1 to open" if plan.open else "none to open"
    out.print(
        f"conformance alerts: {opened}, {len(plan.comment)} to comment on, {len(plan.close)} to close",
        markup=False,
    )


def _report(parts: list[Part], sites: list, before: NightReport | None, run_url: str | None) -> NightReport:  # type: ignore[type-arg]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    merged = merge_parts(parts, sites)
    return night_report(merged, sites, before, now=now, run_url=run_url)


def _write_reports(report: NightReport, out_dir: Path) -> None:
    write_atomic(out_dir / REPORT_FILE, (json.dumps(report.as_json(), indent=1, ensure_ascii=False) + "\n").encode())
    write_atomic(out_dir / "conformance.md", markdown(report).encode())
    write_atomic(out_dir / "conformance.html", html_page(report).encode())
    for site in report.sites:
        counts = site.counts()
        out.print(
            f"{site.name}: {site.status}; {counts[NEW]} new, {counts[STILL]} still failing, {counts['fixed']} fixed, "
            f"{counts['unchecked']} unchecked",
            markup=False,
        )
    out.print(f"report: {out_dir / 'conformance.html'} (and .md, .json)", markup=False)


def _run_exit(failed: list[Part]) -> int:
    codes = [part.exit_code for part in failed if part.exit_code in (ExitCode.INPUT, ExitCode.SERVER)]
    return codes[0] if codes else int(ExitCode.FINDINGS)


def _exit(report: NightReport, parts: list[Part], fail_on: FailOn) -> int:
    totals = report.totals()
    failed = [part for part in parts if not part.ran]
    if fail_on is FailOn.new and totals[NEW]:
        return int(ExitCode.FINDINGS)
    if fail_on is FailOn.any and (totals[NEW] or totals[STILL]):
        return int(ExitCode.FINDINGS)
    if failed:
        return _run_exit(failed)
    return int(ExitCode.OK)
