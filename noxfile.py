"""Every job of the project is a nox session (uv backend). `nox -l` lists them.

The two a newcomer needs: `nox -s generate` (the main job) and `nox -s tests`.
Upstream documents come from $JSM_SPEC_MIRROR when set (e.g. ../shared/upstream), else from their URLs.
"""

from __future__ import annotations

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv"
nox.options.sessions = ["generate", "tests"]
nox.options.reuse_venv = "yes"

PYTHON = "3.11"
GENERATED = ("generated/jsm-server", "generated/jsm-cloud")
FACADE = "facade"  # the jsm-client distribution (import name `jsm`)


def _install_dev(session: nox.Session, extras: str = "dev") -> None:
    """jsm-openapi with `extras`, and the facade beside it (the contract extra needs jsm-client), both editable."""
    session.install("-e", FACADE, "-e", f".[{extras}]")


def _generate(session: nox.Session, *args: str) -> None:
    """Regenerate both clients (a no-op when nothing changed) and install them into the session."""
    session.run("jsm-openapi", "generate", *args)
    session.install(*[arg for path in GENERATED for arg in ("-e", path)])


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """The main job: fetch the pinned documents, apply the overlays, regenerate jsm_server and jsm_cloud."""
    session.install("-e", ".[generate]")
    _generate(session, *session.posargs)
    session.run("jsm-openapi", "provenance")  # imports both packages: proves they work


DISTRIBUTIONS = (*GENERATED, FACADE, ".")  # jsm-server, jsm-cloud, jsm-client, jsm-openapi


def _build_all(session: nox.Session, out_dir: str) -> None:
    """Wheels and sdists of the four distributions; the generated ones with SOURCE_DATE_EPOCH from their inputs."""
    import json
    import shutil
    from pathlib import Path

    shutil.rmtree(out_dir, ignore_errors=True)
    for path in DISTRIBUTIONS:
        provenance = Path(path) / "provenance.json"
        epoch = json.loads(provenance.read_text())["release"]["source_date_epoch"] if provenance.is_file() else 0
        env = {"SOURCE_DATE_EPOCH": str(epoch or _commit_epoch(session))}
        session.run("uv", "build", "--wheel", "--sdist", "--out-dir", out_dir, path, external=True, env=env)


def _commit_epoch(session: nox.Session) -> int:
    """The checkout's last commit time (the facade and the toolchain are built from the checkout)."""
    found = session.run("git", "log", "-1", "--format=%ct", external=True, silent=True, success_codes=[0, 128])
    return int(found.strip()) if isinstance(found, str) and found.strip().isdigit() else 315532800


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """Wheels and sdists of the four distributions into dist/: jsm-server, jsm-cloud (generated, versions from their
    inputs), jsm-client (the facade), jsm-openapi (the toolchain)."""
    session.install("-e", ".[generate]")
    session.run("jsm-openapi", "generate")
    _build_all(session, "dist")


@nox.session(python=PYTHON)
def release(session: nox.Session) -> None:
    """The release test on the built files: build the four distributions into dist/, check their metadata (twine),
    install them into fresh virtualenvs from the files only, run the tour against the installed mock, type-check a
    consumer with mypy --strict, publish to a package index on loopback (pypiserver) and install jsm-client[cloud]
    from it by name. `nox -s release -- --serve` keeps the index running at the end (Ctrl-C ends it);
    `nox -s release -- --record` first records the release in generated/releases/ (the release workflow does)."""
    from pathlib import Path

    _install_dev(session)
    session.run("jsm-openapi", "generate")
    if "--record" in session.posargs:
        session.run("jsm-openapi", "release", "record")
        session.run("jsm-openapi", "generate")  # the ledger changed: the packages take the recorded versions
    _build_all(session, "dist")
    built = sorted(str(p) for p in Path("dist").iterdir() if p.name.endswith((".whl", ".tar.gz")))
    session.run("twine", "check", "--strict", *built)
    env = {"JSM_RELEASE_DIST": str(Path("dist").resolve())}
    if "--serve" in session.posargs:
        env["JSM_RELEASE_SERVE"] = "1"
    session.run("pytest", "tests/test_release.py", "-p", "no:cacheprovider", "-s", "-q", env=env)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit and integration tests (real generator, real documents from the mirror, servers on loopback)."""
    _install_dev(session)
    _generate(session)
    session.run("pytest", *session.posargs)
    if not session.posargs:  # the contract suite too, on the mock and on Prism (a fixed seed: CI replays exactly)
        for target, flavor, examples in CONTRACT_RUNS:
            _contract(session, "--target", target, "--flavor", flavor, "--examples", examples)


# The contract suite in `nox -s tests`: both flavors on the mock (stateless, create-customer properties and the
# stateful runs over the overlays' links), every operation of both documents on Prism (stateless).
CONTRACT_RUNS = (("mock", "cloud", "10"), ("mock", "server", "10"), ("prism", "cloud", "3"), ("prism", "server", "2"))


def _contract(session: nox.Session, *args: str) -> None:
    import os

    fixed = os.environ.get("JSM_CONTRACT_SEED", "20251123")
    seed = [] if any(a.startswith("--seed") for a in args) else ["--seed", fixed]
    session.run("pytest", "contract_tests", "-p", "no:cacheprovider", *seed, *args)


@nox.session(python=PYTHON)
def contract(session: nox.Session) -> None:
    """The contract suite alone: `nox -s contract -- --target mock|prism|live --flavor server|cloud [--examples N]
    [--seed N] [--operation 'POST /rest/servicedeskapi/customer']`. Reports: reports/contract/."""
    _install_dev(session)
    _generate(session)
    _contract(session, *session.posargs)


@nox.session(python=PYTHON)
def conformance(session: nox.Session) -> None:
    """The nightly job. Across the sites of a sites file: `nox -s conformance -- --sites conformance.toml
    [--site NAME] [--shard i/n] [--jobs N]` (`jsm-openapi conformance run`: reports/conformance/ gets every site's
    reports and the report across sites). One site from the environment: `nox -s conformance -- --target live
    --flavor cloud` with JSM_BASE_URL and credentials (JSM_USER + JSM_API_TOKEN, JSM_PAT or JSM_OAUTH_TOKEN);
    read-only unless --allow-writes with --sandbox-service-desk. A fresh seed each night (the reports name it)."""
    import secrets

    _install_dev(session)
    _generate(session)
    if any(a == "--sites" or a.startswith("--sites=") for a in session.posargs):
        session.run("jsm-openapi", "conformance", "run", *session.posargs)
        return
    args = list(session.posargs) or ["--target", "live"]
    seed = [] if any(a.startswith("--seed") for a in args) else ["--seed", str(secrets.randbits(32))]
    session.run("pytest", "contract_tests", "-p", "no:cacheprovider", *seed, *args)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (lint + format check) and mypy on the hand-written code."""
    _install_dev(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session(python=PYTHON)
def drift(session: nox.Session) -> None:
    """Every pin vs its latest upstream copy, in three layers: reports/drift/ gets the report (md, json, junit, txt),
    the proposed pins and the issue title and body. Latest copies come from the pins' URLs; offline, from a folder or
    file given as `nox -s drift -- --latest DIR` (with $JSM_SPEC_OFFLINE set, from $JSM_SPEC_MIRROR). Layer (c)
    regenerates each flavor's package from both patched documents (the [generate] extra; .cache/api keeps what was
    generated); `-- --no-code` skips it, `-- --observed FILE…` adds deviations seen in real traffic. Exit 1 (findings
    at or above --fail-on) still leaves a complete report.
    """
    import os

    session.install("-e", ".[generate]")
    args = list(session.posargs)
    mirror = os.environ.get("JSM_SPEC_MIRROR")
    if "--latest" not in args and os.environ.get("JSM_SPEC_OFFLINE") and mirror:
        args += ["--latest", mirror]
    session.run("jsm-openapi", "drift", "--all-pins", "--report-dir", "reports/drift", *args, success_codes=[0, 1])


@nox.session(python=PYTHON)
def examples(session: nox.Session) -> None:
    """The examples oracle: every example of the upstream documents (and the seed pages) against the patched
    documents and the generated clients; prints the counts per flavor, fails on any undocumented failure."""
    session.install("-e", ".[generate]")
    _generate(session)
    session.run("jsm-openapi", "examples", *session.posargs)


@nox.session(python=PYTHON)
def mock(session: nox.Session) -> None:
    """Run the stateful mock JSM until Ctrl-C: `nox -s mock -- --flavor cloud --port 8080 [--db FILE] [--fault 429=0.2]`
    (default: the Cloud flavor on port 8080). It prints its base URL and the credentials it accepts."""
    session.install("-e", ".[mock]")
    args = list(session.posargs) or ["--flavor", "cloud", "--port", "8080"]
    session.run("jsm-openapi", "mock", *args)
