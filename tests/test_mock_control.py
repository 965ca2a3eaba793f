"""`/_mock/*`: every value checked (400 and nothing changed otherwise), an admin token when the mock listens beyond
loopback, and SIGTERM stops the mock even with the longest latency set and a request waiting it out."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from jsm_openapi.mock import run_mock
from jsm_openapi.mock.config import MAX_LATENCY_MS, MAX_RETRY_AFTER
from jsm_openapi.mock.runner import GRACEFUL_SHUTDOWN

CLI = [sys.executable, "-c", "from jsm_openapi.cli import main; main()"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"latency_ms": Infinity}', "Infinity is not a JSON value"),
        (b'{"latency_ms": -Infinity}', "Infinity is not a JSON value"),
        (b'{"latency_ms": NaN}', "NaN is not a JSON value"),
        (b'{"latency_ms": 1e300}', "latency_ms=1e+300 is out of range"),
        (b'{"latency_ms": 1e400}', "too large"),
        (f'{{"latency_ms": {MAX_LATENCY_MS + 1}}}'.encode(), "out of range"),
        (b'{"latency_ms": -1}', "out of range"),
        (b'{"latency_ms": "50"}', "is not a number"),
        (b'{"latency_ms": true}', "is not a number"),
        (b'{"retry_after": 1e15}', "out of range"),
        (f'{{"retry_after": {MAX_RETRY_AFTER + 1}}}'.encode(), "out of range"),
        (b'{"retry_after": true}', "is not a number"),
        (b'{"retry_after": 1.5}', "not whole seconds"),
        (b'{"rate_limit": false}', "is not a number"),
        (b'{"rate_limit": 1.5}', "out of range"),
        (b'{"rate_limit": 0.6, "unavailable": 0.6}', "exceed 1"),
        (b'{"seed": 1.5}', "not a whole number"),
        (b'{"seed": true}', "is not a number"),
        (b'{"seed": 1' + b"0" * 30 + b"}", "out of range"),
        (b'{"bogus": 1}', "unknown fault setting"),
        (b"[1]", "JSON object"),
        (b"{", "not valid JSON"),
        (b'{"latency_ms": "\\ud800"}', "surrogate"),
    ],
)
def test_fault_settings_out_of_bounds_are_a_400_and_change_nothing(body: bytes, words: str) -> None:
    with run_mock("cloud") as mock, httpx.Client(base_url=mock.base_url) as http:
        before = http.get("/_mock/faults").json()
        answer = http.put("/_mock/faults", content=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, answer.text
        assert words in answer.json()["errorMessage"], answer.json()
        assert answer.json()["hint"], "the refusal says what is accepted"
        assert http.get("/_mock/faults").json() == before
        assert http.get("/rest/servicedeskapi/info", timeout=5).status_code == 200


def test_fault_settings_at_their_bounds_are_taken() -> None:
    with run_mock("server") as mock, httpx.Client(base_url=mock.base_url) as http:
        limits = {"latency_ms": MAX_LATENCY_MS, "retry_after": MAX_RETRY_AFTER, "rate_limit": 1, "seed": -(2**63)}
        assert http.put("/_mock/faults", json=limits).json() | limits == http.get("/_mock/faults").json()
        assert http.put("/_mock/faults", json={"latency_ms": 0, "rate_limit": 1.0}).status_code == 200
        limited = http.get("/rest/servicedeskapi/info")
        assert limited.status_code == 429 and limited.headers["retry-after"] == str(MAX_RETRY_AFTER)


@pytest.mark.parametrize("body", [b'["customer-fullname", 2]', b"[true]", b'"customer-fullname"', b"{}", b"[null]"])
def test_defects_must_be_a_list_of_names_and_a_refusal_changes_nothing(body: bytes) -> None:
    with run_mock("cloud") as mock, httpx.Client(base_url=mock.base_url) as http:
        assert http.put("/_mock/defects", json=["no-last-page"]).status_code == 200
        answer = http.put("/_mock/defects", content=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400 and "list of defect names" in answer.json()["errorMessage"]
        assert http.get("/_mock/defects").json() == ["no-last-page"]


# --- beyond loopback, and stopping ------------------------------------------------------------------------------------


@contextmanager
def mock_process(*args: str) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    process = subprocess.Popen(
        [*CLI, "mock", "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        lines: list[str] = []
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (lines and lines[-1].startswith("Ctrl-C")):
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip())
        assert lines and lines[-1].startswith("Ctrl-C"), f"no banner: {lines}"
        yield process, lines
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _port(lines: list[str]) -> str:
    return re.search(r"at http://[^:]+:(\d+)", lines[0]).group(1)  # type: ignore[union-attr]


@pytest.mark.slow
def test_beyond_loopback_the_mock_warns_and_control_needs_the_printed_token() -> None:
    with mock_process("--flavor", "cloud", "--host", "0.0.0.0") as (process, lines):
        base = f"http://127.0.0.1:{_port(lines)}"
        token = next(line.split("token: ", 1)[1].split()[0] for line in lines if "admin token:" in line)
        assert len(token) >= 24
        assert httpx.get(f"{base}/_mock/health").status_code == 401
        assert httpx.put(f"{base}/_mock/faults", json={"rate_limit": 1}).status_code == 401
        wrong = {"Authorization": "Bearer " + token[:-1] + ("A" if token[-1] != "A" else "B")}
        assert httpx.get(f"{base}/_mock/faults", headers=wrong).status_code == 401
        right = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{base}/_mock/health", headers=right).json()["status"] == "ok"
        assert httpx.put(f"{base}/_mock/faults", json={"latency_ms": 1}, headers=right).status_code == 200
        assert httpx.get(f"{base}/rest/servicedeskapi/info").status_code == 200, "the API is JSM's, token or not"
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
        assert process.stderr is not None
        assert "warning: the mock listens on 0.0.0.0, beyond loopback" in process.stderr.read()


def test_on_loopback_control_needs_no_token_and_beyond_it_the_runner_carries_it() -> None:
    with run_mock("cloud") as mock:
        assert mock.admin_token is None and httpx.get(f"{mock.base_url}/_mock/health").status_code == 200
    with run_mock("cloud", host="0.0.0.0") as mock:
        assert mock.admin_token and mock.admin_token not in repr(mock)
        assert httpx.get(f"{mock.base_url}/_mock/health").status_code == 401
        assert httpx.get(f"{mock.base_url}/_mock/health", headers=mock.control_headers).status_code == 200


@pytest.mark.slow
def test_sigterm_stops_the_mock_with_the_longest_latency_and_a_request_waiting() -> None:
    with mock_process("--flavor", "server") as (process, lines):
        base = f"http://127.0.0.1:{_port(lines)}"
        assert httpx.put(f"{base}/_mock/faults", json={"latency_ms": MAX_LATENCY_MS}).status_code == 200
        answers: list[object] = []

        def wait_it_out() -> None:
            try:
                answers.append(httpx.get(f"{base}/rest/servicedeskapi/info", timeout=MAX_LATENCY_MS).status_code)
            except httpx.HTTPError as exc:  # the mock stopped under it
                answers.append(exc)

        waiting = threading.Thread(target=wait_it_out, daemon=True)
        waiting.start()
        time.sleep(0.5)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=GRACEFUL_SHUTDOWN + 10)
        assert time.monotonic() - started < GRACEFUL_SHUTDOWN + 5
        waiting.join(timeout=10)
        assert answers and not isinstance(answers[0], int), "the waiting request was cut off, not answered"
