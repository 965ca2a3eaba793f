"""Prism (npm `@stoplight/prism-cli`, pinned): install it into a git-ignored folder, start it on a free port to mock a
document, wait until it answers, stop it. Used by the benchmark and by contract runs against `--target prism`.

    with running_prism(project, Path("build/patched/cloud.openapi.json")) as prism:
        httpx.get(f"{prism.base_url}/rest/servicedeskapi/info")

The same small installer fetches other pinned npm tools (the benchmark's load generator, autocannon).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from .errors import ServerError
from .project import Project

PRISM_PACKAGE = "@stoplight/prism-cli"
PRISM_VERSION = "5.16.0"
START_TIMEOUT = 120.0


@dataclass(frozen=True)
class NpmTool:
    """A pinned npm package with a command-line program, installed under .cache/<folder>."""

    package: str
    version: str
    program: str
    folder: str

    def root(self, project: Project) -> Path:
        return project.root / ".cache" / self.folder

    def binary(self, project: Project) -> Path:
        return self.root(project) / "node_modules" / ".bin" / self.program

    def installed_version(self, project: Project) -> str | None:
        manifest = self.root(project) / "node_modules" / self.package / "package.json"
        try:
            return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
        except (OSError, ValueError, KeyError):
            return None


PRISM = NpmTool(PRISM_PACKAGE, PRISM_VERSION, "prism", "prism")
AUTOCANNON = NpmTool("autocannon", "9.0.0", "autocannon", "autocannon")


def install(project: Project, tool: NpmTool = PRISM) -> Path:
    """The tool's program, installed with npm at its pinned version if it is not there yet."""
    binary = tool.binary(project)
    if binary.exists() and tool.installed_version(project) == tool.version:
        return binary
    npm = shutil.which("npm")
    if npm is None:
        raise ServerError(
            f"cannot install {tool.package}@{tool.version}: npm is not on PATH",
            hint="install Node.js 18+ with npm (e.g. apt-get install nodejs npm), then run again",
        )
    root = tool.root(project)
    root.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            npm,
            "install",
            "--prefix",
            str(root),
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            f"{tool.package}@{tool.version}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0 or not binary.exists():
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise ServerError(
            f"npm install {tool.package}@{tool.version} into {root} failed (exit {done.returncode}):\n{tail}",
            hint="check that the npm registry is reachable (npm ping), then run again",
        )
    return binary


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (Prism binds its own socket, so a race is possible but unlikely)."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class RunningPrism:
    base_url: str
    document: Path
    pid: int


@contextlib.contextmanager
def running_prism(
    project: Project, document: Path, *, host: str = "127.0.0.1", dynamic: bool = False
) -> Iterator[RunningPrism]:
    """Prism mocking `document` on a free port for the duration of the `with` block."""
    if not document.is_file():
        raise ServerError(
            f"Prism needs a document to mock; {document} does not exist", hint="run `jsm-openapi patch` first"
        )
    binary = install(project)
    port = free_port(host)
    args = [str(binary), "mock", "--host", host, "--port", str(port), "--errors", "false"]
    if dynamic:
        args.append("--dynamic")
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            [*args, str(document)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NO_COLOR": "1"},
            start_new_session=True,
        )
        base_url = f"http://{host}:{port}"
        try:
            _wait_until_ready(process, base_url, log)
            yield RunningPrism(base_url, document, process.pid)
        finally:
            _stop(process)


def _wait_until_ready(process: subprocess.Popen[bytes], base_url: str, log: IO[str]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(
                f"Prism exited with {process.returncode} while starting: {_tail(log)}",
                hint="Prism's last lines above say why; a document it cannot read is the usual cause",
            )
        try:
            httpx.get(f"{base_url}/", timeout=1)  # any answer (a 404 too) means it listens
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise ServerError(
        f"Prism did not answer at {base_url} within {START_TIMEOUT:.0f}s: {_tail(log)}",
        hint="the machine may be too busy: try again when it is quieter",
    )


def _tail(log: IO[str]) -> str:
    """The last lines Prism wrote, on one line."""
    log.seek(0)
    return " | ".join(log.read().strip().splitlines()[-5:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to Prism's own process group (it runs node children), then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
