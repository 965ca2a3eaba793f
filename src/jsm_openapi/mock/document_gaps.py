"""Where a patched document is still wrong about JSM: the mock answers as JSM does, and these findings are expected.

Each entry is an overlay waiting to be written. The conformance check (testing.assert_conformant) sets aside a
finding that matches an entry instead of failing on it, and the operations test fails on an entry that no longer
matches anything, so the list only shrinks: when an overlay lands, its entry must go.
"""

from __future__ import annotations

from dataclasses import dataclass

from .conformance import Finding


@dataclass(frozen=True)
class DocumentGap:
    flavor: str
    operations: tuple[str, ...]  # "METHOD /path" as in the patched document
    match: str  # a piece of the finding's text
    jsm: str  # what JSM does (and the mock with it)
    fix: str  # the overlay that closes the gap

    def covers(self, flavor: str, finding: Finding) -> bool:
        return flavor == self.flavor and finding.operation in self.operations and self.match in finding.problem


# Closed so far by overlays/cloud/120-missing-error-responses.yaml and overlays/server/100-missing-error-responses.yaml:
# Cloud paged lists without 400, experimental operations without the refusal, /info without 401. Add an entry here
# when the mock meets a new place where the patched document is wrong about JSM, and write its overlay.
GAPS: tuple[DocumentGap, ...] = ()


def gap_for(flavor: str, finding: Finding) -> DocumentGap | None:
    return next((gap for gap in GAPS if gap.covers(flavor, finding)), None)
