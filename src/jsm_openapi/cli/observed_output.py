"""`drift --observed`: what the command writes for observed deviations (alone, or beside a document report)."""

from __future__ import annotations

from pathlib import Path

from ..documents import write_atomic
from ..drift.observed import ObservedReport
from ..drift.render.observed import render_observed
from ..drift.rules import Severity

OBSERVED_NAME = "observed"
SUFFIXES = {"text": "txt", "markdown": "md", "json": "json", "junit": "junit.xml"}


def write_observed_dir(report: ObservedReport, directory: Path, threshold: Severity, *, alone: bool) -> list[str]:
    """observed.{txt,md,json,junit.xml}; alone (no document report), also the issue title and body. Returns the
    names written."""
    names = []
    for fmt, suffix in SUFFIXES.items():
        write_atomic(directory / f"{OBSERVED_NAME}.{suffix}", render_observed(report, fmt, threshold).encode())
        names.append(f"{OBSERVED_NAME}.{suffix}")
    markdown = render_observed(report, "markdown", threshold)
    if alone:
        counts = {s: sum(a.severity == s for a in report.alerts) for s in Severity}
        title = (
            f"Observed deviations: {len(report.alerts)} place(s) where the site disagrees with the document — "
            f"{counts[Severity.BREAKING]} breaking, {counts[Severity.POTENTIAL]} potentially breaking, "
            f"{counts[Severity.NON_BREAKING]} non-breaking [{report.fingerprint_set()}]"
        )
        write_atomic(directory / "issue-title.txt", (title + "\n").encode())
        write_atomic(directory / "issue.md", markdown.encode())
        names += ["issue-title.txt", "issue.md"]
    else:
        issue = directory / "issue.md"
        if issue.is_file():
            from .drift_commands import issue_body

            combined = issue.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + markdown
            write_atomic(issue, issue_body(combined).encode())
    return names
