"""Generation with the real generator on the real documents: packages, provenance, reproducibility, failures."""

from __future__ import annotations

import functools
import http.server
import importlib
import shutil
import subprocess
import sys
import threading
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from jsm_openapi.errors import ExitCode
from jsm_openapi.generate import output_dir, read_provenance, tree_digest
from jsm_openapi.project import Project
from jsm_openapi.sources import Sources, load_sources

pytestmark = pytest.mark.slow


def cli(project: Project, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    environment = {**os.environ, "JSM_OPENAPI_ROOT": str(project.root), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "jsm_openapi", *args], capture_output=True, text=True, env=environment, check=False
    )


def body_fields(package: str, method: str, path: str) -> set[str]:
    """Field names of the generated request-body model of one operation, found by (method, path)."""
    operations = importlib.import_module(f"{package}._operations").OPERATIONS
    [operation] = [o for o in operations if o["method"] == method and o["path"] == path]
    module = importlib.import_module(f"{package}.{operation['module']}")
    body = typing.get_type_hints(module._get_kwargs)["body"]
    return {field.name for field in attrs.fields(body)}


def files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


# --- the packages the main job produces ---------------------------------------------------------------------------


def test_both_packages_import_with_provenance_from_the_pins(repo: Project, sources: Sources) -> None:
    for flavor in ("server", "cloud"):
        package = importlib.import_module(f"jsm_{flavor}")
        provenance = package.PROVENANCE
        pins = {d["name"]: d["sha256"] for d in provenance["inputs"]["documents"]}
        assert pins == {p.name: p.sha256 for p in sources.flavor(flavor).documents}
        assert provenance["inputs"]["toolchain"]["openapi-python-client"] == "0.29.1"
        assert provenance["operations_generated"] == len(
            importlib.import_module(f"jsm_{flavor}._operations").OPERATIONS
        )
        lost = {w["key"] for w in provenance["accepted_warnings"] if w["kind"] in {"endpoint skipped", "endpoint lost"}}
        assert provenance["operations_generated"] + len(lost) == provenance["operations_in_document"]


def test_create_customer_bodies_differ_per_flavor() -> None:
    assert {"email", "display_name"} <= body_fields("jsm_cloud", "POST", "/rest/servicedeskapi/customer")
    server = body_fields("jsm_server", "POST", "/servicedeskapi/customer")
    assert {"email", "full_name"} <= server and "display_name" not in server


def test_the_server_package_has_platform_and_assets_operations() -> None:
    operations = importlib.import_module("jsm_server._operations").OPERATIONS
    prefixes = {o["path"].split("/")[1] for o in operations}
    assert {"servicedeskapi", "api", "agile", "assets"} <= prefixes
    assert any(o["path"] == "/api/2/myself" for o in operations)
    assert any(o["path"].startswith("/assets/1.0/objectschema") for o in operations)


# --- reproducibility and the no-op ----------------------------------------------------------------------------------


def test_generation_is_byte_identical_across_runs_and_places(
    tmp_path: Path, mirror: Path, project_copier: Callable[[Path], Project]
) -> None:
    one, two = project_copier(tmp_path / "one"), project_copier(tmp_path / "elsewhere" / "two")
    env = {"JSM_SPEC_MIRROR": str(mirror)}
    for project in (one, two):
        run = cli(project, "generate", env=env)
        assert run.returncode == 0, run.stderr
        assert "cloud: generated" in run.stdout and "server: generated" in run.stdout
    for flavor in ("server", "cloud"):
        flavor_dir = f"jsm-{flavor}"
        assert files(one.generated_dir / flavor_dir) == files(two.generated_dir / flavor_dir)
    again = cli(one, "generate", env=env)
    assert again.returncode == 0
    assert "server: unchanged" in again.stdout and "cloud: unchanged" in again.stdout
    before = files(one.generated_dir / "jsm-cloud")
    forced = cli(one, "generate", "--flavor", "cloud", "--force", env=env)
    assert "cloud: generated" in forced.stdout
    assert files(one.generated_dir / "jsm-cloud") == before


def test_a_hand_edit_to_the_package_is_noticed_and_undone(
    tmp_path: Path, mirror: Path, project_copier: Callable[[Path], Project]
) -> None:
    project = project_copier(tmp_path / "p")
    env = {"JSM_SPEC_MIRROR": str(mirror)}
    assert cli(project, "generate", "--flavor", "cloud", env=env).returncode == 0
    client = project.generated_dir / "jsm-cloud" / "jsm_cloud" / "client.py"
    pristine = client.read_bytes()
    client.write_bytes(pristine + b"# edited by hand\n")
    run = cli(project, "generate", "--flavor", "cloud", env=env)
    assert "cloud: generated" in run.stdout
    assert client.read_bytes() == pristine


# --- failures leave the previous packages untouched -----------------------------------------------------------------


@pytest.fixture(scope="module")
def generated_cloud(
    tmp_path_factory: pytest.TempPathFactory, mirror: Path, project_copier: Callable[[Path], Project]
) -> Path:
    """A project copy with a generated cloud package, copied afresh for each failure test."""
    project = project_copier(tmp_path_factory.mktemp("base") / "p")
    run = cli(project, "generate", "--flavor", "cloud", env={"JSM_SPEC_MIRROR": str(mirror)})
    assert run.returncode == 0, run.stderr
    return project.root


@pytest.fixture
def cloud_project(generated_cloud: Path, tmp_path: Path) -> Iterator[Project]:
    root = tmp_path / "p"
    shutil.copytree(generated_cloud, root)
    yield Project(root)


def test_a_no_op_generate_loads_neither_the_overlay_engine_nor_the_generator(
    cloud_project: Project, mirror: Path
) -> None:
    from import_probe import HEAVY_THIRD_PARTY, imported, offending

    env = {"JSM_OPENAPI_ROOT": str(cloud_project.root), "JSM_SPEC_MIRROR": str(mirror)}
    code, modules = imported("generate", "--flavor", "cloud", env=env)
    assert code == 0 and "jsm_openapi.generate" in modules
    heavy = (*HEAVY_THIRD_PARTY, "jsm_openapi.pipeline", "jsm_openapi.overlay", "jsm_openapi.drift")
    assert offending(modules, heavy) == []


def snapshot(project: Project) -> tuple[str, dict[str, Any] | None, bytes]:
    flavor = load_sources(project.sources_file).flavor("cloud")
    return (
        tree_digest(output_dir(project, flavor)),
        read_provenance(project, flavor),
        project.patched_document("cloud").read_bytes(),
    )


def write_overlay(project: Project, name: str, text: str) -> Path:
    path = project.overlays_dir / "cloud" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_an_overlay_target_that_matches_nothing_fails_and_keeps_the_package(
    cloud_project: Project, mirror: Path
) -> None:
    before = snapshot(cloud_project)
    write_overlay(
        cloud_project,
        "999-stale.yaml",
        "overlay: 1.1.0\ninfo: {title: stale, version: '1'}\nactions:\n"
        "  - target: $.paths['/rest/servicedeskapi/gone'].get\n"
        "    description: Fix a gap on an operation that no longer exists\n"
        "    update: {summary: x}\n",
    )
    run = cli(cloud_project, "generate", "--flavor", "cloud", env={"JSM_SPEC_MIRROR": str(mirror)})
    assert run.returncode == ExitCode.OVERLAY
    assert (
        "overlays/cloud/999-stale.yaml: action #1 (Fix a gap on an operation that no longer exists) matched nothing"
        in run.stderr
    )
    assert "$.paths['/rest/servicedeskapi/gone'].get" in run.stderr
    assert snapshot(cloud_project) == before


def test_a_failure_before_the_generator_runs_leaves_no_generator_process(
    cloud_project: Project, mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The generator is started ahead of its input; a failed patch step must stop it, not leave it waiting."""
    from jsm_openapi import generate
    from jsm_openapi.errors import OverlayError
    from jsm_openapi.fetch import Fetcher

    started: list[generate.GeneratorProcess] = []

    class Recorded(generate.GeneratorProcess):
        def __init__(self, cwd: Path) -> None:
            super().__init__(cwd)
            started.append(self)

    monkeypatch.setattr(generate, "GeneratorProcess", Recorded)
    monkeypatch.setenv("JSM_SPEC_MIRROR", str(mirror))
    write_overlay(
        cloud_project,
        "999-stale.yaml",
        "overlay: 1.1.0\ninfo: {title: stale, version: '1'}\nactions:\n"
        "  - target: $.nothing\n    description: matches nothing\n    update: {summary: x}\n",
    )
    flavor = load_sources(cloud_project.sources_file).flavor("cloud")
    with pytest.raises(OverlayError):
        generate.generate_flavor(cloud_project, flavor, Fetcher(cloud_project.cache_dir), force=True)
    [process] = started
    assert process._process.returncode is not None  # stopped and reaped


def test_a_malformed_overlay_fails_naming_file_and_line(cloud_project: Project, mirror: Path) -> None:
    before = snapshot(cloud_project)
    write_overlay(
        cloud_project, "999-broken.yaml", "overlay: 1.1.0\ninfo: {title: b, version: '1'}\nactions:\n  - target: [\n"
    )
    run = cli(cloud_project, "generate", "--flavor", "cloud", env={"JSM_SPEC_MIRROR": str(mirror)})
    assert run.returncode == ExitCode.INPUT
    assert "overlays/cloud/999-broken.yaml: invalid YAML at line" in run.stderr
    assert snapshot(cloud_project) == before


def test_an_invalid_overlay_document_fails_with_its_problems(cloud_project: Project, mirror: Path) -> None:
    write_overlay(
        cloud_project,
        "999-invalid.yaml",
        "overlay: 3.0.0\ninfo: {title: b, version: '1'}\nactions:\n  - target: $.info\n    update: {}\n",
    )
    run = cli(cloud_project, "generate", "--flavor", "cloud", env={"JSM_SPEC_MIRROR": str(mirror)})
    assert run.returncode == ExitCode.INPUT
    assert "999-invalid.yaml: not a valid overlay document" in run.stderr and "use 1.1.0" in run.stderr


def test_a_generator_warning_not_accepted_fails_and_keeps_the_package(cloud_project: Project, mirror: Path) -> None:
    before = snapshot(cloud_project)
    write_overlay(
        cloud_project,
        "999-plain.yaml",
        "overlay: 1.1.0\ninfo: {title: plain, version: '1'}\nactions:\n"
        "  - target: $.paths['/rest/servicedeskapi/customer'].post\n    description: make the body unsupported\n"
        "    remove: true\n"
        "  - target: $.paths['/rest/servicedeskapi/customer']\n    update:\n      post:\n        operationId: plain\n"
        "        requestBody: {content: {text/plain: {schema: {type: string}}}}\n"
        "        responses: {'204': {description: ok}}\n",
    )
    run = cli(cloud_project, "generate", "--flavor", "cloud", env={"JSM_SPEC_MIRROR": str(mirror)})
    assert run.returncode == ExitCode.GENERATE, run.stdout + run.stderr
    assert "POST /rest/servicedeskapi/customer" in run.stderr and "accepted-skips.toml" in run.stderr
    assert snapshot(cloud_project) == before
    assert not list(cloud_project.generated_dir.glob(".staging-*"))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_sha256_mismatch_fails_naming_both_hashes_and_keeps_the_package(
    cloud_project: Project, mirror: Path, tmp_path: Path
) -> None:
    """Atlassian changed the document: the URL now serves other bytes than the pin."""
    before = snapshot(cloud_project)
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(mirror / "jsm-cloud" / "jsm-cloud-2024-09-28.json", served / "swagger.v3.json")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(served)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sources = cloud_project.sources_file
        sources.write_text(
            sources.read_text().replace(
                "https://dac-static.atlassian.com/cloud/jira/service-desk/swagger.v3.json",
                f"http://127.0.0.1:{server.server_address[1]}/swagger.v3.json",
            )
        )
        shutil.rmtree(cloud_project.cache_dir)
        empty = tmp_path / "empty-mirror"
        empty.mkdir()
        run = cli(cloud_project, "generate", "--flavor", "cloud", "--force", env={"JSM_SPEC_MIRROR": str(empty)})
    finally:
        server.shutdown()
    assert run.returncode == ExitCode.INTEGRITY, run.stderr
    assert "sha256 mismatch" in run.stderr
    assert "expected 6c4ac90e818c143ec31c218c5e3ec6e9fa2d0ebda6f463cdc00bc1b785ff862a" in run.stderr
    assert "found    321ecc15da0ab2666e0b2670f056b476a5b0065b30d08444a98feea43a2273bb" in run.stderr
    assert "jsm-openapi drift --pin jsm-cloud" in run.stderr
    assert snapshot(cloud_project) == before


def test_no_mirror_and_no_network_says_how_to_set_a_mirror(cloud_project: Project, tmp_path: Path) -> None:
    shutil.rmtree(cloud_project.cache_dir)
    sources = cloud_project.sources_file
    sources.write_text(sources.read_text().replace("https://dac-static.atlassian.com", "http://127.0.0.1:9"))
    run = cli(cloud_project, "fetch", "--flavor", "cloud", env={"JSM_SPEC_MIRROR": ""})
    assert run.returncode == ExitCode.FETCH
    assert "no mirror is set" in run.stderr and "export JSM_SPEC_MIRROR=" in run.stderr


# --- a killed run and concurrent runs -------------------------------------------------------------------------------


def importable(project: Project) -> str:
    """What `import jsm_cloud` says from the package folder (its PROVENANCE flavor), or the error."""
    import os

    env = {**os.environ, "PYTHONPATH": str(project.generated_dir / "jsm-cloud")}
    probe = [sys.executable, "-c", "import jsm_cloud; print(jsm_cloud.PROVENANCE['flavor'])"]
    done = subprocess.run(probe, capture_output=True, text=True, env=env, cwd=project.root, check=False)
    return done.stdout.strip() or done.stderr.strip()[-300:]


def leftovers(project: Project) -> list[str]:
    return sorted(p.name for p in project.generated_dir.glob(".*") if not p.name.endswith(".lock"))


@pytest.mark.parametrize("how", ["kill -9", "left over by hand"])
def test_killed_between_the_two_renames_the_next_run_restores_the_package_first(
    cloud_project: Project, mirror: Path, how: str
) -> None:
    """The two-rename swap (where the system cannot exchange atomically) has a window: kill -9 in it leaves only
    .previous-jsm-cloud. The next run puts the package back before anything else, even when it then fails."""
    before = snapshot(cloud_project)
    if how == "kill -9":
        env = {"JSM_SPEC_MIRROR": str(mirror), "JSM_OPENAPI_CRASH_AT": "between-renames"}
        killed = cli(cloud_project, "generate", "--flavor", "cloud", "--force", env=env)
        assert killed.returncode == -9, killed.stderr
    else:
        (cloud_project.generated_dir / "jsm-cloud").rename(cloud_project.generated_dir / ".previous-jsm-cloud")
    assert not (cloud_project.generated_dir / "jsm-cloud").exists()
    assert (cloud_project.generated_dir / ".previous-jsm-cloud").is_dir()
    broken = write_overlay(cloud_project, "999-broken.yaml", "overlay: [\n")
    failed = cli(cloud_project, "generate", "--flavor", "cloud", env={"JSM_SPEC_MIRROR": str(mirror)})
    assert failed.returncode == ExitCode.INPUT, failed.stderr
    assert "restored the package a killed `generate` left as .previous-jsm-cloud" in failed.stderr
    assert importable(cloud_project) == "cloud"
    assert snapshot(cloud_project)[:2] == before[:2]
    broken.unlink()
    again = cli(cloud_project, "generate", "--flavor", "cloud", env={"JSM_SPEC_MIRROR": str(mirror)})
    assert "cloud: unchanged" in again.stdout, again.stderr  # the restored package is the current one
    assert leftovers(cloud_project) == []


def test_killed_right_after_the_swap_the_package_is_complete(cloud_project: Project, mirror: Path) -> None:
    """The swap itself is one atomic exchange: whenever the process dies, jsm-cloud is a whole package."""
    before = snapshot(cloud_project)
    env = {"JSM_SPEC_MIRROR": str(mirror), "JSM_OPENAPI_CRASH_AT": "after-exchange"}
    killed = cli(cloud_project, "generate", "--flavor", "cloud", "--force", env=env)
    assert killed.returncode == -9, killed.stderr
    assert importable(cloud_project) == "cloud"
    assert tree_digest(cloud_project.generated_dir / "jsm-cloud") == before[0]  # the new tree, whole
    assert leftovers(cloud_project) == [".staging-cloud"]  # the old tree, not yet deleted
    again = cli(cloud_project, "generate", "--flavor", "cloud", env={"JSM_SPEC_MIRROR": str(mirror)})
    assert again.returncode == 0, again.stderr
    assert leftovers(cloud_project) == []


def test_concurrent_runs_take_turns_and_both_succeed(cloud_project: Project, mirror: Path) -> None:
    import os

    env = {**os.environ, "JSM_OPENAPI_ROOT": str(cloud_project.root), "JSM_SPEC_MIRROR": str(mirror)}
    command = [sys.executable, "-m", "jsm_openapi", "generate", "--flavor", "cloud", "--force"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in "ab"]
    results = [(run.wait(timeout=300), *run.communicate()) for run in runs]
    assert [code for code, _, _ in results] == [0, 0], results
    assert all("cloud: generated" in out for _, out, _ in results)
    assert any("another `jsm-openapi generate` is writing jsm-cloud" in err for _, _, err in results)
    assert importable(cloud_project) == "cloud"
    provenance = read_provenance(cloud_project, load_sources(cloud_project.sources_file).flavor("cloud"))
    assert provenance and tree_digest(cloud_project.generated_dir / "jsm-cloud") == provenance["tree_sha256"]
    assert leftovers(cloud_project) == []


def test_a_run_that_cannot_get_the_lock_in_time_says_who_holds_it(cloud_project: Project, mirror: Path) -> None:
    from filelock import FileLock

    from jsm_openapi.package_swap import lock_file

    held = FileLock(lock_file(cloud_project.generated_dir / "jsm-cloud"))
    with held:
        env = {"JSM_SPEC_MIRROR": str(mirror), "JSM_OPENAPI_LOCK_TIMEOUT": "0.5"}
        run = cli(cloud_project, "generate", "--flavor", "cloud", env=env)
    assert run.returncode == ExitCode.INPUT, run.stderr
    assert "another `jsm-openapi generate` still holds" in run.stderr and ".generate-jsm-cloud.lock" in run.stderr
    assert importable(cloud_project) == "cloud"


def test_a_hostile_allowlist_is_an_input_error(tmp_path: Path, project_copier: Callable[[Path], Project]) -> None:
    from jsm_openapi.errors import InputError
    from jsm_openapi.generate import load_allowlist

    project = project_copier(tmp_path / "p")
    (project.generated_dir / "accepted-skips.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(InputError, match=r"accepted-skips\.toml: invalid TOML: nested too deeply"):
        load_allowlist(project, "cloud")
    (project.generated_dir / "accepted-skips.toml").write_bytes(b"x = '\xff'\n")
    with pytest.raises(InputError, match="not UTF-8 text"):
        load_allowlist(project, "cloud")
