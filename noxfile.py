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


def _generate(session: nox.Session, *args: str) -> None:
    """Regenerate both clients (a no-op when nothing changed) and install them into the session."""
    session.run("jsm-openapi", "generate", *args)
    session.install(*[arg for path in GENERATED for arg in ("-e", path)])


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """The main job: fetch the pinned documents, apply the overlays, regenerate jsm_server and jsm_cloud."""
    session.install("-e", ".[generate]")
    _generate(session, *session.posargs)
    session.run(
        "python",
        "-c",
        "import jsm_cloud, jsm_server\n"
        "for m in (jsm_server, jsm_cloud):\n"
        "    p = m.PROVENANCE\n"
        "    print(f\"import {m.__name__}: {p['operations_generated']} operations, \"\n"
        "          f\"from {', '.join(d['name'] + ' ' + d['sha256'][:12] for d in p['inputs']['documents'])}\")",
    )


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """Wheels of the generated packages (and of jsm-openapi itself) into dist/."""
    session.install("-e", ".[generate]")
    session.run("jsm-openapi", "generate")
    for path in (*GENERATED, "."):
        session.run("uv", "build", "--wheel", "--out-dir", "dist", path, external=True)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit and integration tests (real generator, real documents from the mirror, servers on loopback)."""
    session.install("-e", ".[dev]")
    _generate(session)
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (lint + format check) and mypy on the hand-written code."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
