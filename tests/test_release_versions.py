"""Versions of the generated packages from their inputs, on copies of the project with the real generator: an overlay
that renames a model moves the major part and the CHANGELOG names the class as breaking, an overlay that only adds
an optional field moves the minor part, unchanged inputs give the same version and byte-identical wheels."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jsm_openapi.drift.rules import Severity
from jsm_openapi.fetch import MirrorIndex
from jsm_openapi.project import Project
from jsm_openapi.release.versions import next_version

pytestmark = pytest.mark.slow

UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv") or "uv"

RENAME = """\
overlay: 1.1.0
info: {title: rename a model, version: '1'}
actions:
  - target: $.components.schemas
    description: a new name for the create-customer body
    update: {CustomerCreateRequest: {}}
  - target: $.components.schemas.CustomerCreateRequest
    description: the same schema under the new name
    copy: $.components.schemas.CustomerCreateDTO
  - target: $.paths['/rest/servicedeskapi/customer'].post.requestBody.content['application/json'].schema
    description: the operation takes the renamed schema
    update: {$ref: '#/components/schemas/CustomerCreateRequest'}
  - target: $.components.schemas.CustomerCreateDTO
    description: the old name goes
    remove: true
"""

OPTIONAL_FIELD = """\
overlay: 1.1.0
info: {title: an optional field, version: '1'}
actions:
  - target: $.components.schemas.CustomerCreateDTO.properties
    description: a new optional property
    update: {nickname: {type: string, description: How the customer likes to be called.}}
"""


def cli(project: Project, *args: str, mirror: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JSM_OPENAPI_ROOT": str(project.root), "JSM_SPEC_MIRROR": str(mirror)}
    result = subprocess.run(
        [sys.executable, "-m", "jsm_openapi", *args], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def provenance(project: Project) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((project.generated_dir / "jsm-cloud" / "provenance.json").read_text())
    return data


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory, mirror: Path, project_copier: Callable[[Path], Project]) -> Path:
    """A project copy whose cloud package is generated and recorded as the last release."""
    project = project_copier(tmp_path_factory.mktemp("released") / "p")
    cli(project, "generate", "--flavor", "cloud", mirror=mirror)
    cli(project, "release", "record", "--flavor", "cloud", mirror=mirror)
    again = cli(project, "generate", "--flavor", "cloud", mirror=mirror)
    assert provenance(project)["release"]["bump"] == "same", again.stdout
    return project.root


@pytest.fixture
def project(released: Path, tmp_path: Path) -> Project:
    root = tmp_path / "p"
    shutil.copytree(released, root, symlinks=True)
    return Project(root)


def test_next_version_moves_one_part() -> None:
    assert next_version("1.4.2", "major") == "2.0.0"
    assert next_version("1.4.2", "minor") == "1.5.0"
    assert next_version("1.4.2", "patch") == "1.4.3"


def test_a_renamed_model_moves_the_major_part_and_the_changelog_names_it(project: Project, mirror: Path) -> None:
    before = provenance(project)["version"]
    (project.overlays_dir / "cloud" / "999-rename.yaml").write_text(RENAME)
    cli(project, "generate", "--flavor", "cloud", mirror=mirror)
    after = provenance(project)
    assert after["version"] == next_version(before, "major")
    assert after["release"]["bump"] == "major" and after["release"]["previous"] == before
    package = project.generated_dir / "jsm-cloud"
    assert f'version = "{after["version"]}"' in (package / "pyproject.toml").read_text()
    assert f'__version__ = "{after["version"]}"' in (package / "jsm_cloud" / "_version.py").read_text()
    changelog = (package / "CHANGELOG.md").read_text()
    entry = changelog.split(f"## {after['version']}\n", 1)[1].split("\n## ", 1)[0]
    breaking = entry.split("Breaking:\n\n", 1)[1].split("\n\n", 1)[0]
    assert (
        "renamed class `jsm_cloud.models.customer_create_dto.CustomerCreateDTO` → "
        "`jsm_cloud.models.customer_create_request.CustomerCreateRequest`" in breaking
    )
    assert "overlays added: `overlays/cloud/999-rename.yaml`" in entry
    # the parameters typed with the class only follow the rename: not listed again
    assert "create_customer.sync(body)" not in entry


def test_an_optional_field_moves_the_minor_part(project: Project, mirror: Path) -> None:
    before = provenance(project)["version"]
    (project.overlays_dir / "cloud" / "999-optional.yaml").write_text(OPTIONAL_FIELD)
    cli(project, "generate", "--flavor", "cloud", mirror=mirror)
    after = provenance(project)
    assert after["version"] == next_version(before, "minor")
    changelog = (project.generated_dir / "jsm-cloud" / "CHANGELOG.md").read_text()
    assert "### Python API: 0 breaking, 1 non-breaking" in changelog
    assert "added field `jsm_cloud.models.customer_create_dto.CustomerCreateDTO.nickname`: `str | Unset = UNSET`" in (
        changelog
    )


def test_an_input_change_without_an_api_change_moves_the_patch_part(project: Project, mirror: Path) -> None:
    before = provenance(project)["version"]
    path = project.overlays_dir / "cloud" / "010-create-customer.yaml"
    path.write_text(path.read_text().replace('title: "Cloud: create customer', 'title: "Cloud: create a customer'))
    cli(project, "generate", "--flavor", "cloud", mirror=mirror)
    assert provenance(project)["version"] == next_version(before, "patch")
    changelog = (project.generated_dir / "jsm-cloud" / "CHANGELOG.md").read_text()
    assert "overlays changed: `overlays/cloud/010-create-customer.yaml`" in changelog


def test_unchanged_inputs_give_the_same_version_and_byte_identical_wheels(
    released: Path, tmp_path: Path, mirror: Path, project_copier: Callable[[Path], Project]
) -> None:
    one = Project(released)
    two = project_copier(tmp_path / "elsewhere" / "two")
    shutil.rmtree(two.generated_dir / "releases")
    shutil.copytree(one.generated_dir / "releases", two.generated_dir / "releases")  # the same ledger
    cli(two, "generate", "--flavor", "cloud", mirror=mirror)
    assert provenance(two)["version"] == provenance(one)["version"]
    assert provenance(two)["release"]["bump"] == "same"
    wheels = []
    for project in (one, two):
        out = tmp_path / f"wheel-{len(wheels)}"
        epoch = str(provenance(project)["release"]["source_date_epoch"])
        subprocess.run(
            [
                UV,
                "build",
                "--quiet",
                "--wheel",
                "--sdist",
                "--out-dir",
                str(out),
                str(project.generated_dir / "jsm-cloud"),
            ],
            check=True,
            env={**os.environ, "SOURCE_DATE_EPOCH": epoch},
        )
        wheels.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert wheels[0] == wheels[1]
    assert any(name.endswith(".whl") for name in wheels[0]) and any(name.endswith(".tar.gz") for name in wheels[0])


# --- the changelog's document drift, the API diff's inputs --------------------------------------------------------


def test_a_repinned_document_gets_drifts_summary_beside_the_api_diff(
    repo: Project, sources: Any, mirror: Path, tmp_path: Path
) -> None:
    import hashlib

    from jsm_openapi.fetch import Fetcher
    from jsm_openapi.release.changelog import inputs_section
    from jsm_openapi.release.versions import Ledger

    older = mirror / "jsm-cloud" / "jsm-cloud-2024-09-28.json"
    flavor = sources.flavor("cloud")
    ledger = Ledger(
        version="1.0.0",
        stamp="0" * 64,
        inputs={
            "documents": [
                {"name": "jsm-cloud", "sha256": hashlib.sha256(older.read_bytes()).hexdigest(), "version": "older"}
            ],
            "overlays": {},
        },
        api="",
        history="",
    )
    stamp = {"overlays": {"overlays/cloud/010-create-customer.yaml": "x"}, "documents": []}
    lines = inputs_section(flavor, ledger, stamp, Fetcher(tmp_path / "cache", mirror=mirror, offline=True))
    [document] = [line for line in lines if line.startswith("- jsm-cloud: older")]
    # drift's own raw layer (a), counted as `jsm-openapi drift OLD NEW` counts it (schema 2: layers)
    from jsm_openapi.drift.run import compare_sources

    pinned = MirrorIndex(mirror).lookup(flavor.documents[0].sha256)
    assert pinned is not None
    raw = compare_sources(str(older), str(pinned)).raw
    counts = raw.counts()
    expected = (
        f"what Atlassian changed: {counts[Severity.BREAKING]} breaking · {counts[Severity.POTENTIAL]} potentially "
        f"breaking · {counts[Severity.NON_BREAKING]} non-breaking; "
        f"{counts[Severity.INFO]} documentation/metadata edit(s)"
    )
    assert expected in document, document
    assert counts[Severity.NON_BREAKING] > 0 and counts[Severity.INFO] > 0  # the 2024 → 2025 step adds operations
    assert "operation-added" in document and "OLDER" not in document
    assert "- overlays added: `overlays/cloud/010-create-customer.yaml`" in lines
    (tmp_path / "nothing").mkdir()
    nowhere = Fetcher(tmp_path / "empty", mirror=tmp_path / "nothing", offline=True)
    gone = inputs_section(flavor, ledger, stamp, nowhere)
    assert any("the previous document is not at hand" in line for line in gone)


def test_the_api_diff_compares_a_snapshot_with_a_folder_like_two_folders(repo: Project, tmp_path: Path) -> None:
    from jsm_openapi.release import compare_api
    from jsm_openapi.release.snapshot import render_snapshot

    package = repo.generated_dir / "jsm-cloud"
    copy = tmp_path / "jsm-cloud"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    model = copy / "jsm_cloud" / "models" / "software_info_dto.py"
    model.write_text(model.read_text().replace("    version: str | Unset = UNSET", "    version: int | Unset = UNSET"))
    snapshot = tmp_path / "api.txt"
    snapshot.write_text(render_snapshot(package))
    from_folders, from_snapshot = compare_api(package, copy), compare_api(snapshot, copy)
    assert [c.as_json() for c in from_folders.changes] == [c.as_json() for c in from_snapshot.changes]
    [change] = from_folders.changes
    assert (change.change, change.what, change.breaking) == ("changed", "field", True)
    assert change.path == "jsm_cloud.models.software_info_dto.SoftwareInfoDTO.version"
    assert (change.old, change.new) == ("str | Unset = UNSET", "int | Unset = UNSET")
    assert len(change.fingerprint) == 16 and compare_api(snapshot, copy).changes[0].fingerprint == change.fingerprint
    assert compare_api(package, snapshot).changes == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nothing here\n", "not an API snapshot"),
        ("## package a\n## module b.c\n", "holds one package"),
        ("## package pkg\nclass (:\n", "invalid stub code"),
        ("## package pkg\nclass A:\n    # members: nope\n", "unknown shared members"),
    ],
)
def test_a_broken_snapshot_is_an_input_error_naming_it(tmp_path: Path, text: str, message: str) -> None:
    from jsm_openapi.errors import InputError
    from jsm_openapi.release import compare_api

    bad = tmp_path / "api.txt"
    bad.write_text(text)
    with pytest.raises(InputError, match=message):
        compare_api(bad, bad)


def test_release_diff_command_prints_json_and_fails_on_breaking(repo: Project, tmp_path: Path) -> None:
    from jsm_openapi.release.snapshot import render_snapshot

    package = repo.generated_dir / "jsm-cloud"
    old = tmp_path / "old.txt"
    old.write_text(render_snapshot(package).replace("    display_name: str | Unset = UNSET\n", "", 1))
    command = [sys.executable, "-m", "jsm_openapi", "release", "diff", str(package), str(old), "--format", "json"]
    result = subprocess.run([*command, "--fail-on-breaking"], capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["bump"] == "major" and report["breaking"] >= 1
    assert all(len(c["fingerprint"]) == 16 for c in report["changes"])
    missing = subprocess.run([*command[:-4], str(tmp_path / "nope"), str(old)], capture_output=True, text=True)
    assert missing.returncode == 3 and "no such package folder or API snapshot file" in missing.stderr


@pytest.mark.filterwarnings("ignore")
def test_any_snapshot_text_is_a_diff_or_an_input_error() -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from jsm_openapi.errors import InputError
    from jsm_openapi.release import compare_api

    names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}(\.[a-z_][a-z0-9_]{0,8}){0,2}", fullmatch=True)
    header = st.tuples(st.sampled_from(["package", "module", "members"]), names).map(lambda h: f"## {h[0]} {h[1]}\n")
    lines = st.sampled_from(
        [
            "class A:",
            "    x: int",
            "    x: int = 1",
            "def f(a, /, b=2, *c, d, **e) -> A: ...",
            "@attrs_class",
            "    # members: 0",
            "from .a import B as C",
            "    ...",
            "",
            "\udcff",
            "((",
        ]
    )
    texts = st.lists(st.one_of(header, lines.map(lambda line: line + "\n")), max_size=12).map("".join)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(old=texts, new=texts)
    def check(old: str, new: str) -> None:
        try:
            diff = compare_api(old, new)
        except InputError:
            return
        assert all(len(change.fingerprint) == 16 for change in diff.changes)

    check()
    with pytest.raises(InputError, match="lone surrogate"):
        compare_api('## package p\nx = "\udcff"\n', "## package p\n")


def test_a_rename_followed_by_the_classes_referring_to_it_is_renames_only() -> None:
    """A class renamed with its page (whose field refers to it), and a function whose union return type the
    generator reorders with the new name: two renames, nothing else (layer (c) of drift reads the same diff)."""
    from jsm_openapi.release import compare_api
    from jsm_openapi.release.apidiff import canonical_annotation

    def snapshot(name: str) -> str:
        return (
            f"## package pkg\n## package pkg.models\nfrom .{name.lower()} import {name} as {name}\n"
            f"from .paged_{name.lower()} import Paged{name} as Paged{name}\n"
            f"## module pkg.models.{name.lower()}\nclass {name}:\n    workspace_id: str | Unset = UNSET\n"
            f"## module pkg.models.paged_{name.lower()}\nclass Paged{name}:\n    values: list[{name}] | Unset = UNSET\n"
            f"    start: int | Unset = UNSET\n"
            "## module pkg.api\n"
            f"def sync(*, client: Client) -> ErrorResponse | Paged{name} | None: ...\n"
        )

    diff = compare_api(snapshot("CmdbWorkspace"), snapshot("InsightWorkspace"))
    assert {(c.change, c.old, c.new) for c in diff.changes} == {
        ("renamed", "pkg.models.cmdbworkspace.CmdbWorkspace", "pkg.models.insightworkspace.InsightWorkspace"),
        (
            "renamed",
            "pkg.models.paged_cmdbworkspace.PagedCmdbWorkspace",
            "pkg.models.paged_insightworkspace.PagedInsightWorkspace",
        ),
    }
    assert canonical_annotation("Response[Z | A[D | C, B] | None]") == "Response[A[C | D, B] | None | Z]"
    assert canonical_annotation("Literal['b|a'] | int") == "Literal['b|a'] | int"
