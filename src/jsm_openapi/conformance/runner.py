"""Run the sites: one `pytest contract_tests` process per site (or per shard of a site), each written as a part.

Each run gets only its own site's credentials: the child's environment is the parent's without any contract
variable (`JSM_*` credentials, `JSM_BASE_URL`, `JSM_CONTRACT_*`) and without any variable another site names, plus
`JSM_BASE_URL` and the `JSM_USER`/`JSM_API_TOKEN`/… values read from the variables the sites file names. Its output
goes to `pytest.log` beside its reports, with every credential value redacted. Runs go one after another, or
`jobs` at a time (each a separate process: the contract suite keeps one run per process). A site in n shards gives
each shard 1/n of the site's budget and rate, so the site sees the same load however it is split.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..contract.redact import Redactor
from ..contract.shard import Shard
from ..errors import InputError, JsmOpenapiError
from .model import read_json
from .parts import RAN_CODES, Part, failed_part
from .sites import CREDENTIAL_ROLES, Site

SITES_DIR = "sites"
LOG_FILE = "pytest.log"
_CONTRACT_VARIABLES = {*CREDENTIAL_ROLES.values(), "JSM_BASE_URL", "JSM_FLAVOR", "JSM_SANDBOX_SERVICE_DESK"}
TAIL = 40

Say = Callable[[str], None]


@dataclass(frozen=True)
class Job:
    """One contract run: a site, or one shard of it."""

    site: Site
    shard: Shard | None = None

    @property
    def name(self) -> str:
        return f"{self.site.name} shard {self.shard}" if self.shard else self.site.name

    def directory(self, out: Path) -> Path:
        return out / SITES_DIR / self.site.name / (self.shard.slug if self.shard else "all")


def jobs_for(sites: list[Site], shard: Shard | None = None) -> list[Job]:
    """`--shard i/n` runs that shard of every site; otherwise every shard of every site (its `shards`)."""
    if shard is not None:
        return [Job(site, shard) for site in sites]
    jobs: list[Job] = []
    for site in sites:
        if site.shards > 1:
            jobs.extend(Job(site, Shard(index, site.shards)) for index in range(1, site.shards + 1))
        else:
            jobs.append(Job(site))
    return jobs


def child_environment(site: Site, every: list[Site], env: Mapping[str, str]) -> tuple[dict[str, str], Redactor]:
    """The child's environment (only this site's credentials) and a redactor that knows their values."""
    named = {name for other in every for name in other.secret_names}
    child = {
        key: value
        for key, value in env.items()
        if key not in _CONTRACT_VARIABLES and key not in named and not key.startswith("JSM_CONTRACT_")
    }
    redactor = Redactor()
    if site.base_url_env:
        url = env.get(site.base_url_env, "")
        if not url:
            raise InputError(
                f"site {site.name}: the environment variable {site.base_url_env} (base_url_env) is not set",
                hint=f"export {site.base_url_env} (in CI: a secret of the site's GitHub environment)",
            )
        child["JSM_BASE_URL"] = url
        redactor.add(url)  # kept in a secret: the log shows [REDACTED] where it would appear
    elif site.base_url:
        child["JSM_BASE_URL"] = site.base_url
    for role, name in site.credentials.items():
        value = env.get(name, "")
        if not value:
            raise InputError(
                f"site {site.name}: the environment variable {name} (credentials.{role}) is not set",
                hint=f"export {name} (in CI: a secret of the site's GitHub environment {site.environment!r})",
            )
        child[CREDENTIAL_ROLES[role]] = value
        redactor.add(value)
    user = site.credentials.get("user")
    secret = site.credentials.get("api_token") or site.credentials.get("password")
    if user and secret:
        redactor.add_basic(env[user], env[secret])
    return child, redactor


def child_command(job: Job, seed: int, reports: Path, python: str = sys.executable) -> list[str]:
    site, shard = job.site, job.shard
    command = [python, "-m", "pytest", "contract_tests", "-p", "no:cacheprovider", "-q", "-rN"]
    command += ["--target", site.target, "--seed", str(seed), "--examples", str(site.examples)]
    command += ["--reports", str(reports)]
    if site.flavor != "detect":
        command += ["--flavor", site.flavor]
    if site.target == "live":
        parts = shard.count if shard else 1
        command += ["--budget", str(math.ceil(site.budget / parts)), "--rate", f"{site.rate / parts:g}"]
        if site.sandbox_service_desk:
            command += ["--allow-writes", "--sandbox-service-desk", site.sandbox_service_desk]
    if site.defects:
        command += ["--mock-defect", ",".join(site.defects)]
    for operation in site.operations:
        command += ["--operation", operation]
    if shard is not None:
        command += ["--shard", str(shard)]
    return command


def run_job(job: Job, every: list[Site], *, seed: int, out: Path, root: Path, env: Mapping[str, str]) -> Part:
    """Run one job to its part (an error becomes a part too: the other sites still run)."""
    directory = job.directory(out)
    if directory.exists():
        shutil.rmtree(directory)  # no earlier night's result may pass for tonight's
    directory.mkdir(parents=True)
    try:
        child_env, redactor = child_environment(job.site, every, env)
    except JsmOpenapiError as exc:
        part = failed_part(job.site, job.shard, seed, exc)
        part.write(directory)
        return part
    started = time.monotonic()
    tail: list[str] = []
    with (directory / LOG_FILE).open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            child_command(job, seed, directory),
            cwd=root,
            env=child_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        assert process.stdout is not None
        for line in process.stdout:
            clean = redactor.text(line)
            log.write(clean)
            tail = [*tail[-(TAIL - 1) :], clean.rstrip("\n")]
        code = process.wait()
    result = _result(directory)
    error = None
    if result is None or code not in RAN_CODES:
        error = _error(code, tail, result is None)
    part = Part(job.site.name, job.site.describe(), job.shard, seed, code, error, time.monotonic() - started, result)
    part.write(directory)
    return part


def _result(directory: Path) -> dict[str, Any] | None:
    found = sorted(directory.glob("result-*.json"))
    if len(found) != 1:
        return None
    try:
        data = read_json(found[0], "contract result", "")
    except InputError:
        return None
    return data if isinstance(data, dict) and data.get("format") == "jsm-contract-result" else None


def _error(code: int, tail: list[str], no_result: bool) -> str:
    """Why a run did not complete, from its own words (the suite's exit message) where it said them."""
    said = [line.strip() for line in tail if "contract suite:" in line or line.strip().startswith("hint:")]
    if said:
        return " ".join(said)[-600:]
    last = [line.strip() for line in tail if line.strip()][-3:]
    missing = "; it wrote no result" if no_result else ""
    return f"pytest exited {code}{missing}; last lines: {' / '.join(last)}"[-600:]


def run_jobs(
    jobs: list[Job],
    every: list[Site],
    *,
    seed: int,
    out: Path,
    root: Path,
    parallel: int = 1,
    say: Say | None = None,
    env: Mapping[str, str] | None = None,
) -> list[Part]:
    """Run the jobs, `parallel` at a time; parts in the jobs' order."""
    environment = dict(os.environ if env is None else env)
    lock = threading.Lock()
    total = len(jobs)

    def one(numbered: tuple[int, Job]) -> Part:
        number, job = numbered
        if say:
            with lock:
                say(f"[{number}/{total}] {job.name}: running ({job.site.where})")
        part = run_job(job, every, seed=seed, out=out, root=root, env=environment)
        if say:
            with lock:
                say(f"[{number}/{total}] {job.name}: {_outcome(part)} in {part.wall_time:.1f} s")
        return part

    numbered = list(enumerate(jobs, start=1))
    if parallel <= 1:
        return [one(item) for item in numbered]
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(one, numbered))


def _outcome(part: Part) -> str:
    if not part.ran or part.result is None:
        return f"did not complete (exit {part.exit_code}): {part.error}"
    deviations = len(part.result.get("deviations") or [])
    operations = sum(1 for o in part.result.get("operations") or [] if isinstance(o, dict) and o.get("in_scope"))
    return f"{operations} operations, {deviations} deviation(s)"
