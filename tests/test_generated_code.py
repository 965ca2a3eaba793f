"""What the pipeline checks in and adds to generated code: broken-module detection, lazy model imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jsm_openapi.generate import check_generated_code


def test_undefined_and_redefined_names_in_generated_code_are_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "api").mkdir(parents=True)
    (package / "api" / "broken.py").write_text("def f(x: int) -> None:\n    y: Unset = x\n")
    (package / "api" / "fine.py").write_text("def g() -> int:\n    return 1\n")
    findings = check_generated_code(package)
    assert len(findings) == 1
    assert "api/broken.py:2" in findings[0] and "F821" in findings[0] and "Unset" in findings[0]
    assert str(tmp_path) not in findings[0]


def test_clean_generated_packages_have_no_findings(repo: object) -> None:
    root = Path(__file__).resolve().parents[1] / "generated"
    assert check_generated_code(root / "jsm-cloud" / "jsm_cloud") == []


@pytest.mark.parametrize("package", ["jsm_server", "jsm_cloud"])
def test_importing_one_endpoint_does_not_import_every_model(package: str) -> None:
    code = (
        "import sys\n"
        f"import {package}.api.customer.create_customer\n"
        f"loaded = [m for m in sys.modules if m.startswith('{package}.models.')]\n"
        f"from {package}.models import UserDTO\n"
        f"import {package}.models as models\n"
        "print(len(loaded), UserDTO.__name__, len(dir(models)) > 20)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) < 40  # the operation's own models, not the ~1450 (server) of the package
    assert out[1:] == ["UserDTO", "True"]


@pytest.mark.parametrize("package", ["jsm_server", "jsm_cloud"])
def test_models_and_provenance_import_without_the_http_client(package: str) -> None:
    code = (
        "import sys\n"
        f"import {package}\n"
        f"from {package}.models import UserDTO\n"
        f"UserDTO.from_dict({{'displayName': 'Ann', 'active': True}})\n"
        f"print(bool({package}.PROVENANCE), 'httpx' in sys.modules)\n"
        f"from {package} import Client, AuthenticatedClient\n"
        "print(Client.__name__, AuthenticatedClient.__name__, 'httpx' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False", "Client", "AuthenticatedClient", "True"]


def test_an_unknown_package_attribute_is_an_attribute_error() -> None:
    import jsm_cloud

    with pytest.raises(AttributeError, match="has no attribute 'NoSuchThing'"):
        _ = jsm_cloud.NoSuchThing


def test_an_unknown_model_name_is_an_attribute_error() -> None:
    import jsm_cloud.models as models

    with pytest.raises(AttributeError, match="has no attribute 'NoSuchModel'"):
        _ = models.NoSuchModel


@pytest.mark.parametrize("package", ["jsm_server", "jsm_cloud"])
def test_generated_clients_keep_secrets_out_of_their_reprs(package: str) -> None:
    import importlib

    module = importlib.import_module(package)
    authenticated = module.AuthenticatedClient(
        base_url="https://jsm.example",
        token="tok-s3cret",
        headers={"X-Extra": "hdr-s3cret"},
        cookies={"c": "ck-s3cret"},
    )
    authenticated.get_httpx_client()  # puts the Authorization header into the client's headers
    plain = module.Client(base_url="https://jsm.example", headers={"Authorization": "Basic aGRyLXMzY3JldA=="})
    for client in (authenticated, plain):
        shown = repr(client)
        assert "s3cret" not in shown and "aGRyLXMzY3JldA" not in shown and "jsm.example" in shown


def test_the_tree_digest_is_the_one_of_every_file_in_path_order(tmp_path: Path) -> None:
    """The no-op check's digest (os.walk, file_digest) equals the plain definition over rglob and sorted Paths."""
    import hashlib

    from jsm_openapi.documents import sha256_file
    from jsm_openapi.generate import tree_digest

    files = {
        "a/b": "1", "a-b/c": "2", "a.b": "3", "__pycache__/z": "4", "x/__pycache__/y": "5", "x/m.pyc": "6", ".pyc": "7",
        "x/provenance.json": "8", "ü n/é": "9", "a b": "10", "A": "11", "deep/er/still/f.py": "12",
    }  # fmt: skip
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "link-to-a-file").symlink_to(tmp_path / "a" / "b")
    kept = sorted(
        p
        for p in tmp_path.rglob("*")
        if p.is_file() and p.name != "provenance.json" and "__pycache__" not in p.relative_to(tmp_path).parts
        and p.suffix != ".pyc"
    )  # fmt: skip
    plain = hashlib.sha256()
    for path in kept:
        plain.update(str(path.relative_to(tmp_path)).encode() + b"\0" + sha256_file(path).encode() + b"\n")
    assert len(kept) == 9 and tree_digest(tmp_path) == plain.hexdigest()
    (tmp_path / "ü n" / "é").write_text("changed")
    assert tree_digest(tmp_path) != plain.hexdigest()
