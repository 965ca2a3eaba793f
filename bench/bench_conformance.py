"""Nightly conformance wall time: three mock sites from a sites file, unsharded and in 2 shards, side by side.

    python bench/bench_conformance.py [--examples 5] [--jobs 2]

Runs `jsm-openapi conformance run` as users do (a subprocess, same seed) on a sites file of three mock sites (Cloud,
DC, and DC with the integer-ids defect), three ways:
- unsharded, one site after another (`--jobs 1`);
- every site in 2 shards, one shard after another (the cost of splitting: each shard starts its own run);
- every site in 2 shards, `--jobs` at a time on this machine;
and prints each run's wall time, the sum of the contract runs' own durations, the longest single run (what a
workflow with one runner per shard waits for) and the requests sent. The machine's load average is printed too:
figures from a shared machine are only comparable within one invocation.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SITES = """
[defaults]
examples = {examples}
shards = {shards}

[[site]]
name = "mock-cloud"
target = "mock"
flavor = "cloud"

[[site]]
name = "mock-dc"
target = "mock"
flavor = "server"

[[site]]
name = "mock-dc-defect"
target = "mock"
flavor = "server"
defects = ["integer-ids"]
"""


def night(folder: Path, examples: int, shards: int, jobs: int) -> dict[str, float]:
    sites = folder / f"sites-{shards}.toml"
    sites.write_text(SITES.format(examples=examples, shards=shards))
    out = folder / f"out-{shards}-{jobs}"
    command = [sys.executable, "-m", "jsm_openapi", "conformance", "run", "--sites", str(sites), "--out", str(out),
               "--seed", "1", "--jobs", str(jobs), "--fail-on", "never"]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"conformance run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    parts = [json.loads(p.read_text()) for p in sorted((out / "sites").rglob("part.json"))]
    report = json.loads((out / "conformance.json").read_text())
    return {
        "wall": wall,
        "runs": len(parts),
        "in_runs": sum(p["wall_time"] for p in parts),
        "longest": max(p["wall_time"] for p in parts),
        "requests": sum(site["requests_sent"] for site in report["sites"]),
        "deviations": sum(len(site["deviations"]) for site in report["sites"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=5, help="examples per operation (the sites file default)")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time for the parallel sharded night")
    args = parser.parse_args()
    print(f"nightly conformance, 3 mock sites, {args.examples} examples per operation, seed 1")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(
        f"{'night':34} {'runs':>4} {'wall s':>8} {'Σ runs s':>9} {'longest s':>10} {'requests':>9} {'deviations':>10}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for label, shards, jobs in (
            ("unsharded, one at a time", 1, 1),
            ("2 shards each, one at a time", 2, 1),
            (f"2 shards each, {args.jobs} at a time", 2, args.jobs),
        ):
            figures = night(Path(folder), args.examples, shards, jobs)
            print(
                f"{label:34} {figures['runs']:>4.0f} {figures['wall']:>8.1f} {figures['in_runs']:>9.1f} "
                f"{figures['longest']:>10.1f} {figures['requests']:>9.0f} {figures['deviations']:>10.0f}"
            )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
