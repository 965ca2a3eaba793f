"""Contract suite speed: examples (requests) per second against the mock, and the whole suite's wall time.

    python bench/bench_contract.py [--examples 10] [--prism] [--stateful] [--against REV [--repeat N]]

Runs the suite as its users do (a pytest subprocess, same seed), once per flavor on the mock (and on Prism with
--prism), and prints requests sent, wall time, requests per second, and the in-run duration beside the process's
wall time (the difference is start-up: imports, schema loading, the target starting). With --stateful, each mock run
is also timed without the stateful run (`-k "not test_stateful"`), side by side, to show what the links cost.
With --against REV, the suite of another revision (exported with `git archive`, run from its own sources against the
same generated packages and patched documents) runs beside this one, interleaved (this, REV, this, REV, ...) so both
meet the same machine load, --repeat times each; the table then gives each run and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(
    target: str, flavor: str, examples: int, reports: Path, *extra: str, checkout: Path = REPO
) -> tuple[int, float, float, int, float]:
    """(requests, wall s, in-run s, exit code, CPU s of the pytest process: user + system, less load-sensitive)."""
    command = [
        sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider",
        "--target", target, "--flavor", flavor, "--examples", str(examples), "--seed", "1", "--reports", str(reports),
        *extra,
    ]  # fmt: skip
    env = dict(os.environ)
    if checkout != REPO:  # another revision's sources first on the path
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(checkout / "src"), env.get("PYTHONPATH")]))
    started, cpu = time.perf_counter(), child_cpu()
    done = subprocess.run(command, cwd=checkout, capture_output=True, text=True, check=False, env=env)
    wall, cpu = time.perf_counter() - started, child_cpu() - cpu
    coverage = json.loads((reports / f"coverage-{target}-{flavor}.json").read_text())
    requests = sum(op["requests"] for op in coverage["operations"])
    summary = (reports / f"summary-{target}-{flavor}.md").read_text()
    in_run = float(summary.split("duration: ", 1)[1].split(" s", 1)[0])
    return requests, wall, in_run, done.returncode, cpu


def export(revision: str, folder: Path) -> Path:
    """`revision`'s files in `folder`, sharing this checkout's build outputs (patched documents, generated code)."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", revision], cwd=REPO, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    for shared in ("build", ".cache"):
        if (REPO / shared).exists() and not (folder / shared).exists():
            (folder / shared).symlink_to(REPO / shared)
    return folder


def compare(args: argparse.Namespace) -> None:
    print(f"contract suite on the mock, {args.examples} examples per operation, seed 1: this vs {args.against}")
    print(f"{'flavor':7} {'revision':12} {'requests':>9} {'wall s':>8} {'in-run s':>9} {'cpu s':>7} {'exit':>5}")
    medians: dict[tuple[str, str], float] = {}
    cpu_medians: dict[tuple[str, str], float] = {}
    with tempfile.TemporaryDirectory() as folder:
        other = export(args.against, Path(folder) / "other")
        for flavor in ("cloud", "server"):
            walls: dict[str, list[float]] = {"this": [], args.against: []}
            cpus: dict[str, list[float]] = {"this": [], args.against: []}
            for attempt in range(args.repeat):
                for name, checkout in (("this", REPO), (args.against, other)):
                    reports = Path(folder) / f"{name}-{flavor}-{attempt}".replace("/", "_")
                    requests, wall, in_run, code, cpu = run("mock", flavor, args.examples, reports, checkout=checkout)
                    walls[name].append(wall)
                    cpus[name].append(cpu)
                    print(f"{flavor:7} {name[:12]:12} {requests:9d} {wall:8.1f} {in_run:9.1f} {cpu:7.1f} {code:5d}")
            for name, values in walls.items():
                medians[(flavor, name)] = statistics.median(values)
                cpu_medians[(flavor, name)] = statistics.median(cpus[name])
    print()
    for what, table in (("wall", medians), ("cpu", cpu_medians)):
        for flavor in ("cloud", "server"):
            this, that = table[(flavor, "this")], table[(flavor, args.against)]
            print(f"{flavor}: median {what} {this:.1f} s vs {that:.1f} s: {this / that:.2f}×")
        this = sum(table[(f, "this")] for f in ("cloud", "server"))
        that = sum(table[(f, args.against)] for f in ("cloud", "server"))
        print(f"both flavors: {what} {this:.1f} s vs {that:.1f} s: {this / that:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=10)
    parser.add_argument("--prism", action="store_true", help="also run both documents on Prism")
    parser.add_argument("--stateful", action="store_true", help="also time each mock run without the stateful run")
    parser.add_argument("--against", metavar="REV", help="time another revision's suite beside this one (mock)")
    parser.add_argument("--repeat", type=int, default=1, help="with --against: runs of each, the median counts")
    args = parser.parse_args()
    if args.against:
        compare(args)
        return
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
            requests, wall, in_run, code, _ = run(target, flavor, args.examples, Path(folder), *extra)
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
