"""The release test: the four distributions built, checked, installed from the built files only into fresh
virtualenvs, used there (the tour against the installed mock, mypy --strict on a consumer), published to a real
package index on loopback (pypiserver) and installed from it by name, as a downstream project does.

`nox -s release` runs this on dist/ (JSM_RELEASE_DIST); `nox -s tests` builds into a temporary folder first.
With JSM_RELEASE_SERVE=1 (`nox -s release -- --serve`) the index stays up at the end until Ctrl-C.
"""

from __future__ import annotations

import contextlib
import email.parser
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from jsm_openapi.project import Project

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv") or "uv"
DISTRIBUTIONS = ("generated/jsm-server", "generated/jsm-cloud", "facade", ".")
OURS = {"jsm-client", "jsm-cloud", "jsm-server", "jsm-openapi"}


def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: int = 600) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, env={**clean, **(env or {})}, timeout=timeout
    )
    assert result.returncode == 0, f"{args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result.stdout


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built files: $JSM_RELEASE_DIST (nox -s release), else wheels and sdists built now from the checkout."""
    given = os.environ.get("JSM_RELEASE_DIST")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("dist")
    for path in DISTRIBUTIONS:
        provenance = REPO / path / "provenance.json"
        epoch = json.loads(provenance.read_text())["release"]["source_date_epoch"] if provenance.is_file() else 0
        env = {"SOURCE_DATE_EPOCH": str(epoch or 315532800)}
        run(UV, "build", "--quiet", "--wheel", "--sdist", "--out-dir", out, REPO / path, env=env)
    return out


def wheel(dist: Path, name: str) -> Path:
    [found] = dist.glob(f"{name.replace('-', '_')}-*.whl")
    return found


def metadata(path: Path) -> email.message.Message:
    with zipfile.ZipFile(path) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(name).decode())


def requirements(path: Path) -> dict[str | None, set[str]]:
    """Requirement names of a wheel by extra (None: the base dependencies)."""
    found: dict[str | None, set[str]] = {}
    for line in metadata(path).get_all("Requires-Dist") or []:
        requirement, _, marker = line.partition(";")
        name = canonical(re.split(r"[\s\[<>=!~(]", requirement.strip(), maxsplit=1)[0])
        extra = re.search(r"extra\s*==\s*['\"]([\w-]+)['\"]", marker)
        found.setdefault(extra.group(1) if extra else None, set()).add(name)
    return found


def direct(dist: Path, name: str, extras: str = "") -> str:
    """A PEP 508 direct reference to a built wheel: the package comes from the file, nothing else."""
    return f"{name}{extras} @ {wheel(dist, name).as_uri()}"


# --- the built files ------------------------------------------------------------------------------------------------


def test_each_distribution_declares_exactly_what_its_users_need(dist: Path) -> None:
    for generated in ("jsm-cloud", "jsm-server"):
        assert requirements(wheel(dist, generated)) == {None: {"httpx", "attrs"}}
    facade = requirements(wheel(dist, "jsm-client"))
    assert facade == {
        None: {"httpx", "attrs", "stamina"},
        "cloud": {"jsm-cloud"},
        "server": {"jsm-server"},
        "all": {"jsm-cloud", "jsm-server"},
        "validate": {"jsonschema-rs"},  # response validation (issue 13), kept out of the base install
    }
    toolchain = requirements(wheel(dist, "jsm-openapi"))
    assert not {"starlette", "uvicorn", "openapi-python-client", "griffe", "schemathesis"} & toolchain[None]
    assert {"starlette", "uvicorn"} <= toolchain["mock"] and "schemathesis" in toolchain["contract"]
    assert {"openapi-python-client", "ruff", "griffe"} <= toolchain["generate"]
    for name, package in (("jsm-cloud", "jsm_cloud"), ("jsm-server", "jsm_server"), ("jsm-client", "jsm")):
        with zipfile.ZipFile(wheel(dist, name)) as archive:
            assert f"{package}/py.typed" in archive.namelist(), f"{name} does not ship py.typed"
    assert len(list(dist.glob("*.tar.gz"))) == 4


def test_generated_versions_agree_with_provenance_and_the_changelog(dist: Path, repo: Project) -> None:
    for flavor in ("cloud", "server"):
        provenance = json.loads((repo.generated_dir / f"jsm-{flavor}" / "provenance.json").read_text())
        version = metadata(wheel(dist, f"jsm-{flavor}"))["Version"]
        assert version == provenance["version"] == provenance["release"]["version"]
        changelog = (repo.generated_dir / f"jsm-{flavor}" / "CHANGELOG.md").read_text()
        assert f"\n## {version}\n" in changelog
        with zipfile.ZipFile(wheel(dist, f"jsm-{flavor}")) as archive:
            assert f'__version__ = "{version}"' in archive.read(f"jsm_{flavor}/_version.py").decode()
        assert f"# Changelog of jsm-{flavor}" in metadata(wheel(dist, f"jsm-{flavor}")).get_payload()


def test_twine_accepts_the_metadata(dist: Path) -> None:
    files = sorted(str(p) for p in dist.iterdir() if p.suffix in {".whl", ".gz"})
    output = run(sys.executable, "-m", "twine", "check", "--strict", *files)
    assert output.count("PASSED") == len(files) == 8


# --- installed from the files ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with jsm-openapi alone first (checked), then jsm-openapi[mock] and jsm-client[all]."""
    home = tmp_path_factory.mktemp("installed")
    run(UV, "venv", "--quiet", "--python", sys.executable, home / "venv")
    python = home / "venv" / "bin" / "python"
    run(UV, "pip", "install", "--quiet", "--python", python, direct(dist, "jsm-openapi"))
    return python


def test_a_command_whose_extra_is_missing_exits_3_naming_it(installed: Path) -> None:
    cli = installed.parent / "jsm-openapi"
    result = subprocess.run(
        [cli, "mock", "--flavor", "cloud", "--port", "0"],
        capture_output=True,
        text=True,
        cwd=installed.parent,
        timeout=120,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: jsm-openapi mock needs jsm-openapi's [mock] extra (uvicorn is not installed): "
        "pip install 'jsm-openapi[mock]'"
    ]


@pytest.fixture(scope="module")
def with_mock(installed: Path, dist: Path) -> Path:
    wheels = [direct(dist, "jsm-openapi", "[mock]"), direct(dist, "jsm-client", "[all]")]
    wheels += [direct(dist, "jsm-cloud"), direct(dist, "jsm-server")]
    run(UV, "pip", "install", "--quiet", "--python", installed, *wheels, "mypy>=1.15")
    return installed


def test_the_installed_packages_come_from_the_files_not_the_checkout(with_mock: Path, tmp_path: Path) -> None:
    code = (
        "import jsm, jsm_cloud, jsm_server, jsm_openapi, sys; print(jsm.__file__, jsm_cloud.__file__, "
        "jsm_server.__file__, jsm_openapi.__file__, sys.path)"
    )
    output = run(with_mock, "-c", code, cwd=tmp_path)
    assert str(REPO) not in output.replace(str(with_mock.parent.parent), "")
    version = run(with_mock, "-c", "import jsm_cloud; print(jsm_cloud.__version__)", cwd=tmp_path).strip()
    assert version == json.loads((REPO / "generated/jsm-cloud/provenance.json").read_text())["version"]


@pytest.mark.parametrize("flavor", ["cloud", "server"])
def test_the_tour_passes_against_the_installed_mock(with_mock: Path, tmp_path: Path, flavor: str) -> None:
    script = shutil.copy(REPO / "examples" / "service_desk_tour.py", tmp_path / "tour.py")
    output = run(with_mock, script, "--mock", flavor, "--email", "grace@example.com", cwd=tmp_path, timeout=300)
    assert_toured(output)


def assert_toured(output: str) -> None:
    """What the tour prints after doing its calls: the new customer among the desk's, a request, the attachment."""
    assert "customer:  grace@example.com (Grace Hopper)" in output, output
    assert re.search(r"customers of the desk: .*grace@example\.com", output), output
    assert re.search(r"request:   [A-Z]+-\d+", output), output
    assert "attached:  ['printer-log.txt']" in output, output


CONSUMER = '''\
"""A downstream project's code: typed against the installed packages only."""

import jsm
import jsm_cloud
from jsm_cloud.models import CustomerCreateDTO
from jsm_cloud.types import UNSET


def customer_names(client: jsm.Client, desk_id: int) -> list[str]:
    names: list[str] = []
    for customer in client.customers.list(desk_id, page_size=50):
        if isinstance(customer.display_name, str):
            names.append(customer.display_name)
    return names


def new_customer(email: str) -> CustomerCreateDTO:
    body = CustomerCreateDTO(email=email, display_name="Ann")
    assert body.full_name is UNSET
    return body


VERSION: str = jsm_cloud.__version__
'''


def test_a_consumer_type_checks_with_mypy_strict(with_mock: Path, tmp_path: Path) -> None:
    (tmp_path / "consumer.py").write_text(CONSUMER)
    output = run(with_mock, "-m", "mypy", "--strict", "--no-incremental", "consumer.py", cwd=tmp_path)
    assert "Success: no issues found in 1 source file" in output


# --- a real index on loopback ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[str], seconds: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited: {process.stdout.read() if process.stdout else ''}"
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {seconds}s")


@pytest.fixture(scope="module")
def index(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """pypiserver on loopback: our built files uploaded with twine, their dependencies mirrored beside them."""
    home = tmp_path_factory.mktemp("index")
    packages = home / "packages"
    packages.mkdir()
    mirror = home / "mirror"
    run(
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--only-binary=:all:",
        "--dest",
        mirror,
        "--find-links",
        dist,
        f"jsm-client[all]=={metadata(wheel(dist, 'jsm-client'))['Version']}",
    )
    for path in mirror.iterdir():
        if canonical(path.name.split("-")[0]) not in OURS:
            shutil.copy(path, packages)
    port = free_port()
    fallback = [] if os.environ.get("JSM_RELEASE_SERVE") else ["--disable-fallback"]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pypiserver",
            "run",
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "-a",
            ".",
            "-P",
            ".",
            *fallback,
            str(packages),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/simple/", server)
        ours = sorted(str(p) for p in dist.iterdir() if p.suffix in {".whl", ".gz"})
        run(
            sys.executable,
            "-m",
            "twine",
            "upload",
            "--non-interactive",
            "--repository-url",
            f"http://127.0.0.1:{port}/",
            "-u",
            "release-test",
            "-p",
            "unused",
            *ours,
        )
        yield f"http://127.0.0.1:{port}/simple"
        if os.environ.get("JSM_RELEASE_SERVE"):
            print(f"\nthe index is up: pip install --index-url http://127.0.0.1:{port}/simple 'jsm-client[cloud]'")
            print("Ctrl-C stops it.")
            with contextlib.suppress(KeyboardInterrupt):
                server.wait()
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def mock_site(with_mock: Path) -> Iterator[dict[str, str]]:
    """`jsm-openapi mock --flavor cloud` from the installed files, as a separate process."""
    server = subprocess.Popen(
        [with_mock.parent / "jsm-openapi", "mock", "--flavor", "cloud", "--port", str(free_port())],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        banner = [server.stdout.readline() for _ in range(4)]
        url = re.search(r"at (http://\S+)", banner[0])
        admin = re.search(r"admin\s+basic (\S+?):(\S+)", "".join(banner))
        assert url and admin, banner
        wait_for(url.group(1) + "/rest/servicedeskapi/info", server)
        yield {
            "JSM_BASE_URL": url.group(1),
            "JSM_USER": admin.group(1),
            "JSM_API_TOKEN": admin.group(2),
            "JSM_FLAVOR": "cloud",
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def installed_closure(site_packages: Path, roots: set[str]) -> set[str]:
    """The distributions `roots` need in that environment: their requirements, transitively, markers honoured (this
    interpreter is the same Python version as the environment's)."""
    from importlib import metadata

    from packaging.requirements import Requirement

    available = {canonical(d.metadata["Name"]): d for d in metadata.distributions(path=[str(site_packages)])}
    todo, seen = list(roots), set()
    while todo:
        name = todo.pop()
        if name in seen or name not in available:
            continue
        seen.add(name)
        for line in available[name].requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(canonical(requirement.name))
    return seen


def test_jsm_client_cloud_installs_by_name_from_the_index(
    index: str, mock_site: dict[str, str], tmp_path: Path
) -> None:
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    run(
        python,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-cache-dir",
        "--index-url",
        index,
        "jsm-client[cloud]",
    )
    listed = json.loads(run(python, "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"))
    names = {canonical(item["name"]) for item in listed} - {"pip", "setuptools"}
    assert {"jsm-client", "jsm-cloud"} <= names and "jsm-server" not in names and "jsm-openapi" not in names
    [site_packages] = (tmp_path / "venv" / "lib").glob("python3*/site-packages")
    allowed = installed_closure(site_packages, {"httpx", "attrs", "stamina"})
    assert names - {"jsm-client", "jsm-cloud"} <= allowed, f"more than httpx, attrs, stamina need: {names - allowed}"
    # use it: the tour, unchanged, against the mock run from the jsm-openapi[mock] files
    script = shutil.copy(REPO / "examples" / "service_desk_tour.py", tmp_path / "tour.py")
    output = run(python, script, "--email", "grace@example.com", cwd=tmp_path, env=mock_site, timeout=300)
    assert_toured(output)
    # the flavor whose package is not installed says which extra installs it
    code = (
        "import jsm\ntry:\n    jsm.Client('https://jira.example.com', flavor='server', auth=jsm.BearerToken('t'))\n"
        "except jsm.FlavorNotInstalled as exc:\n    print(exc)\n"
    )
    assert "pip install 'jsm-client[server]'" in run(python, "-c", code, cwd=tmp_path)


def test_the_release_workflow_passes_actionlint() -> None:
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    assert actionlint, "actionlint is missing: `uv pip install -e '.[dev]'` installs it"
    workflow = REPO / ".github" / "workflows" / "release.yml"
    result = subprocess.run([actionlint, "-no-color", str(workflow)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    text = workflow.read_text()
    assert 'tags: ["v*"]' in text and 'paths: ["openapi/sources.toml"]' in text
    assert "nox -s release" in text and "pypa/gh-action-pypi-publish" in text and "id-token: write" in text
