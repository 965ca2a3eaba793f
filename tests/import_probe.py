"""Which modules a `jsm-openapi` command imports: the command runs in a fresh interpreter, `sys.modules` is read after.

Start-up time is what a user feels on every command; a light command that imports a heavy module (the overlay
engine, the generator, rich, yaml, httpx, ...) pays for it on every run. Tests hold each command to the modules it
uses by name, not by a timer (bench/bench_cli.py prints the times).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

_PROBE = """
import json, os, sys
from jsm_openapi.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exited:
    code = exited.code
else:
    code = 0
with open(os.environ["JSM_IMPORT_PROBE"], "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""

# Third-party modules that cost tens of milliseconds or more to import, and our own modules that pull them in.
HEAVY_THIRD_PARTY = (
    "typer", "click", "rich", "yaml", "jsonschema", "jsonpath_rfc9535", "regex", "httpx", "httpcore", "stamina",
    "openapi_python_client", "jinja2", "pydantic", "starlette", "uvicorn", "attrs", "attr", "schemathesis",
    "hypothesis", "openapi_schema_validator", "tomli_w", "jsm_server", "jsm_cloud",
)  # fmt: skip
PIPELINE = (
    "jsm_openapi.pipeline", "jsm_openapi.overlay", "jsm_openapi.generate", "jsm_openapi.merge",
    "jsm_openapi.examples", "jsm_openapi.parity", "jsm_openapi.mock", "jsm_openapi.prism", "jsm_openapi.contract",
)  # fmt: skip
DRIFT = ("jsm_openapi.drift",)


def imported(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[int, set[str]]:
    """Run `jsm-openapi ARGS` in a fresh interpreter; its exit code and every module it imported."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "modules.json"
        environment = {**os.environ, **(env or {}), "JSM_IMPORT_PROBE": str(report)}
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=environment,
            check=False,
        )
        if not report.is_file():
            raise AssertionError(f"the probe did not finish: {done.stderr[-2000:]}")
        data = json.loads(report.read_text())
    return int(data["code"] or 0), set(data["modules"])


def offending(modules: set[str], forbidden: tuple[str, ...]) -> list[str]:
    """The imported modules that are, or are inside, one of the forbidden packages."""
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in forbidden))
