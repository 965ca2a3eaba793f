"""Helpers for tests that run the mock: check everything it answered against the flavor's patched document.

    with run_mock("cloud", record=True) as mock:
        ...                        # talk to it
        assert_conformant(mock)    # every answer so far matches build/patched/cloud.openapi.json
        stored(mock, Request)      # the records in its store, read directly

Findings that match a known document gap (document_gaps.GAPS: the document is wrong, JSM is not) are set aside and
remembered in `seen_gaps`, so a test can fail on gaps that no longer occur.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ..pipeline import load_patched
from ..project import Project
from .conformance import Conformance, Finding
from .document_gaps import DocumentGap, gap_for
from .model import R
from .runner import RunningMock

seen_gaps: set[DocumentGap] = set()


@cache
def conformance_for(flavor: str, root: str | None = None) -> Conformance:
    """The validator of a flavor's patched document (build it first: `jsm-openapi patch` or `generate`)."""
    project = Project.discover() if root is None else Project(Path(root))
    return Conformance(load_patched(project, flavor), flavor)


def journal_findings(mock: RunningMock) -> list[Finding]:
    """Findings on every exchange recorded since the last call (the journal is drained), known gaps set aside."""
    findings, _ = conformance_for(mock.flavor).check(mock.journal.drain())
    unexplained = []
    for finding in findings:
        gap = gap_for(mock.flavor, finding)
        if gap is None:
            unexplained.append(finding)
        else:
            seen_gaps.add(gap)
    return unexplained


def assert_conformant(mock: RunningMock) -> None:
    """AssertionError listing every recorded answer that does not match the patched document."""
    findings = journal_findings(mock)
    if findings:
        listing = "\n".join(str(f) for f in findings[:40])
        more = f"\n... and {len(findings) - 40} more" if len(findings) > 40 else ""
        raise AssertionError(
            f"{len(findings)} mock answer(s) do not match the {mock.flavor} patched document:\n{listing}{more}"
        )


def stored(mock: RunningMock, kind: type[R]) -> list[R]:
    """Every record of a kind in a running mock's store, read directly (to check state beside what the API says)."""
    with mock.state.store.transaction() as tx:
        return tx.all(kind)
