"""The contract suite as its users run it (a subprocess): it fails on a faulty mock with a report that names the
operation and the reproducing case (stateless and stateful), in live mode without the write flag only GET requests
reach the site, and a live run with writes sweeps earlier runs' leftovers and writes only inside its scope.

That every link of the overlays is followed to a 2xx answer on the mock is asserted by the contract suite itself
(`contract_tests/test_stateful.py`), in the mock runs of `nox -s tests`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from jsm_openapi.contract.cleanup import TAG_PREFIX, Tagger, new_run_id
from jsm_openapi.mock import RunningMock, run_mock
from jsm_openapi.mock.model import Organization, Request, User
from jsm_openapi.mock.testing import stored

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


def tagged_records(site: RunningMock) -> list[str]:
    """Everything in the mock's store carrying a contract-suite tag: users (removed ones' tombstones too),
    organizations, requests."""
    found = [f"user {u.email}" for u in stored(site, User) if TAG_PREFIX in u.email or TAG_PREFIX in u.display_name]
    found += [f"organization {o.name}" for o in stored(site, Organization) if TAG_PREFIX in o.name]
    found += [f"request {r.key}" for r in stored(site, Request) if TAG_PREFIX in str(r.field_values.get("summary"))]
    return found


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
    observed = [json.loads(line) for line in (tmp_path / "observed-mock-cloud.jsonl").read_text().splitlines()]
    assert any(r["operation"] == "POST /rest/servicedeskapi/customer" and r["path"] == "/fullName" for r in observed), (
        "the run's observed deviations (the format drift --observed reads) name the undeclared field"
    )


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


TRANSITION = "POST /rest/servicedeskapi/request/{issueIdOrKey}/transition"


def test_a_transition_reaches_its_success_answer_and_a_mock_answering_it_with_a_body_fails_naming_it(
    tmp_path: Path,
) -> None:
    """Performing a transition once only ever met 400 (a random id, a request in the wrong status); now a new request
    is made for each example and the body's id is drawn from the transitions it offers its reporter, who sends it.
    With the success answer broken (200 and the request instead of 204), the suite fails naming the operation."""
    args = ("contract_tests/test_operations.py", "contract_tests/test_success_answers.py", "--target=mock")
    args += ("--flavor=cloud", f"--operation={TRANSITION}", "--seed=31", "--examples=5")
    healthy = suite(tmp_path / "healthy", *args)
    assert healthy.returncode == 0, healthy.stdout[-3000:]
    coverage = json.loads((tmp_path / "healthy" / "coverage-mock-cloud.json").read_text())
    (transition,) = [op for op in coverage["operations"] if op["operation"] == TRANSITION]
    assert transition["success_checked"] and transition["checked"].get("204"), transition
    assert transition["definitions"]["204"] == "checked"
    assert "success answers checked: 1 of 1 (cloud)" in healthy.stdout

    broken = suite(tmp_path / "broken", *args, "--mock-defect=transition-200")
    assert broken.returncode == 1, broken.stdout[-3000:]
    summary = (tmp_path / "broken" / "summary-mock-cloud.md").read_text()
    assert "FAILED" in summary.splitlines()[0]
    assert "- success answers checked: 0 of 1 (cloud)" in summary.splitlines()[:4]
    section = summary.split(f"### `{TRANSITION}`", 1)[1]
    assert "Undocumented status code" in section and "Received: 200" in section
    assert f"--operation '{TRANSITION}'" in section and "--seed 31" in section
    assert f"test_success_answer_checked[{TRANSITION}]" in broken.stdout
    assert "its 2xx answers (200) failed the checks" in broken.stdout
    coverage_md = (tmp_path / "broken" / "coverage-mock-cloud.md").read_text()
    assert f"| `{TRANSITION}` |" in coverage_md and "❌ not checked" in coverage_md
    assert "200 (undocumented) ✗" in coverage_md


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
    assert "not collected here: the create-customer properties" in result.stdout, "the write tests say why not"
    assert "the live target is read-only" in result.stdout
    summary = (tmp_path / "summary-live-cloud.md").read_text()
    assert password not in summary and site.base_url in summary
    observed = (tmp_path / "observed-live-cloud.jsonl").read_text()  # a conformant site: written, and empty
    assert observed == "" and password not in observed
    # Read operations reach their success answers through ids discovered on the site (GET only), pairs included.
    coverage = json.loads((tmp_path / "coverage-live-cloud.json").read_text())
    checked = {op["operation"] for op in coverage["operations"] if op["success_checked"]}
    for label in (
        "GET /rest/servicedeskapi/request/{issueIdOrKey}/comment/{commentId}",
        "GET /rest/servicedeskapi/request/{issueIdOrKey}/sla/{slaMetricId}",
        "GET /rest/servicedeskapi/request/{issueIdOrKey}/approval/{approvalId}",
        "GET /rest/servicedeskapi/request/{requestIdOrKey}/feedback",
    ):
        assert label in checked, f"{label}: no success answer checked on the read-only live run"
    assert coverage["success_answers"].startswith("success answers checked: ")


def test_a_stateful_run_on_a_faulty_mock_names_the_failing_step_its_scenario_and_the_seed(tmp_path: Path) -> None:
    result = suite(
        tmp_path,
        "contract_tests/test_stateful.py",
        "--target=mock",
        "--flavor=server",
        "--mock-defect=integer-ids",
        "--seed=5",
        "--examples=4",
    )
    assert result.returncode == 1, result.stdout[-3000:]
    summary = (tmp_path / "summary-mock-server.md").read_text()
    assert "FAILED" in summary.splitlines()[0]
    section = summary.split("## Failures", 1)[1]
    assert section.lstrip().startswith("### `POST /servicedeskapi/"), "the failure is filed under its operation"
    assert "stateful scenario failed at POST /servicedeskapi/" in section
    assert "1. POST /servicedeskapi/" in section, "the scenario's steps lead to the failure"
    assert 'is not of type "string"' in section and "curl -X POST" in section
    assert "test_stateful.py::test_stateful_links' --target mock --flavor server --seed 5 --examples 4" in section


def test_a_live_run_with_writes_sweeps_earlier_leftovers_and_writes_only_inside_its_scope(tmp_path: Path) -> None:
    old, young = Tagger("20200101000000-0a0b0c"), Tagger(new_run_id())
    with run_mock("server", record=True) as site:
        api = httpx.Client(base_url=f"{site.base_url}/rest/servicedeskapi", headers=site.admin.basic_headers)
        seeded_requests = {r["issueKey"] for r in api.get("/request?requestOwnership=ALL_REQUESTS").json()["values"]}
        seeded_orgs = {o["id"] for o in api.get("/organization").json()["values"]}
        old_org = api.post("/organization", json={"name": old.name("org")}).json()["id"]
        young_org = api.post("/organization", json={"name": young.name("org")}).json()["id"]
        customer = api.post("/customer", json={"email": old.email("1-left"), "fullName": "Left Behind"}).json()["name"]
        assert api.post("/servicedesk/1/customer", json={"usernames": [customer]}).status_code == 204
        request = api.post(
            "/request",
            json={"serviceDeskId": "1", "requestTypeId": "1", "requestFieldValues": {"summary": old.name("request")}},
        ).json()["issueKey"]
        before = len(site.journal.entries())
        login, password = site.admin.basic
        result = suite(
            tmp_path,
            "contract_tests/test_stateful.py",
            "--target=live",
            "--flavor=server",
            "--allow-writes",
            "--sandbox-service-desk=ITS",
            "--examples=3",
            "--seed=11",
            "--rate=500",
            env={"JSM_BASE_URL": site.base_url, "JSM_USER": login, "JSM_PASSWORD": password},
        )
        exchanges = site.journal.entries()[before:]
        writes = [(e.method, e.path) for e in exchanges if e.method != "GET"]
        assert api.get(f"/organization/{old_org}").status_code == 404, "the old leftover organization was removed"
        assert api.get(f"/organization/{young_org}").status_code == 200, "a young run's organization is kept"
        assert api.get(f"/request/{request}").status_code == 404, "the old leftover request was removed"
        assert customer not in {u.username for u in stored(site, User)}, "the old leftover customer was removed"
    assert result.returncode == 0, result.stdout[-3000:]
    # Really deleted, not counted as "already gone": each removal answered 204.
    removals = {(e.path, e.query): e.status for e in exchanges if e.method == "DELETE"}
    assert removals[(f"/rest/api/2/issue/{request}", "")] == 204
    assert removals[("/rest/api/2/user", urlencode({"username": customer}))] == 204
    assert removals[(f"/rest/servicedeskapi/organization/{old_org}", "")] == 204
    summary = (tmp_path / "summary-live-server.md").read_text()
    sweep = summary.split("## Sweep of earlier runs' leftovers", 1)[1].split("\n## ", 1)[0]
    assert "- removed: 3\n" in sweep and "**left behind**" not in sweep, sweep
    assert f"organization {old_org} ('jsm-contract-20200101000000-0a0b0c org'" in sweep
    assert f"  - request {request} ('jsm-contract-20200101000000-0a0b0c request'" in sweep
    assert f"  - customer {customer} ('{old.email('1-left')}'" in sweep
    assert f"kept (its run started less than 2 hours ago and may still be going): organization {young_org}" in sweep
    assert any(path.endswith("/request") for _, path in writes), "the stateful run wrote to the live target"
    for method, path in writes:
        touched = path.split("/")
        if "servicedesk" in touched:
            assert touched[touched.index("servicedesk") + 1] in ("1", "ITS"), f"{method} {path} left the sandbox"
        if "organization" in touched[-3:-1]:
            organization = touched[touched.index("organization") + 1]
            assert organization not in seeded_orgs | {young_org}, f"{method} {path}: not the run's organization"
        assert not any(key in touched for key in seeded_requests), f"{method} {path} touched a request not its own"
        assert f"/request/{request}/" not in path, f"{method} {path} wrote to a leftover it could not remove"
        if "/rest/api/" in path:
            assert method == "DELETE", f"platform writes are cleanup deletes only: {method} {path}"


def test_a_live_run_with_writes_removes_everything_it_created_at_the_end(tmp_path: Path) -> None:
    """The end-of-run cleanup on Cloud: customers (the create-customer properties and the stateful run),
    organizations and requests the run made are gone from the mock's store afterwards, each removal a real 204 (not a
    404 counted as "already gone"); an earlier run's customer, in no desk or organization, is found by the sweep
    through the platform's user search and removed too."""
    old = Tagger("20200101000000-0a0b0c")
    with run_mock("cloud", record=True) as site:
        admin = httpx.Client(base_url=f"{site.base_url}/rest/servicedeskapi", headers=site.admin.basic_headers)
        planted = admin.post("/customer", json={"email": old.email("alone"), "displayName": "Alone"})
        assert planted.status_code == 201
        assert tagged_records(site) == [f"user {old.email('alone')}"]
        before = len(site.journal.entries())
        login, password = site.admin.basic
        result = suite(
            tmp_path,
            "contract_tests/test_create_customer.py",
            "contract_tests/test_stateful.py",
            "--target=live",
            "--flavor=cloud",
            "--allow-writes",
            "--sandbox-service-desk=ITS",
            "--examples=3",
            "--seed=3",
            "--rate=500",
            env={"JSM_BASE_URL": site.base_url, "JSM_USER": login, "JSM_API_TOKEN": password},
        )
        exchanges = site.journal.entries()[before:]
        left = tagged_records(site)
    assert result.returncode == 0, result.stdout[-3000:]
    assert left == [], f"the run left tagged entities in the mock's store: {left}"

    def created(suffix: str) -> int:
        return sum(1 for e in exchanges if e.method == "POST" and e.path.endswith(suffix) and e.status == 201)

    def removed(prefix: str) -> list[int]:
        return [e.status for e in exchanges if e.method == "DELETE" and e.path.startswith(prefix)]

    customers, organizations, requests = (
        created("/servicedeskapi/customer"),
        created("/servicedeskapi/organization"),
        created("/servicedeskapi/request"),
    )
    assert customers > 3 and organizations and requests, "the run created each kind of entity"
    assert removed("/rest/api/3/user") == [204] * (customers + 1), "each customer, and the planted one, deleted"
    assert removed("/rest/api/2/issue/") == [204] * requests, "each request deleted"
    assert removed("/rest/servicedeskapi/organization/") == [204] * organizations, "each organization deleted"
    summary = (tmp_path / "summary-live-cloud.md").read_text()
    cleanup = summary.split("## Cleanup", 1)[1]
    assert f"- removed: {customers + organizations + requests} tagged entities" in cleanup
    assert "**left behind**" not in summary
    assert f"  - customer {planted.json()['accountId']} ('{old.email('alone')}'" in summary
