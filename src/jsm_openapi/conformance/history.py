"""Tonight against the previous night: per site, which deviations are new, still failing, fixed or unchecked.

- **new**: failing tonight, not believed failing before (not in the previous report's failing or unchecked lists);
- **still**: failing tonight and before (keeps the date it was first seen);
- **fixed**: believed failing before, absent tonight, and tonight could have seen it (the test that found it ran
  to an outcome; for an observed deviation, the site's observed files were read; without a test, the site's run
  was complete);
- **unchecked**: believed failing before, absent tonight, but tonight could not have seen it (the site or its
  shard did not run, the budget stopped it): carried forward, so it is neither forgotten nor reported new again.

The previous report is an earlier `conformance.json`: a file, or a folder holding one (the workflow downloads the
last run's history artefact into a folder).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .model import FIXED, NEW, OBSERVED, STILL, UNCHECKED, Deviation, NightReport, SiteRun, read_json
from .observed import observed_files, read_observed
from .sites import Site

REPORT_FILE = "conformance.json"


def load_previous(path: Path | None) -> NightReport | None:
    """The previous night's report: `path` itself, or the one report inside the folder; None if there is none."""
    if path is None:
        return None
    if path.is_dir():
        found = sorted(path.rglob(REPORT_FILE))
        if not found:
            return None  # a first night: nothing to compare with
        if len(found) > 1:
            raise InputError(
                f"{path} holds {len(found)} conformance reports ({', '.join(map(str, found[:3]))} …)",
                hint="give the one report to compare with",
            )
        path = found[0]
    elif not path.exists():
        raise InputError(f"previous report {path} does not exist", hint="give a conformance.json or its folder")
    data = read_json(path, "conformance report", "give the conformance.json of a run")
    return NightReport.from_json(data, str(path))


def add_observed(site: SiteRun, config: Site | None) -> None:
    """Merge the site's observed-deviation files (if the sites file names any) into its deviations."""
    if config is None or not config.observed:
        return
    files = observed_files(list(config.observed))
    site.observed_files = [path.name for path in files]
    flavor = site.flavor or (config.flavor if config.flavor != "detect" else None)
    by_fingerprint = {d.fingerprint: d for d in site.deviations}
    for deviation in read_observed(files, flavor):
        known = by_fingerprint.get(deviation.fingerprint)
        if known is not None:
            known.sources = sorted({*known.sources, OBSERVED})
            continue
        site.deviations.append(deviation)
        by_fingerprint[deviation.fingerprint] = deviation
        cell = site.operations.get(deviation.operation)
        if cell is not None:
            cell.deviations.append(deviation.fingerprint)


def compare_site(site: SiteRun, before: SiteRun | None, now: str) -> None:
    """Set each deviation's state against what the previous night believed was failing."""
    believed: dict[str, Deviation] = {}
    if before is not None:
        believed = {d.fingerprint: d for d in [*before.unchecked, *before.deviations]}
        if site.flavor is None:  # not run tonight: what it was the last time it said
            site.flavor, site.jsm_version = before.flavor, before.jsm_version
            site.platform_version = before.platform_version
    current = set()
    for deviation in site.deviations:
        current.add(deviation.fingerprint)
        old = believed.get(deviation.fingerprint)
        deviation.state = STILL if old is not None else NEW
        if old is not None and old.first_seen:
            deviation.first_seen = min(old.first_seen, deviation.first_seen or old.first_seen)
        deviation.first_seen = deviation.first_seen or now
        deviation.last_seen = now
    for fingerprint, old in believed.items():
        if fingerprint in current:
            continue
        if site.checked(old):
            old.state = FIXED
            site.fixed.append(old)
        else:
            old.state = UNCHECKED
            site.unchecked.append(old)


def night_report(
    sites: list[SiteRun],
    configs: list[Site],
    previous: NightReport | None,
    *,
    now: str,
    run_url: str | None = None,
) -> NightReport:
    """Tonight's report: observed deviations merged in, every site compared with the previous night."""
    by_name = {config.name: config for config in configs}
    for site in sites:
        add_observed(site, by_name.get(site.name))
        compare_site(site, previous.site(site.name) if previous else None, now)
    return NightReport(
        generated_at=now, sites=sites, run_url=run_url, previous=previous.generated_at if previous else None
    )


__all__ = ["FIXED", "NEW", "REPORT_FILE", "STILL", "UNCHECKED", "load_previous", "night_report"]
