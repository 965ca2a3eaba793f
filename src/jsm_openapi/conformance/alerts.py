"""Alerts on what is new: which issue to open, which to comment on, which to close, from tonight's report.

- One issue opens per night that has **new** deviations not already listed in an open alert (one issue, however
  many sites and deviations; nothing opens for deviations that are still failing).
- An open alert whose deviations are **all fixed** closes, with a comment saying so; one with some fixed tonight
  gets a comment naming them. A deviation tonight could not check keeps its alert open.

Each alert issue carries its deviations in a marker the next nights read back:
`<!-- jsm-conformance-alert site-a:0123456789abcdef,… site-b:… -->` (site names and hex fingerprints only).
The workflow lists the open issues labelled `conformance` (`gh issue list --json number,body`), asks for the plan
(`jsm-openapi conformance alert`) and carries it out with `gh`; the logic lives here so the tests run it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from .model import FIXED, NEW, NightReport
from .render import code, day, where
from .sites import NAME

LABEL = "conformance"
MARKER = "jsm-conformance-alert"
_MARKER = re.compile(r"<!-- jsm-conformance-alert((?: [a-z0-9-]{1,40}:[0-9a-f]{16}(?:,[0-9a-f]{16})*)*) -->")
ISSUE_LIMIT = 60_000  # GitHub refuses bodies over 65,536 characters
MAX_LISTED = 200  # deviations listed in one issue's table
MAX_MARKED = 2500  # deviations an issue tracks in its marker (2,500 keys of 17 characters fit a body)
FAILING, UNKNOWN = "failing", "unchecked"

Key = tuple[str, str]  # (site, fingerprint)


@dataclass(frozen=True)
class OpenIssue:
    number: int
    body: str

    @property
    def keys(self) -> set[Key]:
        return parse_marker(self.body)


@dataclass
class AlertPlan:
    open: tuple[str, str] | None = None  # (title, body)
    close: list[tuple[int, str]] = field(default_factory=list)  # (issue number, comment)
    comment: list[tuple[int, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "open": {"title": self.open[0]} if self.open else None,
            "close": [{"number": n, "comment": c} for n, c in self.close],
            "comment": [{"number": n, "comment": c} for n, c in self.comment],
        }


def parse_marker(body: str) -> set[Key]:
    keys: set[Key] = set()
    for match in _MARKER.finditer(body):
        for group in match.group(1).split():
            site, _, fingerprints = group.partition(":")
            keys.update((site, fp) for fp in fingerprints.split(","))
    return keys


def marker(keys: set[Key]) -> str:
    by_site: dict[str, list[str]] = {}
    for site, fp in sorted(keys):
        by_site.setdefault(site, []).append(fp)
    return f"<!-- {MARKER} " + " ".join(f"{site}:{','.join(fps)}" for site, fps in by_site.items()) + " -->"


def open_issues(data: Any) -> list[OpenIssue]:
    """`gh issue list --json number,body` output, validated."""
    if not isinstance(data, list):
        raise InputError("the open issues are not a JSON list", hint="give `gh issue list --json number,body` output")
    issues = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("number"), int) or isinstance(item["number"], bool):
            raise InputError("an open issue without a number", hint="give `gh issue list --json number,body` output")
        issues.append(OpenIssue(item["number"], str(item.get("body") or "")))
    return issues


def state_of(report: NightReport, key: Key) -> str:
    """failing, fixed or unchecked tonight."""
    name, fp = key
    site = report.site(name)
    if site is None:
        return UNKNOWN
    if any(d.fingerprint == fp for d in site.deviations):
        return FAILING
    if any(d.fingerprint == fp for d in site.fixed):
        return FIXED
    if any(d.fingerprint == fp for d in site.unchecked):
        return UNKNOWN
    return FIXED if site.complete else UNKNOWN  # not known to the previous night either: a complete run decides


def plan_alerts(report: NightReport, issues: list[OpenIssue]) -> AlertPlan:
    plan = AlertPlan()
    alerted = set().union(*(issue.keys for issue in issues)) if issues else set()
    new = [
        (site, d)
        for site in report.sites
        for d in site.deviations
        if d.state == NEW and (site.name, d.fingerprint) not in alerted
    ]
    if new:
        plan.open = (_title(report, new), _body(report, new))
    when = day(report.generated_at)
    url = report.run_url or ""
    run = f" ({url})" if re.fullmatch(r"https?://[A-Za-z0-9._~:/?#@!$&'*+,;=%-]{1,500}", url) else ""
    for issue in issues:
        keys = issue.keys
        if not keys:
            continue
        states = {key: state_of(report, key) for key in keys}
        if all(state == FIXED for state in states.values()):
            plan.close.append((issue.number, f"Every deviation of this alert is fixed as of {when}{run}."))
            continue
        fixed_tonight = sorted(key for key, state in states.items() if state == FIXED and _fixed_tonight(report, key))
        if fixed_tonight:
            left = sum(state == FAILING for state in states.values())
            listed = ", ".join(f"{site}:{fp}" for site, fp in fixed_tonight[:50])
            plan.comment.append((issue.number, f"Fixed as of {when}{run}: {listed}. Still failing: {left}."))
    return plan


def _fixed_tonight(report: NightReport, key: Key) -> bool:
    site = report.site(key[0])
    return site is not None and any(d.fingerprint == key[1] for d in site.fixed)


def _title(report: NightReport, new: list[Any]) -> str:
    sites = sorted({site.name for site, _ in new})
    shown = ", ".join(sites[:5]) + (f" and {len(sites) - 5} more" if len(sites) > 5 else "")
    return f"Conformance: {len(new)} new deviation(s) on {shown} ({day(report.generated_at)})"


def _body(report: NightReport, new: list[Any]) -> str:
    keys = {(site.name, d.fingerprint) for site, d in new[:MAX_MARKED]}
    lines = [
        f"The nightly conformance run of {day(report.generated_at)} found deviations the night before did not have.",
        "",
    ]
    if report.run_url:
        lines += [f"Run and full report (Markdown, HTML, JUnit per site): {code(report.run_url)}", ""]
    lines += ["| site | version | operation | check | where | what |", "|---|---|---|---|---|---|"]
    for site, d in new[:MAX_LISTED]:
        version = f"{site.flavor or '?'} {site.jsm_version or '?'}"
        lines.append(
            f"| {code(site.name)} | {code(version)} | {code(d.operation or 'the run')} | "
            f"{code(d.check)} | {code(where(d))} | {code(d.summary)} |"
        )
    if len(new) > MAX_LISTED:
        lines.append(f"\n… and {len(new) - MAX_LISTED} more in the run's report.")
    lines += [
        "",
        "This issue closes itself when the nightly run finds every deviation above fixed; still failing ones do "
        "not open another issue.",
        "",
        marker(keys),
    ]
    body = "\n".join(lines) + "\n"
    if len(body) > ISSUE_LIMIT:  # cut the table, never the marker
        head = body[: ISSUE_LIMIT - len(marker(keys)) - 200].rsplit("\n", 1)[0]
        body = f"{head}\n\n… (cut to fit an issue: the run's report lists every deviation)\n\n{marker(keys)}\n"
    return body


def write_plan(plan: AlertPlan) -> str:
    return json.dumps(plan.as_json(), indent=1, ensure_ascii=False) + "\n"


__all__ = ["LABEL", "NAME", "AlertPlan", "OpenIssue", "open_issues", "plan_alerts", "state_of"]
