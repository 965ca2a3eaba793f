"""What the contract suite knows about the target and each operation: discovery (an inventory of ids that belong
together), provisioning within the live write policy and its budget, the success-answer rule and its exceptions file,
response definitions. The whole suite reaching every success answer is asserted by the suite itself (its
`test_success_answers.py`, in `nox -s tests`), and a defect in one of them failing it by tests/test_contract_suite.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import requests
import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from jsm_openapi.contract.credentials import Credentials
from jsm_openapi.contract.discovery import attachment_id, take_inventory
from jsm_openapi.contract.operations import Operation, PathIndex, document_operations
from jsm_openapi.contract.results import Results
from jsm_openapi.contract.run import ContractRun
from jsm_openapi.contract.settings import ContractSettings, TargetKind
from jsm_openapi.contract.success import load_exceptions, verdict
from jsm_openapi.contract.targets import Target, api_base_for
from jsm_openapi.errors import InputError
from jsm_openapi.mock import RunningMock, run_mock
from jsm_openapi.pipeline import load_patched
from jsm_openapi.project import Project

REORDER = Operation("POST", "/servicedeskapi/servicedesk/{serviceDeskId}/queue/reorder", "reorder", False)
SLA = Operation("GET", "/servicedeskapi/request/{issueIdOrKey}/sla/{slaMetricId}", "sla", False, ("200", "4XX"))
OPERATIONS = [REORDER, SLA]


def live_target(site: RunningMock) -> tuple[Target, requests.Session]:
    """The mock seen as a live site (admin credentials only), and a session sending as its admin."""
    login, password = site.admin.basic
    credentials = Credentials.basic(login, password)
    root = site.base_url
    api_base = api_base_for(TargetKind.live, site.flavor, root)
    target = Target(TargetKind.live, site.flavor, root, api_base, credentials, "")
    session = requests.Session()
    session.headers.update({**credentials.headers(), "X-ExperimentalApi": "opt-in"})
    return target, session


# --- discovery ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("flavor", ["cloud", "server"])
def test_discovery_finds_ids_that_belong_together_and_never_offers_a_caller(flavor: str) -> None:
    with run_mock(flavor) as site:
        target, session = live_target(site)
        callers = frozenset({site.admin.ref, site.agent.ref, site.customer.ref})
        found = take_inventory(session, target, None, callers)
        base = target.servicedesk_base
        assert found.desk == "1" and found.project_key == "ITS" and found.requests
        assert found.comments and found.slas and found.approvals, found
        for key, comment in found.comments:
            assert session.get(f"{base}/request/{key}/comment/{comment}").status_code == 200
        for key, metric in found.slas:
            assert session.get(f"{base}/request/{key}/sla/{metric}").status_code == 200
        for key, approval in found.approvals:
            assert session.get(f"{base}/request/{key}/approval/{approval}").status_code == 200
        assert found.issue_types, "issue types: Cloud's request types, DC's queue issues"
        assert found.users and not set(found.users) & callers, "the callers are never offered to add and remove"
        # Acme (1) has the customer caller as a member: detaching it from the desk would lock the caller out.
        assert "1" in found.organizations and "1" not in found.expendable_organizations
        assert (found.portal is not None) is (flavor == "server")
        if flavor == "cloud":
            assert found.feedback and all(session.get(f"{base}/request/{k}/feedback").ok for k in found.feedback)


class JunkSite(requests.adapters.BaseAdapter):
    """A site answering every request with one drawn JSON document (or non-JSON bytes)."""

    def __init__(self, body: bytes, status: int) -> None:
        super().__init__()
        self.body, self.status = body, status

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        response = requests.Response()
        response.status_code, response._content, response.url = self.status, self.body, str(request.url)
        response.request = request
        return response

    def close(self) -> None:
        pass


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
shaped = st.fixed_dictionaries(
    {"values": st.lists(st.dictionaries(st.sampled_from(["id", "issueKey", "jql", "_links", "fields"]), json_values))}
)


@hypothesis.settings(max_examples=60, deadline=None)
@given(
    body=st.one_of(json_values.map(lambda v: json.dumps(v).encode()), shaped.map(lambda v: json.dumps(v).encode()))
    | st.binary(max_size=40),
    status=st.sampled_from([200, 200, 404, 500]),
)
def test_discovery_of_a_site_answering_junk_finds_less_and_never_fails(body: bytes, status: int) -> None:
    session = requests.Session()
    session.mount("https://", JunkSite(body, status))
    site = "https://junk.example"
    target = Target(TargetKind.live, "cloud", site, site, Credentials.basic("u", "p"), "")
    found = take_inventory(session, target)
    for value in [found.desk, found.project_key, *found.requests, *found.organizations, *found.users]:
        assert value is None or (isinstance(value, str) and value)
    for pair in found.comments + found.slas + found.approvals + found.attachments:
        assert all(isinstance(part, str) for part in pair)


@given(json_values)
def test_an_attachment_id_comes_only_from_a_link_ending_in_digits(links: Any) -> None:
    found = attachment_id({"_links": links})
    assert found is None or (found.isascii() and found.isdigit())


def test_an_attachment_id_is_read_from_its_links() -> None:
    assert attachment_id({"_links": {"self": "https://x/rest/api/2/attachment/10042"}}) == "10042"
    assert attachment_id({"_links": {"content": "https://x/rest/servicedeskapi/request/7/attachment/5"}}) == "5"
    assert attachment_id({"_links": {"self": "https://x/rest/api/2/attachment/../1"}}) is None
    assert attachment_id({"_links": {"self": "https://x/rest/api/2/attachment/٣"}}) is None


# --- provisioning on a live site ------------------------------------------------------------------------------------


def test_provisioning_on_a_live_site_stops_when_the_budget_is_spent_and_the_cleanup_removes_what_it_made(
    tmp_path: Path,
) -> None:
    with run_mock("cloud", record=True) as site:
        login, password = site.admin.basic
        options = {"target": "live", "flavor": "cloud", "allow_writes": True, "sandbox_service_desk": "ITS"}
        env = {"JSM_BASE_URL": site.base_url, "JSM_USER": login, "JSM_API_TOKEN": password}
        settings = ContractSettings.from_sources({**options, "budget": "45", "rate": "1000", "reports": tmp_path}, env)
        run = ContractRun.open(settings, Project.discover())  # the budget runs out while provisioning: no crash
        try:
            assert any("nothing more was provisioned" in note for note in run.provisioned), run.provisioned
            made = [item.identifier for item in run.cleanup.items]
            assert made, "something was provisioned before the budget ran out"
        finally:
            run.close()
        assert run.cleanup.leftovers == [] and len(run.cleanup.removed) == len(made)
        summary = (tmp_path / "summary-live-cloud.md").read_text()
        assert "## Not provisioned" in summary and "nothing more was provisioned" in summary
        writes = [e for e in site.journal.entries() if e.method != "GET"]
        assert all("/servicedesk/2" not in e.path for e in writes), "provisioning stays in the sandbox desk"


# --- the success-answer rule ------------------------------------------------------------------------------------------


def results_with(statuses: dict[int, int], *, conformant: bool = True) -> Results:
    results = Results(OPERATIONS, PathIndex(OPERATIONS))
    results.mark_in_scope({op.label for op in OPERATIONS})
    for status, count in statuses.items():
        for _ in range(count):
            results.checked(SLA.label, status, conformant=conformant)
        results.by_label[SLA.label].statuses[status] += count
    results.passed(SLA.label)
    return results


def exceptions_file(tmp_path: Path, *entries: dict[str, Any]) -> Path:
    path = tmp_path / "success-exceptions.toml"
    path.write_text(tomli_w.dumps({"exception": list(entries)}), encoding="utf-8")
    return path


def test_an_operation_without_a_checked_success_answer_is_named_with_what_it_reached(tmp_path: Path) -> None:
    none = load_exceptions(tmp_path / "absent.toml", OPERATIONS, flavor="server")
    problem = verdict(results_with({404: 3}).by_label[SLA.label], none)
    assert problem is not None and problem.startswith(SLA.label) and "404×3" in problem
    failed = verdict(results_with({200: 1}, conformant=False).by_label[SLA.label], none)
    assert failed is not None and "its 2xx answers (200) failed the checks" in failed
    assert verdict(results_with({200: 1, 404: 1}).by_label[SLA.label], none) is None


def test_an_excused_operation_passes_unreached_and_fails_once_reached(tmp_path: Path) -> None:
    path = exceptions_file(tmp_path, {"operation": SLA.label, "flavor": "server", "reason": "not  in\nthe mock"})
    excused = load_exceptions(path, OPERATIONS, flavor="server")
    assert excused.reason(SLA.label) == "not in the mock"
    assert verdict(results_with({404: 2}).by_label[SLA.label], excused) is None
    reached = verdict(results_with({200: 1}).by_label[SLA.label], excused)
    assert reached is not None and "remove the entry" in reached
    assert load_exceptions(path, OPERATIONS, flavor="cloud").reason(SLA.label) is None, "another flavor's entry"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"operation": "GET /nope", "reason": "x"}, "is not an operation of the server document"),
        ({"operation": SLA.label}, "reason is missing"),
        ({"operation": SLA.label, "reason": "  "}, "reason is missing"),
        ({"operation": SLA.label, "reason": "x", "flavour": "server"}, "unknown keys ['flavour']"),
        ({"operation": SLA.label, "reason": "x", "flavor": "dc"}, "flavor 'dc' is not server or cloud"),
        ({"operation": 7, "reason": "x"}, "operation is missing"),
    ],
)
def test_a_bad_exceptions_entry_is_an_input_error_naming_it(
    tmp_path: Path, entry: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError) as caught:
        load_exceptions(exceptions_file(tmp_path, entry), OPERATIONS, flavor="server")
    assert message in caught.value.message and "[[exception]] #1" in caught.value.message
    assert caught.value.exit_code == 3


def test_an_operation_listed_twice_or_a_broken_file_is_an_input_error(tmp_path: Path) -> None:
    entry = {"operation": SLA.label, "reason": "x"}
    with pytest.raises(InputError, match="listed twice"):
        load_exceptions(exceptions_file(tmp_path, entry, entry), OPERATIONS, flavor="server")
    broken = tmp_path / "broken.toml"
    broken.write_bytes(b"[[exception]]\noperation = \xff\n")
    with pytest.raises(InputError, match="invalid TOML"):
        load_exceptions(broken, OPERATIONS, flavor="server")


@hypothesis.settings(max_examples=50, deadline=None)
@given(label=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1))
def test_any_operation_the_document_lacks_is_refused_by_name(tmp_path_factory: Any, label: str) -> None:
    hypothesis.assume(label.strip() and label.strip() not in {op.label for op in OPERATIONS})
    path = exceptions_file(tmp_path_factory.mktemp("x"), {"operation": label, "reason": "because"})
    with pytest.raises(InputError, match="is not an operation of the server document"):
        load_exceptions(path, OPERATIONS, flavor="server")


def test_the_committed_exceptions_file_names_real_operations_with_reasons() -> None:
    project = Project.discover()
    path = project.root / "contract_tests" / "success-exceptions.toml"
    for flavor in ("server", "cloud"):
        found = load_exceptions(path, document_operations(load_patched(project, flavor)), flavor=flavor)
        assert all(len(entry.reason) > 40 for entry in found.entries.values())
        if flavor == "server":
            assert set(found.entries) == {REORDER.label}


# --- response definitions ---------------------------------------------------------------------------------------------


def test_an_answer_is_checked_against_its_own_code_else_its_range_else_default() -> None:
    operation = Operation("GET", "/x", None, False, ("200", "4XX", "default"))
    assert [operation.definition(s) for s in (200, 404, 503)] == ["200", "4XX", "default"]
    assert Operation("GET", "/x", None, False, ("204",)).definition(200) is None
    result = results_with({200: 2, 404: 1}).by_label[SLA.label]
    assert result.definitions() == {"200": "checked", "4XX": "checked"}
    undocumented = results_with({201: 1}, conformant=False).by_label[SLA.label]
    assert undocumented.definitions() == {"200": "not reached", "4XX": "not reached", "201 (undocumented)": "failed"}
