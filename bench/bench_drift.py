"""How long drift takes, beside the time it takes to merely parse the same documents: in-process and whole-process.

    JSM_SPEC_MIRROR=../shared/upstream .nox/tests/bin/python bench/bench_drift.py [--repeat 7] [--rounds 15]

1. In-process: the differ on two real Cloud copies, and on the merged Server flavor document (Jira DC platform + JSM
   DC) against a modified copy of itself (operationIds renamed, properties removed, enum values added, descriptions
   edited: every part of the differ), beside `json.loads` of the same bytes. Median (and min) CPU time of --repeat
   runs.
2. Whole process, paired A/B (what a user waits for): each round runs, back to back,
   A  `python -c` that json.loads both Cloud copies (the floor: interpreter start-up and parsing),
   B  `jsm-openapi drift OLD NEW` as users run it (the CLI),
   C  the same drift without the CLI framework (`python -c` importing jsm_openapi.drift: load, diff, layers, text
      report): what drift itself costs once the CLI starts lazily (the CLI start-up is B - C),
   I  `python -c` importing drift's modules only (C's import share).
   Ratios are of the medians, and the median of the per-round ratios (rounds pair the same machine load); beside
   wall time, each process's CPU time (user + system), which a busy machine disturbs less.
   The processes may write bytecode (PYTHONDONTWRITEBYTECODE is dropped for them; a warm-up run compiles every
   module), as after `pip install`, which compiles it: otherwise each import recompiles its source.
3. Where C's time goes, in one fresh process: imports, load + parse, raw diff, report.
4. Layer (c), what it costs: `drift --pin jsm-cloud --latest 2024-09-28` in a copy of the project (no generated
   package in place) without (c) (`--no-code`), with (c) cold (both sides generated: empty snapshot cache) and warm
   (both sides from .cache/api), --code-rounds each; `--server` adds one cold and one warm run of the Server flavor
   (the JSM DC pin against a copy with one operation removed), which takes minutes.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from jsm_openapi.documents import Json, canonical_json
from jsm_openapi.drift import compare_documents
from jsm_openapi.fetch import Fetcher
from jsm_openapi.pipeline import merged_document, project_sources
from jsm_openapi.project import Project

CLOUD_OLD, CLOUD_NEW = "jsm-cloud-2022-07-24.json", "jsm-cloud-2024-09-28.json"

FLOOR = "import json,sys\nfor p in sys.argv[1:]:\n    json.loads(open(p,'rb').read())"
DRIFT = (
    "import sys\n"
    "from jsm_openapi.drift.run import compare_sources\n"
    "from jsm_openapi.drift.model import DriftReport\n"
    "from jsm_openapi.drift.render import Format, render\n"
    "sys.stdout.write(render(DriftReport([compare_sources(sys.argv[1], sys.argv[2])]), Format.text))"
)
IMPORTS = "import jsm_openapi.drift.run, jsm_openapi.drift.model, jsm_openapi.drift.render"
BREAKDOWN = (
    "import sys, time\n"
    "t0 = time.perf_counter()\n"
    "from jsm_openapi.drift.run import raw_layer, compare_loaded\n"
    "from jsm_openapi.drift.inputs import load\n"
    "from jsm_openapi.drift.model import DriftReport\n"
    "from jsm_openapi.drift.render import Format, render\n"
    "t1 = time.perf_counter()\n"
    "old, new = load(sys.argv[1]), load(sys.argv[2])\n"
    "t2 = time.perf_counter()\n"
    "comparison = compare_loaded(old, new)\n"
    "t3 = time.perf_counter()\n"
    "text = render(DriftReport([comparison]), Format.text)\n"
    "t4 = time.perf_counter()\n"
    "print(t1 - t0, t2 - t1, t3 - t2, t4 - t3)"
)


def timed(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and min CPU time of `repeat` runs (CPU time: a busy machine disturbs it less than wall time)."""
    runs = []
    for _ in range(repeat):
        start = time.process_time()
        function()
        runs.append(time.process_time() - start)
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


def in_process(mirror: Path, repeat: int) -> None:
    cloud = mirror / "jsm-cloud"
    cases: list[tuple[str, bytes, bytes]] = [
        (f"cloud {CLOUD_OLD} → {CLOUD_NEW}", (cloud / CLOUD_OLD).read_bytes(), (cloud / CLOUD_NEW).read_bytes())
    ]
    project = Project.discover()
    server, _ = merged_document(project, project_sources(project).flavor("server"), Fetcher(project.cache_dir))
    cases.append(("server (merged) → modified copy", canonical_json(server), canonical_json(modified(server))))
    print("1. in-process: the differ beside json.loads of the same two documents (CPU time)")
    print(f"   {'case':<58} {'size':>9} {'json.loads x2':>14} {'drift diff':>11} {'ratio':>6} {'changes':>8}")
    for name, old_bytes, new_bytes in cases:
        old, new = json.loads(old_bytes), json.loads(new_bytes)
        parse, parse_min = timed(lambda o=old_bytes, n=new_bytes: (json.loads(o), json.loads(n)), repeat)
        diff, diff_min = timed(lambda o=old, n=new: compare_documents(o, n), repeat)
        changes = len(compare_documents(old, new))
        size = f"{(len(old_bytes) + len(new_bytes)) / 1e6:.2f} MB"
        print(
            f"   {name:<58} {size:>9} {parse * 1e3:>9.1f} ms   {diff * 1e3:>7.1f} ms {diff / parse:>5.1f}x {changes:>8}"
            f"   (min {parse_min * 1e3:.1f} / {diff_min * 1e3:.1f} ms)"
        )


CHILD_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def run_once(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time and CPU time (user + system, its own subprocesses included) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env or CHILD_ENV)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # 1: drift found changes at --fail-on
        raise SystemExit(f"{command[:3]} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def whole_process(mirror: Path, rounds: int) -> None:
    files = [str(mirror / "jsm-cloud" / CLOUD_OLD), str(mirror / "jsm-cloud" / CLOUD_NEW)]
    python = sys.executable
    cli = str(Path(python).parent / "jsm-openapi")
    commands = {
        "A": [python, "-c", FLOOR, *files],
        "B": [cli, "drift", *files],
        "C": [python, "-c", DRIFT, *files],
        "I": [python, "-c", IMPORTS],
    }
    labels = {
        "A": "python -c: json.loads both (the floor)",
        "B": "jsm-openapi drift OLD NEW (the CLI)",
        "C": "drift without the CLI (python -c)",
        "I": "drift's imports only (python -c)",
    }
    for command in commands.values():  # warm the file cache and write the bytecode
        subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV)
    wall: dict[str, list[float]] = {key: [] for key in commands}
    cpu: dict[str, list[float]] = {key: [] for key in commands}
    for _ in range(rounds):
        for key, command in commands.items():
            elapsed, used = run_once(command)
            wall[key].append(elapsed)
            cpu[key].append(used)
    print(f"\n2. whole process, {rounds} paired rounds (Cloud {CLOUD_OLD} → {CLOUD_NEW})")
    print(
        f"   {'':<2} {'process':<40} {'wall':>8} {'÷ A':>6} {'÷ A paired':>11} {'CPU':>8} {'÷ A':>6} {'÷ A paired':>11}"
    )
    medians = {}
    for key in commands:
        row = []
        for series in (wall, cpu):
            median = statistics.median(series[key])
            floor = statistics.median(series["A"])
            paired = statistics.median(v / a for v, a in zip(series[key], series["A"], strict=True))
            row.append(f"{median * 1e3:>5.0f} ms {median / floor:>5.1f}x {paired:>10.1f}x")
            medians[(key, id(series))] = median
        print(f"   {key:<2} {labels[key]:<40} {row[0]} {row[1]}")
    startup = medians[("B", id(wall))] - medians[("C", id(wall))]
    startup_cpu = medians[("B", id(cpu))] - medians[("C", id(cpu))]
    print(f"   CLI start-up share of B (B - C): {startup * 1e3:.0f} ms wall, {startup_cpu * 1e3:.0f} ms CPU")


def breakdown(mirror: Path, rounds: int) -> None:
    files = [str(mirror / "jsm-cloud" / CLOUD_OLD), str(mirror / "jsm-cloud" / CLOUD_NEW)]
    parts = []
    for _ in range(rounds):
        command = [sys.executable, "-c", BREAKDOWN, *files]
        out = subprocess.run(command, check=True, capture_output=True, text=True, env=CHILD_ENV)
        parts.append([float(x) for x in out.stdout.split()])
    names = ("imports", "load + parse both", "layers (raw diff)", "text report")
    print("\n3. where C's time goes (median of fresh processes)")
    for index, name in enumerate(names):
        print(f"   {name:<22} {statistics.median(p[index] for p in parts) * 1e3:>7.1f} ms")


def project_copy(target: Path) -> Path:
    """What a pin comparison reads (pins, overlays, generator configuration, templates, ledger): no packages."""
    import shutil

    root = Project.discover().root
    shutil.copytree(root / "openapi", target / "openapi")
    shutil.copytree(root / "overlays", target / "overlays")
    (target / "generated").mkdir()
    for path in (root / "generated").iterdir():
        if path.is_file():
            shutil.copy2(path, target / "generated" / path.name)
    for folder in ("templates", "releases"):
        shutil.copytree(root / "generated" / folder, target / "generated" / folder)
    return target


def code_layer(mirror: Path, rounds: int, server: bool) -> None:
    import shutil
    import tempfile

    cli = str(Path(sys.executable).parent / "jsm-openapi")
    with tempfile.TemporaryDirectory(prefix="bench-drift-") as folder:
        root = project_copy(Path(folder) / "project")
        env = {**CHILD_ENV, "JSM_OPENAPI_ROOT": str(root), "JSM_SPEC_MIRROR": str(mirror)}
        env["JSM_SPEC_CACHE"] = str(Path(folder) / "upstream")
        cases = [("cloud", ["--pin", "jsm-cloud", "--latest", str(mirror / "jsm-cloud" / CLOUD_NEW)], rounds)]
        if server:
            from jsm_openapi.sources import load_sources

            pin = load_sources(root / "openapi" / "sources.toml").flavor("server").documents[-1]
            pinned = json.loads(Fetcher(Path(env["JSM_SPEC_CACHE"]), mirror=mirror).fetch(pin).path.read_bytes())
            first = next(iter(pinned["paths"]))
            del pinned["paths"][first]
            latest = Path(folder) / f"{pin.name}-latest.json"
            latest.write_text(json.dumps(pinned))
            cases.append(("server", ["--pin", pin.name, "--latest", str(latest)], 1))
        print(f"\n4. layer (c): drift --pin in a copy of the project, whole process ({rounds} round(s) for Cloud)")
        print(f"   {'flavor':<7} {'run':<44} {'wall':>9} {'CPU':>9}")
        for flavor, args, count in cases:
            runs: dict[str, list[tuple[float, float]]] = {"no": [], "cold": [], "warm": []}
            for _ in range(count):
                runs["no"].append(run_once([cli, "drift", *args, "--no-code"], env))
                shutil.rmtree(root / ".cache" / "api", ignore_errors=True)
                runs["cold"].append(run_once([cli, "drift", *args], env))
                runs["warm"].append(run_once([cli, "drift", *args], env))
            labels = {
                "no": "--no-code: (a) and (b) only",
                "cold": "(c) cold: both sides generated",
                "warm": "(c) warm: both sides from .cache/api",
            }
            for key, label in labels.items():
                wall = statistics.median(w for w, _ in runs[key])
                cpu = statistics.median(c for _, c in runs[key])
                print(f"   {flavor:<7} {label:<44} {wall:>7.2f} s {cpu:>7.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="in-process runs per figure")
    parser.add_argument("--rounds", type=int, default=15, help="whole-process rounds (each runs A, B, C and I)")
    parser.add_argument("--code-rounds", type=int, default=3, help="layer (c) rounds (0 skips section 4)")
    parser.add_argument("--server", action="store_true", help="layer (c) on the Server flavor too (minutes)")
    args = parser.parse_args()
    mirror = os.environ.get("JSM_SPEC_MIRROR")
    if not mirror:
        print("set JSM_SPEC_MIRROR to the upstream mirror (e.g. ../shared/upstream)", file=sys.stderr)
        return 2
    in_process(Path(mirror), args.repeat)
    whole_process(Path(mirror), args.rounds)
    breakdown(Path(mirror), max(3, args.rounds // 3))
    if args.code_rounds:
        code_layer(Path(mirror).resolve(), args.code_rounds, args.server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
