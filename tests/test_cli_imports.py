"""Each command imports only what it uses (start-up is part of every command's cost; README, "Benchmarks")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from import_probe import DRIFT, HEAVY_THIRD_PARTY, PIPELINE, imported, offending

from jsm_openapi.cli.drift_commands import DEFAULT_FAIL_LAYERS, FAIL_ON_CHOICES, FORMATS
from jsm_openapi.project import Project

COMMANDS = [
    [], ["fetch"], ["patch"], ["generate"], ["provenance"], ["drift"], ["parity"], ["mock"], ["examples"],
    ["overlays"], ["overlays", "status"], ["payloads"], ["release"], ["release", "record"], ["release", "diff"],
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "top")
def test_help_imports_neither_the_pipeline_nor_heavy_libraries(command: list[str], repo: Project) -> None:
    code, modules = imported(*command, "--help", cwd=repo.root)
    assert code == 0
    assert offending(modules, HEAVY_THIRD_PARTY + PIPELINE + DRIFT) == []


def test_version_is_as_light_as_help(repo: Project) -> None:
    code, modules = imported("--version", cwd=repo.root)
    assert code == 0 and offending(modules, HEAVY_THIRD_PARTY + PIPELINE + DRIFT) == []


def test_a_usage_error_imports_nothing_heavy(repo: Project) -> None:
    code, modules = imported("generate", "--flavor", "mainframe", cwd=repo.root)
    assert code == 2 and offending(modules, HEAVY_THIRD_PARTY + PIPELINE + DRIFT) == []


def test_drift_of_two_files_loads_neither_the_overlay_engine_nor_the_generator(mirror: Path, repo: Project) -> None:
    old, new = mirror / "jsm-cloud" / "jsm-cloud-2024-09-28.json", mirror / "jsm-cloud" / "jsm-cloud-2025-09-17.json"
    for fmt in ("text", "markdown", "json", "junit"):
        code, modules = imported("drift", str(old), str(new), "--format", fmt, cwd=repo.root)
        assert code == 0
        assert offending(modules, HEAVY_THIRD_PARTY + PIPELINE) == [], fmt
        assert "jsm_openapi.drift.diff" in modules  # the probe does see what the command uses


def test_drift_of_yaml_documents_loads_yaml_and_still_not_the_pipeline(tmp_path: Path, repo: Project) -> None:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text("openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths: {}\n")
    new.write_text("openapi: 3.0.1\ninfo: {title: t, version: '2'}\npaths: {}\n")
    code, modules = imported("drift", str(old), str(new), cwd=repo.root)
    assert code == 0 and "yaml" in modules
    assert offending(modules, PIPELINE) == []


def test_the_drift_choices_are_the_renderers_and_thresholds() -> None:
    from jsm_openapi.drift.model import DEFAULT_GATE
    from jsm_openapi.drift.render import Format
    from jsm_openapi.drift.rules import FAIL_ON

    assert tuple(f.value for f in Format) == FORMATS
    assert tuple(FAIL_ON) == FAIL_ON_CHOICES
    assert ",".join(DEFAULT_GATE) == DEFAULT_FAIL_LAYERS


def without(module: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`jsm-openapi ARGS` in a fresh interpreter where `module` cannot be imported (as if it were not installed)."""
    code = f"import sys; sys.modules[{module!r}] = None; from jsm_openapi.cli import main; main(sys.argv[1:])"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )


@pytest.mark.parametrize(
    ("module", "args", "extra"),
    [
        ("uvicorn", ["mock", "--flavor", "cloud", "--port", "0"], "mock"),
        ("griffe", ["release", "diff", "generated/jsm-cloud", "generated/releases/jsm-cloud/api.txt"], "generate"),
    ],
    ids=["mock", "release diff"],
)
def test_a_missing_extra_imported_by_a_command_when_it_runs_exits_3_naming_it(
    module: str, args: list[str], extra: str, repo: Project
) -> None:
    """Commands import their optional parts inside main()'s error handling, so each one names its extra."""
    result = without(module, *args, cwd=repo.root)
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: jsm-openapi {args[0]} needs jsm-openapi's [{extra}] extra ({module} is not installed): "
        f"pip install 'jsm-openapi[{extra}]'"
    ]


def test_a_missing_module_of_no_extra_is_a_bug(tmp_path: Path, repo: Project) -> None:
    old = tmp_path / "old.yaml"
    old.write_text("openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths: {}\n")
    result = without("yaml", "drift", str(old), str(old), cwd=repo.root)
    assert result.returncode == 70 and "internal error in jsm-openapi (a bug)" in result.stderr


def test_the_probe_sees_heavy_imports(repo: Project) -> None:
    """The guard can fail: the overlay status command does load the overlay engine and its libraries."""
    env = {"JSM_SPEC_MIRROR": os.environ.get("JSM_SPEC_MIRROR", str(repo.root.parent / "shared" / "upstream"))}
    code, modules = imported("overlays", "status", "--flavor", "cloud", "--json", cwd=repo.root, env=env)
    assert code in (0, 1)
    assert {"jsm_openapi.overlay", "jsonschema", "jsonpath_rfc9535"} <= modules
