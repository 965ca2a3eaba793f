"""Contract suite speed: examples (requests) per second against the mock, and the whole suite's wall time.

    python bench/bench_contract.py [--examples 10] [--prism] [--stateful]

Runs the suite as its users do (a pytest subprocess, same seed), once per flavor on the mock (and on Prism with
--prism), and prints requests sent, wall time, requests per second, and the in-run duration beside the process's
wall time (the difference is start-up: imports, schema loading, the target starting). With --stateful, each mock run
is also timed without the stateful run (`-k "not test_stateful"`), side by side, to show what the links cost.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(target: str, flavor: str, examples: int, reports: Path, *extra: str) -> tuple[int, float, float, int]:
    command = [
        sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider",
        "--target", target, "--flavor", flavor, "--examples", str(examples), "--seed", "1", "--reports", str(reports),
        *extra,
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    coverage = json.loads((reports / f"coverage-{target}-{flavor}.json").read_text())
    requests = sum(op["requests"] for op in coverage["operations"])
    summary = (reports / f"summary-{target}-{flavor}.md").read_text()
    in_run = float(summary.split("duration: ", 1)[1].split(" s", 1)[0])
    return requests, wall, in_run, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=10)
    parser.add_argument("--prism", action="store_true", help="also run both documents on Prism")
    parser.add_argument("--stateful", action="store_true", help="also time each mock run without the stateful run")
    args = parser.parse_args()
    runs: list[tuple[str, str, tuple[str, ...]]] = []
    for flavor in ("cloud", "server"):
        runs.append(("mock", flavor, ()))
        if args.stateful:
            runs.append(("mock", flavor, ("-k", "not test_stateful")))
    if args.prism:
        runs += [("prism", "cloud", ()), ("prism", "server", ())]
    print(f"contract suite, {args.examples} examples per operation, seed 1")
    print(
        f"{'target':8} {'flavor':7} {'stateful':8} {'requests':>9} {'wall s':>8} {'in-run s':>9} "
        f"{'req/s (wall)':>13} {'exit':>5}"
    )
    total = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for target, flavor, extra in runs:
            requests, wall, in_run, code = run(target, flavor, args.examples, Path(folder), *extra)
            stateful = "no" if extra or target == "prism" else "yes"
            if not extra:
                total += wall
            print(
                f"{target:8} {flavor:7} {stateful:8} {requests:9d} {wall:8.1f} {in_run:9.1f} "
                f"{requests / wall:13.1f} {code:5d}"
            )
    print(f"whole suite wall time: {total:.1f} s (the full runs only)")


if __name__ == "__main__":
    main()
