"""The run's artefacts: a Markdown summary per operation, and a coverage report (Markdown + JSON).

Everything passes through the run's Redactor before it is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..documents import write_atomic
from .cleanup import Leftover
from .gaps import KnownGaps
from .redact import Redactor
from .results import OperationResult, Results
from .success import SuccessExceptions, success_counts

MAX_CASE_LINES = 60


@dataclass
class RunInfo:
    """The facts about a run that head its reports."""

    target: str
    flavor: str
    description: str  # where the target is (a URL without credentials)
    seed: int
    examples: int
    reproduce: str  # the command line that replays the whole run
    sandbox: str | None = None  # the sandbox desk (id, key, name) of a live run, as SandboxDesk.describe() says
    duration: float = 0.0
    requests_sent: int = 0
    budget: int | None = None
    refused: list[str] = field(default_factory=list)
    leftovers: list[Leftover] = field(default_factory=list)
    removed: int = 0
    stopped: str | None = None  # why the run stopped early (budget), if it did
    links: dict[str, tuple[int, int]] = field(default_factory=dict)  # stateful: link → (followed, answered 2xx)
    scenarios: int = 0  # stateful scenarios run
    swept: list[str] = field(default_factory=list)  # earlier runs' leftovers the sweep removed
    sweep_left: list[Leftover] = field(default_factory=list)  # ... it could not remove
    sweep_kept: list[str] = field(default_factory=list)  # ... too young to be swept (a run may still be going)
    unprovisioned: list[str] = field(default_factory=list)  # what the run could not make before the checks


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _statuses(result: OperationResult) -> str:
    return ", ".join(f"{status}×{count}" for status, count in sorted(result.statuses.items())) or "—"


def _case(text: str) -> str:
    """The part of a failure a person needs: schemathesis's findings and curl line, or pytest's `E` lines."""
    lines = text.strip().splitlines()
    start = next((i for i, line in enumerate(lines) if "Schemathesis found" in line), None)
    if start is not None:
        end = next(
            (i for i, line in enumerate(lines) if "(1 sub-exception)" in line or "sub-exceptions)" in line), None
        )
        chosen = lines[start : end if end is not None and end > start else len(lines)]
    else:
        errors = [line for line in lines if line.startswith("E ")]
        where = [line for line in lines if line and not line.startswith((" ", "E ", "_", "+", "|", "-", "="))]
        chosen = errors + where[-1:] if errors else lines[-MAX_CASE_LINES:]
    if len(chosen) > MAX_CASE_LINES:
        chosen = [*chosen[:MAX_CASE_LINES], f"... ({len(chosen) - MAX_CASE_LINES} more lines in the JUnit report)"]
    return "\n".join(line.removeprefix("  | ") for line in chosen).replace("```", "'''")


def success_line(info: RunInfo, results: Results, exceptions: SuccessExceptions | None = None) -> str:
    """`success answers checked: 69 of 69 (cloud)`: in-scope operations whose 2xx answer to a generated example
    passed every check."""
    checked, scope, excused = success_counts(results, exceptions)
    excuse = f"; {excused} excused in contract_tests/success-exceptions.toml" if excused else ""
    return f"success answers checked: {checked} of {scope} ({info.flavor}{excuse})"


def markdown_summary(
    info: RunInfo, results: Results, gaps: KnownGaps | None = None, exceptions: SuccessExceptions | None = None
) -> str:
    """The per-operation summary: examples run, failures, the first failing case and the seed that replays it."""
    scope = results.in_scope
    failing = [r for r in scope if r.failures] + [r for r in results.failing if not r.in_scope]
    verdict = "passed" if results.ok and not info.stopped else "FAILED"
    lines = [
        f"# Contract run: {info.target} · {info.flavor} — {verdict}",
        "",
        f"- target: {info.description}",
        *([f"- sandbox (the only service desk writes may touch): {info.sandbox}"] if info.sandbox else []),
        f"- {success_line(info, results, exceptions)}",
        f"- seed: `{info.seed}` · examples per operation: {info.examples} · duration: {info.duration:.1f} s",
        f"- operations in scope: {len(scope)} · failing: {len(failing)} · "
        f"tests: {results.tests['passed']} passed, {results.tests['failed']} failed, "
        f"{results.tests['skipped']} skipped",
        f"- requests sent: {info.requests_sent}" + (f" of a budget of {info.budget}" if info.budget else ""),
        f"- replay the run: `{info.reproduce}`",
    ]
    if info.stopped:
        lines.append(f"- **stopped early**: {info.stopped}")
    if info.refused:
        lines.append(f"- requests refused by the live-safety guard (never sent): {len(info.refused)}")
    lines += ["", "| operation | requests | status codes | result |", "|---|---:|---|---|"]
    for result in sorted(scope, key=lambda r: (r.outcome != "failed", r.operation.path, r.operation.method)):
        mark = {"failed": "❌ failed", "passed": "✅ passed", "not run": "⚪ not run"}[result.outcome]
        lines.append(f"| `{_cell(result.operation.label)}` | {result.requests} | {_statuses(result)} | {mark} |")
    if failing or results.other_failures:
        lines += ["", "## Failures", ""]
    for result in failing:
        first = result.failures[0]
        lines += [
            f"### `{result.operation.label}`",
            "",
            f"- operation id: `{result.operation.operation_id}` · failing tests: {len(result.failures)}",
            f"- first failing test: `{first.test}`",
            f"- reproduce (seed `{info.seed}`): `{first.reproduce}`",
            "",
            "```",
            _case(first.message),
            "```",
            "",
        ]
    for failure in results.other_failures:
        lines += [
            f"### `{failure.test}`",
            "",
            f"- reproduce (seed `{info.seed}`): `{failure.reproduce}`",
            "",
            "```",
            _case(failure.message),
            "```",
            "",
        ]
    if gaps is not None and (gaps.seen or gaps.gaps):
        lines += ["", "## Known gaps (tolerated, listed in contract_tests/known-gaps.toml)", ""]
        for gap in gaps.gaps:
            count = gaps.seen.get(gap.key, 0)
            seen = f"seen {count}×" if count else "**not seen this run** (fixed? then remove the entry)"
            lines.append(f"- `{gap.key}` — {seen} — {gap.reason}")
    if info.links:
        lines += ["", "## Stateful links", "", f"{info.scenarios} scenarios; per link: times followed, 2xx answers", ""]
        for name, (followed, succeeded) in info.links.items():
            mark = "" if succeeded else " — **never followed to a 2xx answer**"
            lines.append(f"- `{_cell(name)}`: followed {followed}×, 2xx {succeeded}×{mark}")
    if info.unprovisioned:
        lines += ["", "## Not provisioned (operations needing it reach fewer success answers)", ""]
        lines += [f"- {note}" for note in info.unprovisioned]
    if info.swept or info.sweep_left or info.sweep_kept:
        lines += ["", "## Sweep of earlier runs' leftovers", "", f"- removed: {len(info.swept)}"]
        lines += [f"  - {entity}" for entity in info.swept]
        for leftover in info.sweep_left:
            lines.append(f"- **left behind** {leftover.description} ({leftover.error}): remove it by hand")
        for entity in info.sweep_kept:
            lines.append(f"- kept (its run started less than 2 hours ago and may still be going): {entity}")
    if info.leftovers or info.removed:
        lines += ["", "## Cleanup", "", f"- removed: {info.removed} tagged entities"]
        for leftover in info.leftovers:
            lines.append(f"- **left behind** {leftover.description} ({leftover.error}): remove it by hand")
    return "\n".join(lines).rstrip() + "\n"


def coverage(info: RunInfo, results: Results, exceptions: SuccessExceptions | None = None) -> dict[str, Any]:
    """Which operations the run reached: per operation requests, status codes, the response definitions checked
    and whether a success answer was; totals."""
    every = list(results.by_label.values())
    scope = results.in_scope
    excused = {
        r.operation.label: reason
        for r in scope
        if exceptions is not None and (reason := exceptions.reason(r.operation.label)) is not None
    }
    return {
        "target": info.target,
        "flavor": info.flavor,
        "seed": info.seed,
        "success_answers": success_line(info, results, exceptions),
        "operations_in_document": len(every),
        "operations_in_scope": len(scope),
        "operations_exercised": sum(r.exercised for r in scope),
        "operations_with_2xx": sum(r.succeeded for r in scope),
        "operations_with_success_checked": sum(r.success_checked for r in scope),
        "not_exercised": [r.operation.label for r in scope if not r.exercised],
        "success_not_checked": [r.operation.label for r in scope if not r.success_checked],
        "success_excused": excused,
        "requests_outside_document": dict(results.unmatched),
        "operations": [r.as_json() for r in every if r.in_scope or r.exercised],
    }


_MARKS = {"checked": "✓", "failed": "✗", "not reached": "–"}


def _definitions(operation: dict[str, Any]) -> str:
    return " · ".join(f"{name} {_MARKS[state]}" for name, state in operation["definitions"].items()) or "—"


def coverage_markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Operation coverage: {report['target']} · {report['flavor']}",
        "",
        f"- {report['success_answers']}",
        f"- operations in the document: {report['operations_in_document']}",
        f"- in scope for this target: {report['operations_in_scope']}",
        f"- exercised (at least one request): {report['operations_exercised']}",
        f"- answered 2xx at least once (any request, set-up steps included): {report['operations_with_2xx']}",
    ]
    if report["success_not_checked"]:
        lines += ["", "## Success answer not checked", ""]
        for label in report["success_not_checked"]:
            reason = report["success_excused"].get(label)
            lines.append(f"- `{label}`" + (f" — excused: {reason}" if reason else ""))
    if report["not_exercised"]:
        lines += ["", "## Not exercised", ""] + [f"- `{label}`" for label in report["not_exercised"]]
    lines += [
        "",
        "## Per operation",
        "",
        "Statuses reached: every answer on the wire (set-up steps included). Response definitions: the document's, "
        "each ✓ when an answer to a generated example passed every check against it, ✗ when such answers only "
        "failed, – when none reached it.",
        "",
        "| operation | requests | statuses reached | response definitions checked | success answer |",
        "|---|---:|---|---|---|",
    ]
    for operation in report["operations"]:
        if not operation["in_scope"]:
            continue
        statuses = ", ".join(f"{s}×{n}" for s, n in operation["statuses"].items()) or "—"
        success = (
            "✅ checked"
            if operation["success_checked"]
            else ("⚪ excused" if operation["operation"] in report["success_excused"] else "❌ not checked")
        )
        lines.append(
            f"| `{_cell(operation['operation'])}` | {operation['requests']} | {statuses} | "
            f"{_cell(_definitions(operation))} | {success} |"
        )
    return "\n".join(lines) + "\n"


def write_reports(
    directory: Path,
    info: RunInfo,
    results: Results,
    redactor: Redactor,
    gaps: KnownGaps | None = None,
    *,
    exceptions: SuccessExceptions | None = None,
) -> dict[str, Path]:
    """Write summary.md, coverage.md and coverage.json (redacted, atomically); return their paths."""
    stem = f"{info.target}-{info.flavor}"
    report = coverage(info, results, exceptions)
    outputs = {
        "summary": (directory / f"summary-{stem}.md", markdown_summary(info, results, gaps, exceptions)),
        "coverage": (directory / f"coverage-{stem}.md", coverage_markdown(report)),
        "coverage_json": (directory / f"coverage-{stem}.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n"),
    }
    written = {}
    for name, (path, text) in outputs.items():
        write_atomic(path, redactor.text(text).encode())
        written[name] = path
    return written
