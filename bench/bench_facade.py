"""What the facade costs: per-call overhead against the mock, and parsing a 50-item page into models.

For each flavor, starts the mock JSM in its own process (`jsm-openapi mock`) and prints, side by side:

- one small GET (`GET /rest/servicedeskapi/servicedesk/1`) through raw httpx (+ `response.json()`), through the
  generated client (`sync_detailed`, model included) and through the facade (`client.service_desks.get(1)`): the
  median microseconds per call and the ratios facade/raw and facade/generated;
- a 50-item page of users (`GET /organization/{id}/user?limit=50`, bytes taken from the mock): `json.loads` alone
  vs `json.loads` + the generated page model's `from_dict`, median microseconds of the thread's CPU time (so other
  processes' load does not count) and their ratio.

The three ways of calling are interleaved in small rounds, so the machine's noise hits them alike.

    python bench/bench_facade.py [--calls 400] [--parses 400]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

import jsm

REPO = Path(__file__).resolve().parents[1]
CREDENTIALS = {"server": ("admin", "admin-password"), "cloud": ("admin@example.com", "admin-password")}
PAGE_ITEMS = 50
ROUND = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def mock_process(flavor: str) -> Iterator[str]:
    """The mock in a process of its own (so it does not share this one's interpreter lock)."""
    port = free_port()
    cli = Path(sys.executable).with_name("jsm-openapi")
    command = [str(cli), "mock", "--flavor", flavor, "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/_mock/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                err = process.stderr.read().decode() if process.stderr else ""
                sys.exit(f"the {flavor} mock did not start: {err}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


Clock = Callable[[], float]


def per_call(
    samples: dict[str, list[float]], name: str, call: Callable[[], object], clock: Clock = time.perf_counter
) -> None:
    started = clock()
    for _ in range(ROUND):
        call()
    samples[name].append((clock() - started) / ROUND * 1e6)


def measure_calls(flavor: str, base: str, calls: int) -> dict[str, float]:
    user, secret = CREDENTIALS[flavor]
    auth = httpx.BasicAuth(user, secret)
    package = importlib.import_module(f"jsm_{flavor}")
    operation = importlib.import_module(
        f"jsm_{flavor}.api.{'service_desk' if flavor == 'server' else 'servicedesk'}.get_service_desk_by_id"
    )
    generated_base = base + ("/rest" if flavor == "server" else "")
    raw = httpx.Client(auth=auth)
    generated = package.Client(base_url=generated_base).set_httpx_client(
        httpx.Client(base_url=generated_base, auth=auth)
    )
    facade = jsm.Client(base, auth=jsm.BasicAuth(user, secret), flavor=flavor)
    url = f"{base}/rest/servicedeskapi/servicedesk/1"
    ways: dict[str, Callable[[], object]] = {
        "raw httpx": lambda: raw.get(url).json(),
        "generated": lambda: operation.sync_detailed("1", client=generated).parsed,
        "facade": lambda: facade.service_desks.get(1),
    }
    for call in ways.values():  # warm up: imports, connections
        for _ in range(10):
            call()
    samples: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(max(1, calls // ROUND)):
        for name, call in ways.items():
            per_call(samples, name, call)
    raw.close()
    facade.close()
    medians = {name: statistics.median(values) for name, values in samples.items()}
    medians["ratio facade/raw"] = paired_ratio(samples["facade"], samples["raw httpx"])
    medians["ratio facade/generated"] = paired_ratio(samples["facade"], samples["generated"])
    return medians


def paired_ratio(a: list[float], b: list[float]) -> float:
    """The median of the ratios of rounds run side by side (the noise of a round hits both)."""
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def fifty_user_page(flavor: str, base: str) -> bytes:
    """The raw bytes of a 50-user page from the mock (customers created and put in an organization first)."""
    user, secret = CREDENTIALS[flavor]
    with jsm.Client(base, auth=jsm.BasicAuth(user, secret), flavor=flavor) as client:
        organization = client.organizations.create("Bench Inc")
        people = [
            client.customers.create(email=f"bench-{i}@example.com", display_name=f"Bench Person {i}")
            for i in range(PAGE_ITEMS)
        ]
        client.organizations.add_users(organization.id, people)
        response = client.http.get(f"{base}/rest/servicedeskapi/organization/{organization.id}/user?limit=50")
    page = response.json()
    if len(page.get("values", [])) != PAGE_ITEMS:
        sys.exit(f"the {flavor} mock answered {len(page.get('values', []))} users, not {PAGE_ITEMS}")
    return response.content


def measure_parse(flavor: str, body: bytes, parses: int) -> dict[str, float]:
    model = importlib.import_module(f"jsm_{flavor}.models").PagedDTOUserDTO
    ways: dict[str, Callable[[], object]] = {
        "json.loads": lambda: json.loads(body),
        "models": lambda: model.from_dict(json.loads(body)),
    }
    samples: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(max(1, parses // ROUND)):
        for name, call in ways.items():
            per_call(samples, name, call, clock=time.thread_time)  # CPU work: other processes' load does not count
    medians = {name: statistics.median(values) for name, values in samples.items()}
    medians["ratio models/json"] = paired_ratio(samples["models"], samples["json.loads"])
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400, help="calls per way of calling (default 400)")
    parser.add_argument("--parses", type=int, default=400, help="parses of the page per way (default 400)")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    rows_calls, rows_parse = [], []
    for flavor in ("server", "cloud"):
        with mock_process(flavor) as base:
            rows_calls.append((flavor, measure_calls(flavor, base, args.calls)))
            rows_parse.append((flavor, measure_parse(flavor, fifty_user_page(flavor, base), args.parses)))
    print("per call, GET /rest/servicedeskapi/servicedesk/1 against the mock (median µs per call)")
    print(f"{'flavor':<7} {'raw httpx':>10} {'generated':>10} {'facade':>8} {'facade/raw':>11} {'facade/gen':>11}")
    for flavor, row in rows_calls:
        raw, gen, facade = row["raw httpx"], row["generated"], row["facade"]
        by_raw, by_gen = row["ratio facade/raw"], row["ratio facade/generated"]
        print(f"{flavor:<7} {raw:>10.0f} {gen:>10.0f} {facade:>8.0f} {by_raw:>11.2f} {by_gen:>11.2f}")
    print()
    print(f"parsing a {PAGE_ITEMS}-user page (median µs of this thread's CPU time per parse)")
    print(f"{'flavor':<7} {'json.loads':>11} {'models':>8} {'models/json':>12}")
    for flavor, row in rows_parse:
        loads, models = row["json.loads"], row["models"]
        print(f"{flavor:<7} {loads:>11.0f} {models:>8.0f} {row['ratio models/json']:>12.2f}")
    print("(ratios: the median of the ratios of rounds run side by side)")


if __name__ == "__main__":
    main()
