"""What the document checks cost: the loaders with their limits beside plain json.loads / yaml.load, per document.

    python bench/bench_documents.py [--repeat 20]

Prints, for every pinned document in $JSM_SPEC_MIRROR (or ../shared/upstream) and the overlays together: the plain
parse, the checked parse (documents.parse_json / parse_yaml) and their ratio; then how long refusing hostile inputs
takes (an alias bomb of 10^9 values, JSON nested 100,000 levels, one `copy: $` into every path of the Cloud document).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from jsm_openapi.documents import parse_json, parse_yaml
from jsm_openapi.errors import JsmOpenapiError
from jsm_openapi.overlay import apply_overlays, parse_overlay

ROOT = Path(__file__).resolve().parents[1]


def best(run: Callable[[], Any], repeat: int) -> float:
    """The fastest of `repeat` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def refusal(run: Callable[[], Any]) -> str:
    started = time.perf_counter()
    try:
        run()
    except JsmOpenapiError as exc:
        return f"{(time.perf_counter() - started) * 1000:8.1f} ms  exit {int(exc.exit_code)}: {exc.message[:90]}"
    return "accepted (!)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    mirror = Path(os.environ.get("JSM_SPEC_MIRROR") or ROOT.parent / "shared" / "upstream")
    print(f"{'input':<48} {'plain ms':>9} {'checked ms':>11} {'ratio':>6}")
    for path in sorted(mirror.rglob("*.json")):
        data = path.read_bytes()
        plain = best(lambda data=data: json.loads(data), args.repeat)
        checked = best(lambda data=data, path=path: parse_json(data, source=str(path)), args.repeat)
        print(f"{path.name:<48} {plain:9.2f} {checked:11.2f} {checked / plain:6.2f}")
    overlays = [p.read_bytes() for p in sorted((ROOT / "overlays").rglob("*.yaml"))]
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    plain = best(lambda: [yaml.load(text, Loader=loader) for text in overlays], args.repeat)
    checked = best(lambda: [parse_yaml(text, source="overlay") for text in overlays], args.repeat)
    print(f"{f'{len(overlays)} overlays (YAML)':<48} {plain:9.2f} {checked:11.2f} {checked / plain:6.2f}")

    print("\nrefusing hostile input:")
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)
    )
    print(f"  {'YAML alias bomb (10^9 values)':<40}", refusal(lambda: parse_yaml(bomb, source="bomb.yaml")))
    deep = "[" * 100_000 + "]" * 100_000
    print(f"  {'JSON nested 100,000 levels':<40}", refusal(lambda: parse_json(deep, source="deep.json")))
    cloud = next(iter(sorted(mirror.rglob("jsm-cloud-2025-09-17.json"))), None)
    if cloud is not None:
        document = json.loads(cloud.read_bytes())
        overlay = parse_overlay(
            {
                "overlay": "1.1.0",
                "info": {"title": "t", "version": "1"},
                "actions": [{"target": "$.paths.*", "copy": "$"}],
            },
            source="copy-root.yaml",
        )
        print(f"  {'copy: $ into every Cloud path':<40}", refusal(lambda: apply_overlays(document, [overlay])))


if __name__ == "__main__":
    main()
