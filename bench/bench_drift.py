"""How long `drift` takes to diff real documents, beside the time `json.loads` takes to parse the same two documents.

    JSM_SPEC_MIRROR=../shared/upstream .venv/bin/python bench/bench_drift.py [--repeat 7]

Cases: the two largest dated JSM Cloud copies in the mirror, and the merged Server flavor document (Jira DC platform +
JSM DC) against a modified copy of itself (operationIds renamed, properties removed, enum values added, descriptions
edited: changes in every part of the differ). Each figure is the median (and min) of --repeat runs in this one
process, so the ratio column compares like with like on a noisy machine.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from jsm_openapi.documents import Json, canonical_json
from jsm_openapi.drift import compare_documents
from jsm_openapi.fetch import Fetcher
from jsm_openapi.pipeline import merged_document, project_sources
from jsm_openapi.project import Project


def timed(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), min(runs)


def modified(document: Json) -> Json:
    """A copy with about one change in twenty operations and schemas, of several kinds."""
    changed = copy.deepcopy(document)
    for index, item in enumerate(changed["paths"].values()):
        for operation in item.values():
            if isinstance(operation, dict) and "operationId" in operation and index % 20 == 0:
                operation["operationId"] += "Renamed"
                operation["description"] = "edited"
    for index, schema in enumerate(changed.get("components", {}).get("schemas", {}).values()):
        properties = schema.get("properties") if isinstance(schema, dict) else None
        if properties and index % 20 == 0:
            properties.pop(next(iter(properties)))
        if isinstance(schema, dict) and "enum" in schema and index % 5 == 0:
            schema["enum"] = [*schema["enum"], "NEW_VALUE"]
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    mirror = os.environ.get("JSM_SPEC_MIRROR")
    if not mirror:
        print("set JSM_SPEC_MIRROR to the upstream mirror (e.g. ../shared/upstream)", file=sys.stderr)
        return 2
    cloud = sorted(Path(mirror).glob("jsm-cloud/*.json"), key=lambda p: p.stat().st_size, reverse=True)[:2]
    cases: list[tuple[str, bytes, bytes]] = [
        (f"cloud {cloud[1].name} → {cloud[0].name}", cloud[1].read_bytes(), cloud[0].read_bytes())
    ]
    project = Project.discover()
    server, _ = merged_document(project, project_sources(project).flavor("server"), Fetcher(project.cache_dir))
    cases.append(("server (merged) → modified copy", canonical_json(server), canonical_json(modified(server))))

    print(f"{'case':<58} {'size':>9} {'json.loads x2':>14} {'drift diff':>11} {'ratio':>6} {'changes':>8}")
    for name, old_bytes, new_bytes in cases:
        old, new = json.loads(old_bytes), json.loads(new_bytes)
        parse, parse_min = timed(lambda o=old_bytes, n=new_bytes: (json.loads(o), json.loads(n)), args.repeat)
        diff, diff_min = timed(lambda o=old, n=new: compare_documents(o, n), args.repeat)
        changes = len(compare_documents(old, new))
        size = f"{(len(old_bytes) + len(new_bytes)) / 1e6:.2f} MB"
        print(
            f"{name:<58} {size:>9} {parse * 1e3:>9.1f} ms   {diff * 1e3:>7.1f} ms {diff / parse:>5.1f}x {changes:>8}"
            f"   (min {parse_min * 1e3:.1f} / {diff_min * 1e3:.1f} ms)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
