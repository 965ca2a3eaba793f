"""Throughput and latency of the mock JSM beside Prism mocking the same patched document, in one run.

    python bench/bench_mock.py [--flavor cloud] [--duration 10] [--connections 32]

Both servers run as their own processes on loopback (the mock through `jsm-openapi mock`, Prism through
jsm_openapi.prism); the load comes from autocannon (pinned, installed by npm into .cache/autocannon) with 32 keep-alive
connections. Two scenarios: a list GET (`/servicedeskapi/organization`) and a create POST (`/servicedeskapi/customer`,
each body with a unique email). Each is warmed up for 2 s, then measured. Prints requests/s and latency percentiles
side by side and the mock/Prism ratios. About a minute and a half on 2 cores with the defaults.

Prism answers from the document's examples and schemas without state; the mock checks credentials, validates the
body, enforces unique emails and writes to its store in a transaction, so the comparison is the price of behaving
like JSM, not a race between equals.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jsm_openapi.prism import AUTOCANNON, install, running_prism
from jsm_openapi.project import Project

TOKEN = "admin-token"  # the default seed's admin bearer token (src/jsm_openapi/mock/seed/default.yaml)


@contextmanager
def running_mock_process(flavor: str) -> Iterator[str]:
    """`jsm-openapi mock` in its own process; yields its base URL."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    cli = [sys.executable, "-c", "from jsm_openapi.cli import main; main()"]
    process = subprocess.Popen(
        [*cli, "mock", "--flavor", flavor, "--port", "0"], stdout=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None
    try:
        first = process.stdout.readline()
        match = re.search(r"at (http://[\d.]+:\d+)", first)
        if not match:
            raise SystemExit(f"the mock did not start: {first!r}")
        while not process.stdout.readline().startswith("Ctrl-C"):
            pass
        yield match.group(1)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def autocannon(binary: Path, url: str, *, seconds: int, connections: int, body: str | None) -> dict[str, float]:
    args = [str(binary), "-j", "-c", str(connections), "-d", str(seconds), "-H", f"Authorization=Bearer {TOKEN}"]
    if body is not None:
        args += ["-m", "POST", "-H", "Content-Type=application/json", "-b", body, "-I"]
    done = subprocess.run([*args, url], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    return {
        "rps": result["requests"]["average"],
        "p50": result["latency"]["p50"],
        "p90": result["latency"]["p90"],
        "p99": result["latency"]["p99"],
        "ok": result["2xx"],
        "other": result["non2xx"] + result["errors"] + result["timeouts"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flavor", choices=["cloud", "server"], default="cloud")
    parser.add_argument("--duration", type=int, default=10, help="seconds measured per scenario and server")
    parser.add_argument("--connections", type=int, default=32)
    options = parser.parse_args()

    project = Project.discover()
    document = project.patched_document(options.flavor)
    loader = install(project, AUTOCANNON)
    name = "displayName" if options.flavor == "cloud" else "fullName"
    create = json.dumps({"email": "bench-[<id>]@example.com", name: "Bench [<id>]"})
    scenarios = [
        ("list GET  /servicedeskapi/organization", "/servicedeskapi/organization", None),
        ("create POST /servicedeskapi/customer", "/servicedeskapi/customer", create),
    ]
    results: dict[tuple[str, str], dict[str, float]] = {}
    started = time.monotonic()
    with running_mock_process(options.flavor) as mock_url, running_prism(project, document) as prism:
        # Wire paths: /rest/servicedeskapi/... on both products; Prism serves the document's own paths.
        bases = {
            "mock": f"{mock_url}/rest",
            "prism": prism.base_url + ("/rest" if options.flavor == "cloud" else ""),
        }
        for server, base in bases.items():
            for label, path, body in scenarios:
                autocannon(loader, base + path, seconds=2, connections=options.connections, body=body)  # warm-up
                results[(server, label)] = autocannon(
                    loader, base + path, seconds=options.duration, connections=options.connections, body=body
                )

    print(f"\n{options.flavor} flavor, {options.connections} connections, {options.duration} s per run, loopback")
    print(
        f"{'scenario':<40} {'server':<6} {'req/s':>9} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'2xx':>8} {'other':>6}"
    )
    for label, _, _ in scenarios:
        for server in bases:
            r = results[(server, label)]
            print(
                f"{label:<40} {server:<6} {r['rps']:>9.0f} {r['p50']:>7.1f} {r['p90']:>7.1f} {r['p99']:>7.1f} "
                f"{r['ok']:>8.0f} {r['other']:>6.0f}"
            )
        mock, other = results[("mock", label)], results[("prism", label)]
        rps = mock["rps"] / other["rps"]
        p50, p99 = mock["p50"] / max(other["p50"], 0.001), mock["p99"] / max(other["p99"], 0.001)
        print(f"{'':<40} {'ratio':<6} {rps:>8.2f}x {p50:>6.2f}x {'':>7} {p99:>6.2f}x   (mock / Prism)")
    print(f"total {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
