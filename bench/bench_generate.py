"""Regeneration cost: the pipeline (fetch + merge + overlays + generator + provenance) beside the bare generator.

Runs in throwaway copies of the project, so the checkout's packages are untouched. Prints, per flavor, the median
wall time of a cold pipeline run (empty cache and no previous package), of the bare generator on the same patched
document with the same config, custom templates and post-hooks, their ratio, and the no-op regeneration time (a second
`jsm-openapi generate` with nothing changed: process start to exit).

    JSM_SPEC_MIRROR=../shared/upstream python bench/bench_generate.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from conftest import copy_project  # noqa: E402


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get("JSM_SPEC_MIRROR"):
        sys.exit("set JSM_SPEC_MIRROR (e.g. ../shared/upstream)")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "RUFF_NO_CACHE": "true"}
    cli = [sys.executable, "-m", "jsm_openapi"]
    print(f"{'flavor':<8} {'pipeline cold':>14} {'bare generator':>15} {'ratio':>6} {'no-op':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for flavor in ("server", "cloud"):
            pipeline, bare, noop = [], [], []
            for run in range(args.repeat):
                project = copy_project(Path(tmp) / f"{flavor}-{run}")
                run_env = {**env, "JSM_OPENAPI_ROOT": str(project.root)}
                pipeline.append(timed([*cli, "generate", "--flavor", flavor], run_env, project.root))
                for _ in range(3):
                    noop.append(timed([*cli, "generate", "--flavor", flavor], run_env, project.root))
                out = Path(tmp) / f"bare-{flavor}-{run}"
                bare.append(
                    timed(
                        [sys.executable, "-m", "openapi_python_client", "generate", "--meta", "uv",
                         "--path", str(project.patched_document(flavor)),
                         "--config", str(project.generated_dir / f"{flavor}.config.yaml"),
                         "--custom-template-path", str(project.generated_dir / "templates"),
                         "--output-path", str(out)],
                        env, Path(tmp),
                    )
                )  # fmt: skip
                shutil.rmtree(out)
                shutil.rmtree(project.root)
            p, b, n = statistics.median(pipeline), statistics.median(bare), statistics.median(noop)
            ratio = statistics.median(x / y for x, y in zip(pipeline, bare, strict=True))
            print(f"{flavor:<8} {p:>13.2f}s {b:>14.2f}s {ratio:>6.2f} {n:>7.3f}s")
    print(
        f"(median of {args.repeat} cold runs each, the ratio the median of the paired runs' ratios; no-op median of "
        f"{3 * args.repeat} runs, process start to exit; bench_table.py has the whole-process and in-process rows)"
    )


if __name__ == "__main__":
    main()
