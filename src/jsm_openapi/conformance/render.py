"""The report across sites, as Markdown (job summary, issue) and as one self-contained HTML page.

Both show the sites (flavor, the JSM version each reports, access, result, new / still failing / fixed /
unchecked counts), then a grid of operations × sites coloured by result, then every deviation by state. Everything
a site or a file could have put into the report (versions, pointers, failure details, even names) is escaped: in
HTML through `html.escape` (and a Content-Security-Policy that forbids scripts, styles from elsewhere and any fetch),
in Markdown inside code spans (no HTML, links, mentions or emphasis can come out of one).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..contract.findings import clean
from ..operations import normalized_path
from .model import FIXED, NEW, NOT_RUN, RAN, STILL, UNCHECKED, Deviation, NightReport, OperationCell, SiteRun

METHOD_ORDER = {m: i for i, m in enumerate(("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"))}
STATE_WORDS = {NEW: "new", STILL: "still failing", FIXED: "fixed", UNCHECKED: "unchecked"}
# cell state → (Markdown mark, HTML class, words)
CELLS = {
    "new": ("🆕", "c-new", "new deviation"),
    "failing": ("❌", "c-failing", "still failing"),
    "fixed": ("🔧", "c-fixed", "fixed tonight"),
    "passed": ("✅", "c-passed", "passed"),
    "observed": ("👁", "c-failing", "deviation seen in traffic"),
    "not run": ("⚪", "c-notrun", "not run"),
    "absent": ("", "c-absent", "not in this site's scope"),
}


def h(value: object) -> str:
    """Text for HTML (element content and quoted attributes)."""
    return html.escape(clean(value, 2000), quote=True)


def day(value: object) -> str:
    """The date part of a timestamp, digits and dashes only (timestamps come from files too)."""
    return re.sub(r"[^0-9-]", "", str(value or ""))[:10]


def code(value: object, limit: int = 300) -> str:
    """Text for Markdown, inside a code span (inert): no backticks, no pipes breaking a table, one line."""
    text = clean(value, limit).replace("`", "ˋ").replace("|", "\\|")
    return f"`{text}`" if text else ""


@dataclass(frozen=True)
class Row:
    key: str  # METHOD + normalized wire path: one row for the same operation on every site
    label: str  # as the first site names it


@dataclass(frozen=True)
class Cell:
    state: str
    statuses: str
    note: str
    deviations: tuple[Deviation, ...]


def row_key(operation: str) -> str:
    method, _, path = operation.partition(" ")
    return f"{method} {normalized_path(path)}"


def rows(report: NightReport) -> list[Row]:
    """Every operation any site ran or has a deviation on, sorted by path then method."""
    found: dict[str, str] = {}
    for site in report.sites:
        for operation in site.operations:
            found.setdefault(row_key(operation), operation)
        for deviation in [*site.deviations, *site.fixed]:
            if deviation.operation:
                found.setdefault(row_key(deviation.operation), deviation.operation)

    def order(item: tuple[str, str]) -> tuple[str, int, str]:
        method, _, path = item[0].partition(" ")
        return (path, METHOD_ORDER.get(method, 99), method)

    return [Row(key, label) for key, label in sorted(found.items(), key=order)]


def cell(site: SiteRun, row: Row) -> Cell:
    operation = next((c for o, c in site.operations.items() if row_key(o) == row.key), None)
    failing = tuple(d for d in site.deviations if d.operation and row_key(d.operation) == row.key)
    fixed = tuple(d for d in site.fixed if d.operation and row_key(d.operation) == row.key)
    statuses = _statuses(operation)
    if failing:
        new = sum(d.state == NEW for d in failing)
        state = "new" if new else ("failing" if operation is not None else "observed")
        note = f"{new} new" if new else f"{len(failing)} failing"
        return Cell(state, statuses, note, failing + fixed)
    if operation is None:  # a site that did not run tonight has no operations at all
        return Cell("absent" if site.operations else "not run", "", "", fixed)
    if operation.outcome == "not run":
        return Cell("not run", statuses, "", fixed)
    if fixed:
        return Cell("fixed", statuses, f"{len(fixed)} fixed", fixed)
    return Cell("passed" if operation.outcome == "passed" else "failing", statuses, "", ())


def _statuses(operation: OperationCell | None) -> str:
    if operation is None:
        return ""
    return " ".join(f"{status}×{count}" for status, count in sorted(operation.statuses.items()))


def _site_result(site: SiteRun) -> str:
    if site.status == NOT_RUN:
        return "not run tonight"
    counts = site.counts()
    if site.status != RAN:
        return f"{site.status}"
    if counts[NEW] or counts[STILL]:
        return "deviations"
    return "conformant"


def _version(site: SiteRun) -> str:
    parts = [
        site.jsm_version and f"JSM {site.jsm_version}",
        site.platform_version and f"platform {site.platform_version}",
    ]
    return ", ".join(p for p in parts if p) or "version unknown"


def _title(report: NightReport) -> str:
    return f"JSM conformance — {day(report.generated_at)}"


def _headline(report: NightReport) -> str:
    totals = report.totals()
    since = f"compared with the night of {day(report.previous)}" if report.previous else "no earlier night to compare"
    return (
        f"{totals[NEW]} new · {totals[STILL]} still failing · {totals[FIXED]} fixed · {totals[UNCHECKED]} unchecked"
        f" ({since})"
    )


def _deviation_groups(report: NightReport) -> Iterable[tuple[str, SiteRun, list[Deviation]]]:
    for state in (NEW, STILL, FIXED, UNCHECKED):
        for site in report.sites:
            if state in (NEW, STILL):
                chosen = [d for d in site.deviations if d.state == state]
            else:
                chosen = site.fixed if state == FIXED else site.unchecked
            if chosen:
                yield state, site, chosen


def where(deviation: Deviation) -> str:
    """The place in the answer, or what about the answer (its status, its content type)."""
    if deviation.pointer:
        return deviation.pointer
    if deviation.check in ("response_schema_conformance", "response_body"):
        return "(the body)"
    return f"status {deviation.detail}" if deviation.detail.isdigit() else deviation.detail


# --- Markdown ------------------------------------------------------------------------------------------------------


def markdown(report: NightReport) -> str:
    lines = [f"# {_title(report)}", "", f"**{_headline(report)}**", ""]
    if report.run_url:
        lines += [f"Run: {code(report.run_url)}", ""]
    lines += [
        "| site | flavor | version | access | result | new | still failing | fixed | unchecked | requests |",
        "|---|---|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for site in report.sites:
        counts = site.counts()
        lines.append(
            f"| {code(site.name)} | {code(site.flavor or '?')} | {code(_version(site))} | "
            f"{code(site.config.get('access', ''))} | {code(_site_result(site))} | {counts[NEW]} | {counts[STILL]} | "
            f"{counts[FIXED]} | {counts[UNCHECKED]} | {site.requests_sent} |"
        )
    problems = [(site, error) for site in report.sites for error in site.errors]
    if problems:
        lines += ["", "Problems:"] + [f"- {code(site.name)}: {code(error, 500)}" for site, error in problems]
    table_rows = rows(report)
    if table_rows:
        header = " | ".join(
            f"{code(s.name)} {code(s.flavor or '?')} {code(s.jsm_version or '?')}" for s in report.sites
        )
        lines += ["", "## Operations × sites", "", f"| operation | {header} |", "|---|" + "---|" * len(report.sites)]
        for row in table_rows:
            cells = []
            for site in report.sites:
                found = cell(site, row)
                mark = CELLS[found.state][0]
                text = " ".join(p for p in (mark, code(found.statuses), found.note) if p)
                cells.append(text or "—")
            lines.append(f"| {code(row.label)} | {' | '.join(cells)} |")
        lines += [
            "",
            "🆕 new deviation · ❌ still failing · 🔧 fixed tonight · ✅ passed · ⚪ not run · — not in scope",
        ]
    groups = list(_deviation_groups(report))
    for state, site, chosen in groups:
        lines += ["", f"## {STATE_WORDS[state].capitalize()}: {code(site.name)} ({len(chosen)})", ""]
        lines += ["| operation | check | where | what | seen by | first seen |", "|---|---|---|---|---|---|"]
        for d in chosen:
            lines.append(
                f"| {code(d.operation or 'the run')} | {code(d.check)} | {code(where(d))} | {code(d.summary)} | "
                f"{code(', '.join(d.sources))} | {code(day(d.first_seen))} |"
            )
    return "\n".join(lines).rstrip() + "\n"


# --- HTML ----------------------------------------------------------------------------------------------------------

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d2125;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.headline{font-size:15px;margin:0 0 16px}.muted{color:#626f86}
table{border-collapse:collapse;margin:8px 0}
th,td{border:1px solid #dcdfe4;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f7f8f9;font-weight:600}
.scroll{overflow:auto;max-width:100%;max-height:90vh;border:1px solid #dcdfe4}
.scroll table{margin:0}
table.grid th.op{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;font-weight:500;
 white-space:nowrap;position:sticky;left:0;background:#f7f8f9;text-align:left}
table.grid thead th{position:sticky;top:0;z-index:2;text-align:center;min-width:110px;white-space:nowrap}
table.grid thead th.op{z-index:3}
table.grid td{text-align:center;white-space:nowrap;font-size:12px}
table.sites td:first-child{white-space:nowrap}
.c-passed{background:#dcfff1}.c-failing{background:#ffd5d2}.c-new{background:#c9372c;color:#fff;font-weight:700}
.c-fixed{background:#cce0ff}.c-notrun{background:#f1f2f4;color:#626f86}
.c-absent{background:repeating-linear-gradient(45deg,#fff,#fff 4px,#f7f8f9 4px,#f7f8f9 8px)}
.legend span{display:inline-block;padding:2px 8px;margin-right:6px;border:1px solid #dcdfe4}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
.state-new{color:#ae2e24;font-weight:700}.state-fixed{color:#0055cc}
ul.errors{color:#ae2e24}
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'"


def html_page(report: NightReport) -> str:
    """One self-contained page: inline style, no script, nothing fetched, everything from a site escaped."""
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{h(_title(report))}</title><style>{STYLE}</style></head><body>",
        f"<h1>{h(_title(report))}</h1>",
        f'<p class="headline">{h(_headline(report))}</p>',
    ]
    if report.run_url:
        out.append(f'<p class="muted">Run: <span class="mono">{h(report.run_url)}</span></p>')
    out += _html_sites(report)
    out += _html_grid(report)
    out += _html_deviations(report)
    out.append(f'<p class="muted">Generated {h(report.generated_at)} by jsm-openapi conformance.</p></body></html>')
    return "\n".join(out) + "\n"


def _html_sites(report: NightReport) -> list[str]:
    out = [
        "<h2>Sites</h2>",
        '<table class="sites"><thead><tr><th>site</th><th>flavor</th><th>version</th><th>where</th><th>access</th>'
        "<th>result</th><th>new</th><th>still failing</th><th>fixed</th><th>unchecked</th><th>requests</th>"
        "<th>shards</th></tr></thead><tbody>",
    ]
    for site in report.sites:
        counts = site.counts()
        shards = f"{len(site.shards_ran)}/{site.shards}" if site.status != NOT_RUN else "—"
        out.append(
            f"<tr><td><b>{h(site.name)}</b></td><td>{h(site.flavor or '?')}</td><td>{h(_version(site))}</td>"
            f'<td class="mono">{h(site.config.get("where", ""))}</td><td>{h(site.config.get("access", ""))}</td>'
            f"<td>{h(_site_result(site))}</td><td>{counts[NEW]}</td><td>{counts[STILL]}</td><td>{counts[FIXED]}</td>"
            f"<td>{counts[UNCHECKED]}</td><td>{site.requests_sent}</td><td>{h(shards)}</td></tr>"
        )
    out.append("</tbody></table>")
    errors = [f"<li><b>{h(site.name)}</b>: {h(error)}</li>" for site in report.sites for error in site.errors]
    if errors:
        out += ['<ul class="errors">', *errors, "</ul>"]
    return out


def _html_grid(report: NightReport) -> list[str]:
    table_rows = rows(report)
    if not table_rows:
        return []
    head = "".join(
        f"<th>{h(s.name)}<br><span class='muted'>{h(s.flavor or '?')} · {h(s.jsm_version or 'version ?')}</span></th>"
        for s in report.sites
    )
    out = [
        "<h2>Operations × sites</h2>",
        '<p class="legend">'
        + "".join(f'<span class="{CELLS[k][1]}">{h(CELLS[k][2])}</span>' for k in ("new", "failing", "fixed"))
        + "".join(f'<span class="{CELLS[k][1]}">{h(CELLS[k][2])}</span>' for k in ("passed", "not run", "absent"))
        + "</p>",
        f'<div class="scroll"><table class="grid"><thead><tr><th class="op">operation</th>{head}</tr></thead><tbody>',
    ]
    for row in table_rows:
        cells = []
        for site in report.sites:
            found = cell(site, row)
            tip = "&#10;".join(
                h(f"{STATE_WORDS.get(d.state, d.state)}: {d.check} {where(d)}: {d.summary}") for d in found.deviations
            )
            text = "<br>".join(h(p) for p in (found.statuses, found.note) if p)
            title = f' title="{tip or h(CELLS[found.state][2])}"'
            cells.append(f'<td class="{CELLS[found.state][1]}"{title}>{text}</td>')
        out.append(f'<tr><th class="op">{h(row.label)}</th>{"".join(cells)}</tr>')
    out.append("</tbody></table></div>")
    return out


def _html_deviations(report: NightReport) -> list[str]:
    out = []
    for state, site, chosen in _deviation_groups(report):
        out += [
            f'<h2><span class="state-{h(state)}">{h(STATE_WORDS[state].capitalize())}</span>: {h(site.name)} '
            f"({len(chosen)})</h2>",
            "<table><thead><tr><th>operation</th><th>check</th><th>where</th><th>what</th><th>seen by</th>"
            "<th>first seen</th><th>fingerprint</th></tr></thead><tbody>",
        ]
        for d in chosen:
            out.append(
                f'<tr><td class="mono">{h(d.operation or "the run")}</td><td>{h(d.check)}</td>'
                f'<td class="mono">{h(where(d))}</td><td>{h(d.summary)}</td><td>{h(", ".join(d.sources))}</td>'
                f'<td>{h(day(d.first_seen))}</td><td class="mono">{h(d.fingerprint)}</td></tr>'
            )
        out.append("</tbody></table>")
    return out
