"""Performance as users feel it: every row of the start-up/regeneration/parsing table, whole-process beside in-process.

    JSM_SPEC_MIRROR=../shared/upstream python bench/bench_table.py [--pairs 15] [--generate-pairs 5] [--rows help,drift]

Each row is an A/B pair measured in one run, A and B alternating (ABBA...) so the machine's noise hits both alike;
a row's ratio is the median of the per-pair ratios. "whole" is a process's wall time from start to exit (interpreter
start-up, imports, work); "in-process" is what a timer inside the process sees (imports and work, or the work alone
where the row says so). Beside the wall time, the CPU time (user + system) of the process and what it waited for: on a
busy machine it is close to what the wall time would be on a quiet one (except where work runs in parallel, as in
regenerate). "Cold": a fresh copy of the project (empty cache, no package); the bare generator gets the
same patched document, config and templates. Children run with the bytecode cache on (as after `pip install`), each
command once first to fill it; --no-bytecode-cache keeps $PYTHONDONTWRITEBYTECODE as it is (every import compiles).

| row | A | B | goal |
|---|---|---|---|
| help | `jsm-openapi --help` | `python -c pass` | A ≤ 0.2 s whole |
| no-op generate | `jsm-openapi generate` (both flavors, nothing changed) | `python -c pass` | A ≤ 0.3 s whole |
| regenerate | `jsm-openapi generate --flavor cloud --force` (cold) | the bare generator | A/B ≤ 1.2 whole |
| drift | `jsm-openapi drift OLD NEW` (two Cloud documents) | `python -c` json.load of both | A/B ≤ 5 whole |
| parse | 50-user page: json.loads + the models' from_dict (thread CPU time) | json.loads | A/B ≤ 2 in-process |
| facade | `client.service_desks.get(1)` against the mock | raw httpx GET + .json() | A/B ≤ 1.1 in-process |
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from conftest import copy_project  # noqa: E402

# A child that reports the time its own timer sees (from its first line to exit) on the last line of stderr.
_TIMED = """
import sys, time
_started = time.perf_counter()
def _report():
    sys.stderr.write(f"\\nIN-PROCESS {time.perf_counter() - _started:.6f}\\n")
import atexit
atexit.register(_report)
"""
CLI = _TIMED + "from jsm_openapi.cli import main\nmain(sys.argv[1:])\n"
GENERATOR = _TIMED + "from openapi_python_client.cli import app\napp()\n"
LOAD_TWO = _TIMED + "import json\nfor name in sys.argv[1:]:\n    json.load(open(name, 'rb'))\n"
PARSE_PAGE = _TIMED + (
    "import json, importlib\nbody = open(sys.argv[2], 'rb').read()\n"
    "importlib.import_module(f'jsm_{sys.argv[1]}.models').PagedDTOUserDTO.from_dict(json.loads(body))\n"
)
LOADS_PAGE = _TIMED + "import json\njson.loads(open(sys.argv[2], 'rb').read())\n"
PASS = _TIMED


@dataclass
class Run:
    wall: float
    inside: float
    cpu: float  # user + system time of the process and the children it waited for


def run(code: str, args: list[str], env: dict[str, str], cwd: Path) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if done.returncode not in (0, 1):
        sys.exit(f"{args[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    inside = float(done.stderr.rsplit("IN-PROCESS ", 1)[1].split()[0])
    return Run(wall, inside, cpu)


def paired(a: Callable[[], Run], b: Callable[[], Run], pairs: int) -> tuple[list[Run], list[Run]]:
    """A and B alternately (A B, B A, ...): per-pair figures in two lists."""
    first_a, first_b = a(), b()  # fill the bytecode cache; not counted
    del first_a, first_b
    runs_a, runs_b = [], []
    for index in range(pairs):
        if index % 2:
            rb, ra = b(), a()
        else:
            ra, rb = a(), b()
        runs_a.append(ra)
        runs_b.append(rb)
    return runs_a, runs_b


def median_ratio(a: list[float], b: list[float]) -> float:
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


ROWS: list[str] = []


def row(name: str, whole: str, inside: str, goal: str, met: bool) -> None:
    line = f"{name:<16} {whole:<44} {inside:<40} {goal:<22} {'met' if met else 'NOT MET'}"
    ROWS.append(line)
    print(line, flush=True)


def seconds_row(name: str, runs_a: list[Run], runs_b: list[Run], limit: float, what: str) -> None:
    wall = statistics.median(r.wall for r in runs_a)
    ratio = median_ratio([r.wall for r in runs_a], [r.wall for r in runs_b])
    inside = statistics.median(r.inside for r in runs_a)
    cpu = statistics.median(r.cpu for r in runs_a)
    row(
        name,
        f"{wall:.3f} s, CPU {cpu:.3f} s ({ratio:.1f}× pass)",
        f"{inside:.3f} s ({what})",
        f"≤ {limit} s whole",
        wall <= limit,
    )


def ratio_row(name: str, runs_a: list[Run], runs_b: list[Run], limit: float) -> None:
    wall_a, wall_b = (statistics.median(r.wall for r in runs) for runs in (runs_a, runs_b))
    whole = median_ratio([r.wall for r in runs_a], [r.wall for r in runs_b])
    inside = median_ratio([r.inside for r in runs_a], [r.inside for r in runs_b])
    in_a, in_b = (statistics.median(r.inside for r in runs) for runs in (runs_a, runs_b))
    cpu = median_ratio([r.cpu for r in runs_a], [r.cpu for r in runs_b])
    row(
        name,
        f"{whole:.2f}× ({wall_a:.3f} s vs {wall_b:.3f} s; CPU {cpu:.2f}×)",
        f"{inside:.2f}× ({in_a:.3f} s vs {in_b:.3f} s)",
        f"≤ {limit}× whole",
        whole <= limit,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=15, help="A/B pairs per quick row (default 15)")
    parser.add_argument("--generate-pairs", type=int, default=5, help="pairs for the regeneration row (default 5)")
    parser.add_argument("--rows", default="help,noop,regenerate,drift,parse,facade")
    parser.add_argument("--no-bytecode-cache", action="store_true", help="leave $PYTHONDONTWRITEBYTECODE as it is")
    options = parser.parse_args()
    mirror = os.environ.get("JSM_SPEC_MIRROR")
    if not mirror:
        sys.exit("set JSM_SPEC_MIRROR (e.g. ../shared/upstream)")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    if not options.no_bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    wanted = set(options.rows.split(","))
    print(
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; bytecode cache "
        f"{'as the environment says' if options.no_bytecode_cache else 'on'}; medians of paired runs"
    )
    print(f"{'row':<16} {'whole process':<44} {'in-process':<40} {'goal':<22} result")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        project = copy_project(tmp / "project")
        penv = {**env, "JSM_OPENAPI_ROOT": str(project.root)}
        subprocess.run([sys.executable, "-m", "jsm_openapi", "generate"], env=penv, check=True, capture_output=True)

        def cli(*args: str) -> Callable[[], Run]:
            return lambda: run(CLI, list(args), penv, project.root)

        bare = lambda: run(PASS, [], env, tmp)  # noqa: E731
        if "help" in wanted:
            seconds_row("help", *paired(cli("--help"), bare, options.pairs), 0.2, "imports + help")
        if "noop" in wanted:
            seconds_row("no-op generate", *paired(cli("generate"), bare, options.pairs), 0.3, "imports + checks")
        if "regenerate" in wanted:
            ratio_row("regenerate", *regenerate_pairs(tmp, env, options.generate_pairs), 1.2)
        if "drift" in wanted:
            cloud = sorted(Path(mirror).glob("jsm-cloud/*.json"))
            old, new = str(cloud[-2]), str(cloud[-1])
            drift = cli("drift", old, new)
            loads = lambda: run(LOAD_TWO, [old, new], env, tmp)  # noqa: E731
            ratio_row("drift", *paired(drift, loads, options.pairs), 5)
            print(f"{'':<16} in-process beside it: {drift_in_process(old, new)}")
        if {"parse", "facade"} & wanted:
            facade_rows(tmp, env, options.pairs, wanted)
    print("\n".join(["", "summary", *ROWS]))


def regenerate_pairs(tmp: Path, env: dict[str, str], pairs: int) -> tuple[list[Run], list[Run]]:
    """A: the pipeline, cold (a fresh copy: empty cache, no package), forced; B: the bare generator on its output."""
    counter = iter(range(1000))

    def pipeline() -> Run:
        target = copy_project(tmp / f"cold-{next(counter)}")
        penv = {**env, "JSM_OPENAPI_ROOT": str(target.root), "JSM_SPEC_CACHE": str(target.root / ".cache")}
        result = run(CLI, ["generate", "--flavor", "cloud", "--force"], penv, target.root)
        shutil.copy2(target.patched_document("cloud"), tmp / "patched-cloud.json")
        shutil.rmtree(target.root)
        return result

    def generator() -> Run:
        out = tmp / "bare-output"
        shutil.rmtree(out, ignore_errors=True)
        args = [
            "generate", "--path", str(tmp / "patched-cloud.json"),
            "--config", str(REPO / "generated" / "cloud.config.yaml"), "--meta", "uv", "--output-path", str(out),
            "--fail-on-warning", "--custom-template-path", str(REPO / "generated" / "templates"),
        ]  # fmt: skip
        genv = {**env, "COLUMNS": "200", "RUFF_NO_CACHE": "true"}
        genv.pop("PYTHONPATH", None)
        result = run(GENERATOR, args, genv, tmp)
        shutil.rmtree(out)
        return result

    pipeline()  # the bare generator needs a patched document; this also fills the bytecode cache
    return paired(pipeline, generator, pairs)


def drift_in_process(old: str, new: str) -> str:
    """compare_sources + the text report vs json.loads of both, in this (warm) process."""
    from jsm_openapi.drift.model import DriftReport
    from jsm_openapi.drift.render import Format, render
    from jsm_openapi.drift.rules import FAIL_ON
    from jsm_openapi.drift.run import compare_sources

    data = [Path(old).read_bytes(), Path(new).read_bytes()]
    ratios, loads_times, drift_times = [], [], []
    for _ in range(7):
        started = time.perf_counter()
        for item in data:
            json.loads(item)
        loads = time.perf_counter() - started
        started = time.perf_counter()
        render(DriftReport([compare_sources(old, new)], threshold=FAIL_ON["breaking"]), Format.text)
        drift = time.perf_counter() - started
        ratios.append(drift / loads)
        loads_times.append(loads)
        drift_times.append(drift)
    return (
        f"drift computation (read, parse, compare, report) {statistics.median(drift_times) * 1e3:.1f} ms vs json.loads "
        f"{statistics.median(loads_times) * 1e3:.1f} ms: {statistics.median(ratios):.1f}× (issue 11's part)"
    )


def facade_rows(tmp: Path, env: dict[str, str], pairs: int, wanted: set[str]) -> None:
    from bench_facade import fifty_user_page, measure_calls, measure_parse, mock_process

    for flavor in ("cloud", "server"):
        with mock_process(flavor) as base:
            if "facade" in wanted:
                calls = measure_calls(flavor, base, 400)
                row(
                    f"facade {flavor}",
                    "(one GET: see in-process)",
                    f"{calls['ratio facade/raw']:.2f}× ({calls['facade']:.0f} µs vs {calls['raw httpx']:.0f} µs)",
                    "≤ 1.1× in-process",
                    calls["ratio facade/raw"] <= 1.1,
                )
            page = fifty_user_page(flavor, base) if "parse" in wanted else b""
        if "parse" in wanted:
            parsed = measure_parse(flavor, page, 400)
            path = tmp / f"page-{flavor}.json"
            path.write_bytes(page)
            models = lambda p=path, f=flavor: run(PARSE_PAGE, [f, str(p)], env, tmp)  # noqa: E731
            loads = lambda p=path, f=flavor: run(LOADS_PAGE, [f, str(p)], env, tmp)  # noqa: E731
            runs_a, runs_b = paired(models, loads, pairs)
            whole = median_ratio([r.wall for r in runs_a], [r.wall for r in runs_b])
            row(
                f"parse {flavor}",
                f"{whole:.2f}× (a process: imports the models, parses one page)",
                f"{parsed['ratio models/json']:.2f}× ({parsed['models']:.0f} µs vs {parsed['json.loads']:.0f} µs)",
                "≤ 2× in-process",
                parsed["ratio models/json"] <= 2,
            )


if __name__ == "__main__":
    main()
