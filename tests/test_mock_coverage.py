"""The mock serves every /servicedeskapi operation of each flavor's patched document (bar the few the README lists),
and marks experimental exactly the operations the document marks `x-experimental: true`."""

from __future__ import annotations

from pathlib import Path

import pytest

from jsm_openapi.mock import operations_for
from jsm_openapi.mock.left_out import LEFT_OUT
from jsm_openapi.pipeline import load_patched
from jsm_openapi.project import Project

HTTP_METHODS = ("get", "post", "put", "delete", "patch")


def _document_operations(flavor: str) -> dict[tuple[str, str], bool]:
    document = load_patched(Project.discover(), flavor)
    return {
        (method.upper(), path): bool(operation.get("x-experimental"))
        for path, item in document["paths"].items()
        if "/servicedeskapi/" in path
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def _mock_operations(flavor: str) -> dict[tuple[str, str], bool]:
    prefix = "/rest" if flavor == "server" else ""
    return {
        (op.method, op.wire_path.removeprefix(prefix)): flavor in op.experimental
        for op in operations_for(flavor)
        if "/servicedeskapi/" in op.wire_path
    }


@pytest.mark.parametrize("flavor", ["server", "cloud"])
def test_every_documented_operation_is_served(flavor: str) -> None:
    documented, served = _document_operations(flavor), _mock_operations(flavor)
    left_out = {(m, p) for (f, m, p) in LEFT_OUT if f == flavor}
    assert sorted(set(documented) - set(served) - left_out) == [], "documented but not served (nor listed in LEFT_OUT)"
    assert sorted(set(served) - set(documented)) == [], "served but not in the patched document"
    assert sorted(left_out - set(documented)) == [], "LEFT_OUT names an operation the document no longer has"
    assert sorted(left_out & set(served)) == [], "LEFT_OUT names an operation the mock serves"


@pytest.mark.parametrize("flavor", ["server", "cloud"])
def test_experimental_flags_match_the_document(flavor: str) -> None:
    documented, served = _document_operations(flavor), _mock_operations(flavor)
    mismatched = sorted(key for key in set(documented) & set(served) if documented[key] != served[key])
    assert mismatched == []


def test_readme_lists_what_the_mock_leaves_out() -> None:
    readme = (Project.discover().root / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Mock JSM", 1)
    assert len(section) == 2, "README.md has no '## Mock JSM' section"
    for _flavor, method, path in LEFT_OUT:
        assert f"{method} {path}" in section[1], f"README's Mock JSM section does not list {method} {path}"


def test_the_default_seed_is_readable_yaml_inside_the_package() -> None:
    from jsm_openapi.mock import DEFAULT_SEED
    from jsm_openapi.mock.seed import load_seed

    assert DEFAULT_SEED.parent.name == "seed" and DEFAULT_SEED.suffix == ".yaml"
    seed = load_seed(Path(DEFAULT_SEED))
    assert {u["role"] for u in seed["users"]} == {"admin", "agent", "customer"}
