"""The contract suite as its users run it (a subprocess): it fails on a faulty mock with a report that names the
operation and the reproducing case, and in live mode without the write flag only GET requests reach the site."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from jsm_openapi.mock import run_mock

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
CONTRACT_VARIABLES = ("JSM_BASE_URL", "JSM_USER", "JSM_API_TOKEN", "JSM_PASSWORD", "JSM_PAT", "JSM_OAUTH_TOKEN")


def suite(reports: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("JSM_CONTRACT") and k not in CONTRACT_VARIABLES
    }
    environment.update(env or {})
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--reports", str(reports), *args]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=environment, check=False, timeout=600)


def test_a_mock_answering_fullname_fails_the_suite_with_a_report_naming_operation_and_case(tmp_path: Path) -> None:
    result = suite(
        tmp_path,
        "contract_tests/test_create_customer.py",
        "--target=mock",
        "--flavor=cloud",
        "--mock-defect=customer-fullname",
        "--seed=4242",
        "--examples=3",
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    summary = (tmp_path / "summary-mock-cloud.md").read_text()
    assert "FAILED" in summary.splitlines()[0]
    assert "### `POST /rest/servicedeskapi/customer`" in summary
    assert "| `POST /rest/servicedeskapi/customer` |" in summary and "❌ failed" in summary
    section = summary.split("### `POST /rest/servicedeskapi/customer`", 1)[1]
    assert "--seed 4242" in section, "the reproduce line carries the seed"
    assert "test_create_customer.py::" in section, "the first failing test is named"
    assert "fullName" in section, "the failing case shows what the mock answered"
    junit = ET.parse(tmp_path / "junit-mock-cloud.xml").getroot()
    failed = [case for case in junit.iter("testcase") if case.find("failure") is not None]
    assert failed, "JUnit records the failures"
    assert any(p.get("value") == "POST /rest/servicedeskapi/customer" for p in junit.iter("property"))


def test_a_mock_answering_the_wrong_status_fails_status_code_conformance(tmp_path: Path) -> None:
    result = suite(
        tmp_path,
        "contract_tests/test_operations.py",
        "--target=mock",
        "--flavor=server",
        "--mock-defect=create-status-200",
        "--operation=POST /servicedeskapi/organization",
        "--seed=7",
        "--examples=5",
    )
    assert result.returncode == 1, result.stdout[-3000:]
    summary = (tmp_path / "summary-mock-server.md").read_text()
    section = summary.split("### `POST /servicedeskapi/organization`", 1)[1]
    assert "Undocumented status code" in section and "Received: 200" in section
    assert "curl -X POST" in section, "the reproducing request is in the report"
    assert "--operation 'POST /servicedeskapi/organization'" in section and "--seed 7" in section


def test_the_suite_passes_on_a_healthy_mock_and_redacts_credentials(tmp_path: Path) -> None:
    result = suite(
        tmp_path, "contract_tests/test_create_customer.py", "--target=mock", "--flavor=server", "--examples=3"
    )
    assert result.returncode == 0, result.stdout[-3000:]
    artefacts = "".join(p.read_text() for p in tmp_path.iterdir())
    assert "admin-password" not in artefacts and "YWRtaW46YWRtaW4tcGFzc3dvcmQ" not in artefacts


def test_live_mode_without_the_write_flag_sends_only_get_requests(tmp_path: Path) -> None:
    with run_mock("cloud", record=True) as site:
        login, password = site.admin.basic
        result = suite(
            tmp_path,
            "contract_tests",
            "--target=live",
            "--flavor=cloud",
            "--examples=2",
            "--rate=500",
            env={"JSM_BASE_URL": site.base_url, "JSM_USER": login, "JSM_API_TOKEN": password},
        )
        exchanges = site.journal.entries()
    assert result.returncode in (0, 1), result.stdout[-3000:] + result.stderr[-3000:]
    assert len(exchanges) > 50, "the live run exercised the site"
    methods = {exchange.method for exchange in exchanges}
    assert methods == {"GET"}, f"only GET may reach a read-only live site, got {sorted(methods)}"
    assert "skipped" in result.stdout, "the write tests say why they did not run"
    summary = (tmp_path / "summary-live-cloud.md").read_text()
    assert password not in summary and site.base_url in summary
