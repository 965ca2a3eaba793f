"""Nightly conformance wall time: three sites from a sites file, unsharded and in 2 shards, side by side.

    python bench/bench_conformance.py [--examples 5] [--jobs 2] [--live-latency-ms 150]

Runs `jsm-openapi conformance run` as users do (a subprocess, same seed) on a sites file of three mock sites (Cloud,
DC, and DC with the integer-ids defect; the whole suite each), three ways:
- unsharded, one site after another (`--jobs 1`);
- every site in 2 shards, one shard after another (the cost of splitting: each shard starts its own run);
- every site in 2 shards, `--jobs` at a time on this machine;
and prints each night's wall time, the sum of the contract runs' own wall times, the longest single run (what a
workflow with one runner per shard waits for) and the requests sent. The machine's load average is printed too:
figures from a shared machine are only comparable within one invocation.

With --live-latency-ms, the same three ways again on three *live* sites (GET only, as a read-only site runs) that
are mocks answering after that latency, at 20 requests per second per site: a site far away, where a run waits on
the network rather than on the machine, which is what shards are for.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MOCK_SITES = """
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
LIVE_SITES = """
[defaults]
examples = {examples}
shards = {shards}
rate = 20

[[site]]
name = "far-cloud"
base_url = "{cloud}"
credentials = {{ user = "FAR_CLOUD_USER", api_token = "FAR_CLOUD_TOKEN" }}

[[site]]
name = "far-dc"
base_url = "{dc}"
credentials = {{ user = "FAR_DC_USER", password = "FAR_DC_PASSWORD" }}

[[site]]
name = "far-dc-defect"
base_url = "{defect}"
credentials = {{ pat = "FAR_DEFECT_PAT" }}
"""


def night(folder: Path, text: str, shards: int, jobs: int, env: dict[str, str] | None) -> dict[str, float]:
    sites = folder / f"sites-{shards}.toml"
    sites.write_text(text)
    out = folder / f"out-{shards}-{jobs}"
    command = [sys.executable, "-m", "jsm_openapi", "conformance", "run", "--sites", str(sites), "--out", str(out),
               "--seed", "1", "--jobs", str(jobs), "--fail-on", "never"]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False, env=env)
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


def table(folder: Path, sites: Callable[[int], str], jobs: int, env: dict[str, str] | None = None) -> None:
    folder.mkdir(parents=True)
    header = f"{'runs':>4} {'wall s':>8} {'Σ runs s':>9} {'longest s':>10} {'requests':>9} {'deviations':>10}"
    print(f"{'night':34} {header}")
    for label, shards, at_once in (
        ("unsharded, one at a time", 1, 1),
        ("2 shards each, one at a time", 2, 1),
        (f"2 shards each, {jobs} at a time", 2, jobs),
    ):
        figures = night(folder, sites(shards), shards, at_once, env)
        print(
            f"{label:34} {figures['runs']:>4.0f} {figures['wall']:>8.1f} {figures['in_runs']:>9.1f} "
            f"{figures['longest']:>10.1f} {figures['requests']:>9.0f} {figures['deviations']:>10.0f}"
        )


def live(folder: Path, examples: int, jobs: int, latency_ms: float) -> None:
    from jsm_openapi.mock import Defect, Faults, run_mock

    with ExitStack() as stack:
        cloud = stack.enter_context(run_mock("cloud", faults=Faults(latency_ms=latency_ms)))
        dc = stack.enter_context(run_mock("server", faults=Faults(latency_ms=latency_ms)))
        defect = stack.enter_context(
            run_mock("server", faults=Faults(latency_ms=latency_ms), defects={Defect.INTEGER_IDS})
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("JSM_") or k == "JSM_SPEC_MIRROR"}
        env |= {
            "FAR_CLOUD_USER": cloud.admin.login,
            "FAR_CLOUD_TOKEN": cloud.admin.password,
            "FAR_DC_USER": dc.admin.login,
            "FAR_DC_PASSWORD": dc.admin.password,
            "FAR_DEFECT_PAT": defect.admin.token,
        }
        urls = {"cloud": cloud.base_url, "dc": dc.base_url, "defect": defect.base_url}
        table(folder, lambda shards: LIVE_SITES.format(examples=examples, shards=shards, **urls), jobs, env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=5, help="examples per operation (the sites file default)")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time for the parallel sharded night")
    parser.add_argument("--live-latency-ms", type=float, default=0, help="also live sites answering this slowly")
    args = parser.parse_args()
    print(f"nightly conformance, 3 mock sites (the whole suite each), {args.examples} examples per operation, seed 1")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        table(Path(folder) / "mock", lambda shards: MOCK_SITES.format(examples=args.examples, shards=shards), args.jobs)
        if args.live_latency_ms:
            print(f"\n3 live sites (GET only) answering after {args.live_latency_ms:g} ms, at most 20 requests/s each")
            live(Path(folder) / "live", args.examples, args.jobs, args.live_latency_ms)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
