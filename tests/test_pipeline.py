"""The patch step (fetch → merge → overlays) and the CLI around it."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jsm_openapi.errors import ExitCode, InputError
from jsm_openapi.fetch import Fetcher
from jsm_openapi.pipeline import load_flavor_overlays, load_patched, patch_flavor, write_patched
from jsm_openapi.project import Project
from jsm_openapi.sources import load_sources

OVERLAY = """overlay: 1.1.0
info: {{title: t, version: '1'}}
{extends}actions:
  - target: $.info
    description: mark the document
    update: {{x-marked: true}}
"""


def write(project: Project, flavor: str, name: str, text: str) -> None:
    folder = project.overlays_dir / flavor
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def test_extends_must_name_a_document_of_the_flavor(tmp_project: Project) -> None:
    flavor = load_sources(tmp_project.sources_file).flavor("cloud")
    write(tmp_project, "cloud", "000-ok.yaml", OVERLAY.format(extends=f"extends: {flavor.documents[0].url}\n"))
    assert any(o.source == "overlays/cloud/000-ok.yaml" for o in load_flavor_overlays(tmp_project, flavor))
    server_url = load_sources(tmp_project.sources_file).flavor("server").documents[0].url
    write(tmp_project, "cloud", "000-wrong.yaml", OVERLAY.format(extends=f"extends: {server_url}\n"))
    with pytest.raises(InputError, match=r"000-wrong\.yaml: extends .* which is not a document of flavor cloud"):
        load_flavor_overlays(tmp_project, flavor)


def test_shared_overlays_apply_to_both_flavors_before_the_flavors_own(tmp_project: Project) -> None:
    write(tmp_project, "shared", "000-first.yaml", OVERLAY.format(extends=""))
    sources = load_sources(tmp_project.sources_file)
    for name in ("server", "cloud"):
        overlays = load_flavor_overlays(tmp_project, sources.flavor(name))
        assert overlays[0].source == "overlays/shared/000-first.yaml"


def test_patch_writes_the_document_and_a_report_of_every_action(tmp_project: Project) -> None:
    write(tmp_project, "shared", "000-mark.yaml", OVERLAY.format(extends=""))
    flavor = load_sources(tmp_project.sources_file).flavor("cloud")
    result = patch_flavor(tmp_project, flavor, Fetcher(tmp_project.cache_dir))
    path = write_patched(tmp_project, result)
    assert load_patched(tmp_project, "cloud")["info"]["x-marked"] is True
    report = json.loads(path.with_name("cloud.report.json").read_text())
    marked = [a for a in report["actions"] if a["source"] == "overlays/shared/000-mark.yaml"]
    assert marked == [
        {
            "source": "overlays/shared/000-mark.yaml",
            "action": 1,
            "description": "mark the document",
            "target": "$.info",
            "kind": "update",
            "matched": 1,
            "changed": True,
            "locations": ["$['info']"],
        }
    ]
    assert all(a["matched"] >= 1 for a in report["actions"])
    assert report["documents"][0]["sha256"] == flavor.documents[0].sha256


def test_load_patched_says_how_to_make_a_missing_document(tmp_project: Project) -> None:
    with pytest.raises(InputError, match="jsm-openapi patch --flavor server"):
        load_patched(tmp_project, "server")


def run(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JSM_OPENAPI_ROOT": str(project.root)}
    return subprocess.run(
        [sys.executable, "-m", "jsm_openapi", *args], capture_output=True, text=True, env=env, check=False
    )


def test_patch_command_reports_nodes_and_non_strict_mode_lists_misses(tmp_project: Project) -> None:
    write(tmp_project, "cloud", "999-miss.yaml", OVERLAY.replace("$.info", "$.nothing").format(extends=""))
    strict = run(tmp_project, "patch", "--flavor", "cloud")
    assert (
        strict.returncode == ExitCode.OVERLAY
        and "999-miss.yaml: action #1 (mark the document) matched nothing" in strict.stderr
    )
    lenient = run(tmp_project, "patch", "--flavor", "cloud", "--no-strict")
    assert lenient.returncode == 0
    assert "node(s) touched → build/patched/cloud.openapi.json" in lenient.stdout
    assert "0 node(s)  overlays/cloud/999-miss.yaml action #1  mark the document" in lenient.stdout


@pytest.mark.parametrize("command", [[], ["fetch"], ["patch"], ["generate"], ["provenance"]])
def test_every_command_has_help(tmp_project: Project, command: list[str]) -> None:
    result = run(tmp_project, *command, "--help")
    assert result.returncode == 0 and "usage: jsm-openapi" in result.stdout


def test_a_bad_option_is_a_usage_error(tmp_project: Project) -> None:
    result = run(tmp_project, "generate", "--flavor", "mainframe")
    assert result.returncode == ExitCode.USAGE and "mainframe" in result.stderr


def test_outside_a_checkout_the_error_says_where_to_run(tmp_path: object) -> None:
    env = {k: v for k, v in os.environ.items() if k != "JSM_OPENAPI_ROOT"}
    result = subprocess.run(
        [sys.executable, "-m", "jsm_openapi", "fetch"],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(tmp_path),
        check=False,
    )
    assert (
        result.returncode == ExitCode.INPUT and "no openapi/sources.toml" in result.stderr and "hint:" in result.stderr
    )


def test_a_corrupt_patched_document_names_the_file_and_position(tmp_project: Project) -> None:
    path = tmp_project.patched_document("cloud")
    path.parent.mkdir(parents=True)
    path.write_text('{"openapi": "3.0.1",\n  "paths": }')
    with pytest.raises(InputError, match=r"cloud\.openapi\.json: invalid JSON at line 2, column 12") as info:
        load_patched(tmp_project, "cloud")
    assert "jsm-openapi patch --flavor cloud" in (info.value.hint or "")


def test_a_bug_exits_with_the_internal_code_not_the_findings_code(
    tmp_project: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from jsm_openapi import sources
    from jsm_openapi.cli import main

    def broken(*_args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(sources, "load_sources", broken)  # the command imports it when it runs
    monkeypatch.setattr(sys, "argv", ["jsm-openapi", "fetch"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == ExitCode.INTERNAL
    assert "RuntimeError: a bug" in capsys.readouterr().err


def test_an_unwritable_output_path_is_an_input_error_not_a_traceback(tmp_project: Project, tmp_path: Path) -> None:
    mirror = Path(os.environ["JSM_SPEC_MIRROR"])
    old, new = mirror / "jsm-cloud" / "jsm-cloud-2021-03-23.json", mirror / "jsm-cloud" / "jsm-cloud-2021-03-26.json"
    (tmp_path / "a-file").write_text("")
    result = run(tmp_project, "drift", str(old), str(new), "--output", str(tmp_path / "a-file" / "report.md"))
    assert result.returncode == ExitCode.INPUT, result.stderr
    assert "Traceback" not in result.stderr and "a-file" in result.stderr and "hint:" in result.stderr


def test_error_messages_with_brackets_are_printed_verbatim(tmp_project: Project) -> None:
    write(
        tmp_project, "cloud", "999-miss.yaml", OVERLAY.replace("$.info", "$.paths['/[x]/[bold]y']").format(extends="")
    )
    result = run(tmp_project, "patch", "--flavor", "cloud")
    assert result.returncode == ExitCode.OVERLAY
    assert "$.paths['/[x]/[bold]y']" in result.stderr


def test_provenance_names_the_pins_the_installed_packages_came_from(tmp_project: Project) -> None:
    result = run(tmp_project, "provenance")
    assert result.returncode == 0, result.stderr
    sources = load_sources(tmp_project.sources_file)
    for flavor in ("server", "cloud"):
        version = importlib.import_module(f"jsm_{flavor}").__version__
        assert f"jsm_{flavor} {version}: " in result.stdout
        for pin in sources.flavor(flavor).documents:
            assert f"{pin.name} " in result.stdout and pin.sha256[:12] in result.stdout
    assert "openapi-python-client 0.29.1" in result.stdout
