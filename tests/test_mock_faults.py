"""Fault injection (429 storms, 503s, latency) and deliberate defects, switched at start and while running.

Fault answers are checked against the patched documents too (the overlays declare 429 and 503); defect answers must
be caught by the same check, which is what a contract suite relies on.
"""

from __future__ import annotations

import time

import httpx
import pytest

from jsm_openapi.errors import InputError
from jsm_openapi.mock import Defect, Faults, run_mock
from jsm_openapi.mock.config import parse_fault_option
from jsm_openapi.mock.testing import assert_conformant, conformance_for

pytestmark = pytest.mark.slow

SD = "/rest/servicedeskapi"


@pytest.mark.parametrize("flavor", ["server", "cloud"])
def test_rate_limit_storm_switched_on_a_running_mock(flavor: str) -> None:
    with run_mock(flavor, record=True) as mock:
        http = httpx.Client(base_url=mock.base_url, headers=mock.agent.basic_headers)
        assert http.get(f"{SD}/servicedesk").status_code == 200
        mock.faults.update(rate_limit=1.0, retry_after=3)
        storm = [http.get(f"{SD}/servicedesk") for _ in range(5)]
        assert {r.status_code for r in storm} == {429}
        assert storm[0].headers["Retry-After"] == "3"
        assert storm[0].headers["X-RateLimit-Remaining"] == "0"
        assert storm[0].json()["errorMessage"] == "Rate limit exceeded."
        if flavor == "cloud":
            assert storm[0].headers["RateLimit-Reason"]
        assert http.get("/_mock/health").status_code == 200  # the mock's own paths are never faulted
        mock.faults.clear()
        assert http.get(f"{SD}/servicedesk").status_code == 200
        assert_conformant(mock)


def test_unavailable_and_admin_endpoint() -> None:
    with run_mock("cloud", record=True) as mock:
        http = httpx.Client(base_url=mock.base_url, headers=mock.customer.basic_headers)
        switched = http.put("/_mock/faults", json={"unavailable": 1.0, "retry_after": 2})
        assert switched.status_code == 200 and switched.json()["unavailable"] == 1.0
        down = http.get(f"{SD}/request")
        assert down.status_code == 503 and down.headers["Retry-After"] == "2"
        assert http.put("/_mock/faults", json={"unavailable": 2}).status_code == 400
        assert http.put("/_mock/faults", json={"bogus": 1}).status_code == 400
        http.put("/_mock/faults", json={"unavailable": 0})
        assert http.get(f"{SD}/request").status_code == 200
        assert_conformant(mock)


def test_a_fraction_of_requests_fail_reproducibly() -> None:
    def run() -> list[int]:
        with run_mock("cloud", faults=Faults(rate_limit=0.3, seed=42), record=True) as mock:
            http = httpx.Client(base_url=mock.base_url, headers=mock.customer.basic_headers)
            statuses = [http.get(f"{SD}/info").status_code for _ in range(60)]
            assert_conformant(mock)
            return statuses

    first, second = run(), run()
    assert first == second
    assert 5 < first.count(429) < 40 and set(first) == {200, 429}


def test_added_latency() -> None:
    with run_mock("server", faults=Faults(latency_ms=200), record=True) as mock:
        started = time.monotonic()
        assert httpx.get(f"{mock.base_url}{SD}/info").status_code == 200
        assert time.monotonic() - started >= 0.2  # a lower bound: the delay was added
        assert_conformant(mock)


def test_fault_options_parse_and_refuse_nonsense() -> None:
    faults = Faults()
    for text in ("429=0.25", "503=0.1", "latency=40ms", "retry-after=5s", "seed=3"):
        parse_fault_option(text, faults)
    assert faults.as_dict() == {"rate_limit": 0.25, "unavailable": 0.1, "latency_ms": 40.0, "retry_after": 5, "seed": 3}
    for bad in ("429", "429=lots", "429=1.5", "teapot=1", "latency=-5"):
        with pytest.raises(InputError):
            parse_fault_option(bad, Faults())
    with pytest.raises(InputError, match="exceed 1"):
        Faults(rate_limit=0.7, unavailable=0.6)


# --- deliberate defects: the conformance check (what the contract suite runs) must catch each one --------------


def _findings_with(flavor: str, defect: Defect, call: str) -> list[str]:
    with run_mock(flavor, record=True, defects={defect}) as mock:
        http = httpx.Client(base_url=mock.base_url, headers=mock.admin.basic_headers)
        name = "displayName" if flavor == "cloud" else "fullName"
        if call == "create":
            http.post(f"{SD}/customer", json={"email": "d@example.com", name: "D"})
        elif call == "error":
            http.get(f"{SD}/organization/999")
        elif call == "transition":
            assert http.post(f"{SD}/request/ITS-1/transition", json={"id": "11"}).is_success
        else:
            http.get(f"{SD}/servicedesk")
        findings, _ = conformance_for(flavor).check(mock.journal.drain())
        return [f.problem for f in findings]


@pytest.mark.parametrize(
    ("flavor", "defect", "call", "expected"),
    [
        ("cloud", Defect.CUSTOMER_FULLNAME, "create", "fullName"),
        ("cloud", Defect.CREATE_STATUS_200, "create", "status 200 is not documented"),
        ("server", Defect.CREATE_STATUS_200, "create", "status 200 is not documented"),
        ("cloud", Defect.PLATFORM_ERRORS, "error", "errorMessages"),
        ("cloud", Defect.INTEGER_IDS, "list", "is not of type"),
        ("server", Defect.INTEGER_IDS, "list", "is not of type"),
        ("cloud", Defect.TRANSITION_200, "transition", "status 200 is not documented"),
        ("server", Defect.TRANSITION_200, "transition", "status 200 is not documented"),
    ],
)
def test_each_defect_is_caught_by_the_conformance_check(flavor: str, defect: Defect, call: str, expected: str) -> None:
    problems = _findings_with(flavor, defect, call)
    assert any(expected in p for p in problems), problems


def test_defects_switch_at_runtime_and_no_last_page() -> None:
    with run_mock("cloud") as mock:
        http = httpx.Client(base_url=mock.base_url, headers=mock.admin.basic_headers)
        assert http.get(f"{SD}/servicedesk").json()["isLastPage"] is True
        mock.defects.add(Defect.NO_LAST_PAGE)
        assert http.get(f"{SD}/servicedesk").json()["isLastPage"] is False
        mock.defects.discard(Defect.NO_LAST_PAGE)
        assert http.put("/_mock/defects", json=["customer-fullname"]).json() == ["customer-fullname"]
        made = http.post(f"{SD}/customer", json={"email": "f@example.com", "displayName": "F"}).json()
        assert "fullName" in made and "displayName" not in made
        assert http.put("/_mock/defects", json=["no-such-defect"]).status_code == 400
        assert http.put("/_mock/defects", json=[]).json() == []
        made = http.post(f"{SD}/customer", json={"email": "g@example.com", "displayName": "G"}).json()
        assert made["displayName"] == "G"


def test_an_unlicensed_jsm_answers_html_403_except_on_info() -> None:
    with run_mock("server") as mock:
        http = httpx.Client(base_url=mock.base_url, headers=mock.admin.basic_headers)
        mock.defects.add(Defect.UNLICENSED)
        refused = http.get(f"{SD}/servicedesk")
        info = http.get(f"{SD}/info")
        platform = http.get("/rest/api/2/myself")
        mock.defects.discard(Defect.UNLICENSED)
        assert http.get(f"{SD}/servicedesk").status_code == 200
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
    assert "not licensed" in refused.text
    assert info.status_code == 200 and info.json()["version"]
    assert platform.status_code == 200
