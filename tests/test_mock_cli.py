"""`jsm-openapi mock`: starts, prints its base URL and the credentials it accepts, serves, stops on Ctrl-C;
bad options are clear errors with stable exit codes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from jsm_openapi.errors import ExitCode

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-c", "from jsm_openapi.cli import main; main()"]


def _start(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    return subprocess.Popen([*CLI, "mock", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _banner(process: subprocess.Popen[str]) -> list[str]:
    lines: list[str] = []
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if line.startswith("Ctrl-C"):
            return lines
    process.kill()
    raise AssertionError(f"no banner; got {lines!r}; stderr: {process.stderr.read() if process.stderr else ''}")


def test_mock_command_serves_and_stops(tmp_path: Path) -> None:
    process = _start(
        "--flavor", "server", "--port", "0", "--db", str(tmp_path / "cli.sqlite"), "--fault", "latency=1ms"
    )
    try:
        banner = _banner(process)
        url = re.search(r"at (http://127\.0\.0\.1:\d+)", banner[0]).group(1)  # type: ignore[union-attr]
        assert "generated client base URL: " + url + "/rest" in banner[0]
        assert any(line.strip().startswith("admin    basic admin:admin-password") for line in banner)
        assert any("bearer customer-token" in line for line in banner)
        answer = httpx.get(f"{url}/rest/servicedeskapi/servicedesk", auth=("agent", "agent-password"))
        assert answer.status_code == 200 and [d["projectKey"] for d in answer.json()["values"]] == ["ITS"]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    assert (tmp_path / "cli.sqlite").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--flavor", "cloud", "--fault", "429=often"], "is not a number"),
        (["--flavor", "cloud", "--fault", "latency=inf"], "out of range"),
        (["--flavor", "cloud", "--fault", "latency=nan"], "out of range"),
        (["--flavor", "cloud", "--fault", "retry-after=1000000000000000"], "out of range"),
        (["--flavor", "cloud", "--defect", "nope"], "unknown mock defect"),
        (["--flavor", "cloud", "--seed", "/nonexistent/seed.yaml"], "cannot read mock seed"),
    ],
)
def test_mock_command_refuses_bad_input(args: list[str], message: str) -> None:
    done = subprocess.run([*CLI, "mock", *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == ExitCode.INPUT
    assert message in done.stderr and "hint:" in done.stderr


def test_mock_command_reports_a_taken_port() -> None:
    first = _start("--flavor", "cloud", "--port", "0")
    try:
        port = re.search(r":(\d+) ", _banner(first)[0]).group(1)  # type: ignore[union-attr]
        done = subprocess.run(
            [*CLI, "mock", "--flavor", "cloud", "--port", port], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == ExitCode.SERVER
        assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(timeout=20)
