"""What response validation costs, and why jsonschema-rs validates.

For each flavor, starts the mock JSM in its own process (as bench_facade.py does), fills an organization with 50
customers and prints, side by side in one run:

- one facade call reading a 50-user page (`client.organizations.users(org, page_size=50, max_items=50)`) with
  `validate="off"` and with `validate="warn"` (the page conforms, so warn does the full check and logs nothing):
  median microseconds per call and the ratio warn/off (goal: at most 1.3);
- the validator libraries on the same page's parsed body and the same converted schema (the package's
  `_response_schemas.json`): `json.loads` for scale, then jsonschema (pure Python), fastjsonschema (generated Python)
  and jsonschema-rs (Rust), median microseconds per check, and each one's compile time. A library that is not
  installed is listed as such (`pip install fastjsonschema` to see it).

The ways are interleaved in small rounds, so the machine's noise hits them alike.

    python bench/bench_validation.py [--calls 300] [--checks 300]
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_facade import CREDENTIALS, PAGE_ITEMS, ROUND, mock_process, per_call

import jsm
from jsm.validation import ResponseSchemas


def page_setup(flavor: str, base: str) -> tuple[str, bytes]:
    """An organization with 50 customers; its id and the raw bytes of its 50-user page."""
    user, secret = CREDENTIALS[flavor]
    with jsm.Client(base, auth=jsm.BasicAuth(user, secret), flavor=flavor) as client:
        organization = client.organizations.create("Validation Bench Inc")
        people = [
            client.customers.create(email=f"valid-{i}@example.com", display_name=f"Valid Person {i}")
            for i in range(PAGE_ITEMS)
        ]
        client.organizations.add_users(organization.id, people)
        response = client.http.get(f"{base}/rest/servicedeskapi/organization/{organization.id}/user?limit=50")
    if len(response.json().get("values", [])) != PAGE_ITEMS:
        sys.exit(f"the {flavor} mock answered another page size than {PAGE_ITEMS}")
    return str(organization.id), response.content


def measure_calls(flavor: str, base: str, organization: str, calls: int) -> dict[str, float]:
    user, secret = CREDENTIALS[flavor]
    auth = jsm.BasicAuth(user, secret)
    clients = {
        "off": jsm.Client(base, auth=auth, flavor=flavor),
        "warn": jsm.Client(base, auth=auth, flavor=flavor, validate="warn"),
    }
    ways: dict[str, Callable[[], object]] = {
        name: (lambda c=c: list(c.organizations.users(organization, page_size=PAGE_ITEMS, max_items=PAGE_ITEMS)))
        for name, c in clients.items()
    }
    for call in ways.values():  # warm up: imports, connections, the compiled validator
        for _ in range(5):
            call()
    samples: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(max(1, calls // ROUND)):
        for name, call in ways.items():
            per_call(samples, name, call)
    for c in clients.values():
        c.close()
    return {name: statistics.median(values) for name, values in samples.items()}


def libraries(schema: dict[str, Any]) -> dict[str, tuple[Callable[[Any], object], float] | None]:
    """Each library's check of one body against `schema`, and its compile time in µs (None: not installed)."""
    out: dict[str, tuple[Callable[[Any], object], float] | None] = {}

    def compiled(make: Callable[[], Callable[[Any], object]]) -> tuple[Callable[[Any], object], float]:
        started = time.perf_counter()
        check = make()
        return check, (time.perf_counter() - started) * 1e6

    for name, make in (
        ("jsonschema", lambda lib: lib.Draft4Validator(schema).is_valid),
        ("fastjsonschema", lambda lib: lib.compile(schema)),
        ("jsonschema-rs", lambda lib: lib.Draft4Validator(schema).is_valid),
    ):
        try:
            library = importlib.import_module(name.replace("-", "_"))
        except ImportError:
            out[name] = None
            continue
        out[name] = compiled(lambda make=make, library=library: make(library))
    return out


def measure_checks(flavor: str, body: bytes, checks: int) -> tuple[dict[str, float], dict[str, float | None]]:
    package = f"jsm_{flavor}"
    schemas = ResponseSchemas.of(package)
    wanted = "/organization/{organizationId}/user"
    operation = next(k for k in schemas.operations if k.startswith("GET ") and k.endswith(wanted))
    _, schema = schemas.validator(operation, "200")
    data = json.loads(body)
    found = libraries(schema)
    ways: dict[str, Callable[[], object]] = {"json.loads": lambda: json.loads(body)}
    for name, entry in found.items():
        if entry is not None:
            ways[name] = lambda check=entry[0]: check(data)
    samples: dict[str, list[float]] = {name: [] for name in ways}
    rounds = max(1, checks // ROUND)
    for _ in range(rounds):
        for name, call in ways.items():
            if name == "jsonschema" and len(samples[name]) >= max(1, rounds // 10):
                continue  # two orders of magnitude slower: a tenth of the rounds says enough
            per_call(samples, name, call)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    compile_times = {name: (entry[1] if entry else None) for name, entry in found.items()}
    return medians, compile_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="facade calls per way (default 300)")
    parser.add_argument("--checks", type=int, default=300, help="checks of the page per library (default 300)")
    args = parser.parse_args()
    rows_calls, rows_checks = [], []
    for flavor in ("server", "cloud"):
        with mock_process(flavor) as base:
            organization, body = page_setup(flavor, base)
            rows_calls.append((flavor, measure_calls(flavor, base, organization, args.calls)))
            rows_checks.append((flavor, *measure_checks(flavor, body, args.checks)))
    print(f"one facade call reading a {PAGE_ITEMS}-user page from the mock (median µs per call)")
    print(f"{'flavor':<7} {'off':>8} {'warn':>8} {'warn/off':>9}")
    for flavor, row in rows_calls:
        print(f"{flavor:<7} {row['off']:>8.0f} {row['warn']:>8.0f} {row['warn'] / row['off']:>9.2f}")
    print()
    print(f"checking the parsed {PAGE_ITEMS}-user page (median µs per check; compile µs; json.loads for scale)")
    print(f"{'flavor':<7} {'library':<15} {'check':>9} {'compile':>9} {'check/json.loads':>17}")
    for flavor, medians, compile_times in rows_checks:
        loads = medians["json.loads"]
        print(f"{flavor:<7} {'json.loads':<15} {loads:>9.1f} {'':>9} {1.0:>17.2f}")
        for name, compile_time in compile_times.items():
            if compile_time is None:
                print(f"{flavor:<7} {name:<15} {'not installed':>9}")
                continue
            print(f"{flavor:<7} {name:<15} {medians[name]:>9.1f} {compile_time:>9.0f} {medians[name] / loads:>17.2f}")


if __name__ == "__main__":
    main()
