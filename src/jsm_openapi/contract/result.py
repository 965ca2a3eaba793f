"""`result-<target>-<flavor>.json`: one contract run as data, for `jsm-openapi conformance` to merge and compare.

Format `jsm-contract-result`, version 1: the run's facts (target, flavor, the site's versions, seed, examples,
shard, requests, why it stopped early), every operation in scope with its requests, status codes and outcome, the
node ids of the tests that ran to an outcome, and every deviation with its fingerprint (`findings`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .findings import now_iso, wire_operation, write_result

if TYPE_CHECKING:
    from .run import ContractRun


def run_result(run: ContractRun) -> dict[str, Any]:
    settings, target, results = run.settings, run.target, run.results
    flavor = target.flavor
    operations = [
        {"wire": wire_operation(flavor, r.operation.label), **r.as_json()}
        for r in results.by_label.values()
        if r.in_scope or r.exercised
    ]
    for entry in operations:
        entry.pop("failures", None)  # messages live in the summary; the deviations below are their structure
    return {
        "target": str(settings.target),
        "flavor": flavor,
        "site": run.site.as_json(),
        "description": target.description,
        "seed": settings.seed,
        "examples": settings.examples,
        "shard": str(settings.shard) if settings.shard else None,
        "finished_at": now_iso(),
        "duration": round(time.monotonic() - run.started, 3),
        "requests_sent": run.guard.sent,
        "budget": settings.budget,
        "stopped": run.stopped,
        "tests": dict(results.tests),
        "completed_tests": sorted(run.findings.completed),
        "operations": operations,
        "deviations": [finding.as_json(flavor) for finding in run.findings.deviations()],
    }


def write_run_result(run: ContractRun) -> Path:
    path = run.settings.reports / f"result-{run.settings.target}-{run.target.flavor}.json"
    return write_result(path, run_result(run), run.redactor)
