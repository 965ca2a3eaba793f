"""POST create customer, the seed gap: Hypothesis properties on both flavors, raw HTTP and the generated clients.

Server takes `{email, fullName}`, Cloud `{email, displayName}`; both answer 201 with a user whose `emailAddress`
and `displayName` echo the request. A duplicate email is a 400 (Cloud: 409 with `strictConflictStatusCode=true`);
an email without a usable `@`, or no email at all, is a 400. Every answer is also held to the patched document by
schemathesis's checks (status, content type, schema).

Every customer created is tagged with the run id (`jsm-contract+<run>-...@<domain>`); on a live site these tests
run only with --allow-writes and a sandbox desk, and every customer is removed at the end.
"""

from __future__ import annotations

import itertools
import string
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from jsm_openapi.contract.run import ContractRun

run = ContractRun.current
assert run is not None, "run the contract suite with `pytest contract_tests`"

pytestmark = [
    pytest.mark.operation("POST", "/servicedeskapi/customer"),
]  # runs where state is kept and writes are allowed (conftest.NEEDS_WRITABLE_STATE)

CLOUD = run.target.flavor == "cloud"
NAME_FIELD = "displayName" if CLOUD else "fullName"
SUFFIX = "/servicedeskapi/customer"
_serial = itertools.count(1)

# --- strategies ----------------------------------------------------------------------------------------------------

_LOCAL = string.ascii_lowercase + string.digits + "._-"
local_parts = st.text(alphabet=_LOCAL, min_size=1, max_size=40).filter(
    lambda s: s[0] not in "._-" and s[-1] not in "._-" and ".." not in s
)
ascii_names = st.text(alphabet=string.ascii_letters + " '-.", min_size=1, max_size=60)
unicode_names = st.text(
    alphabet=st.characters(categories=("L", "M", "N", "Zs", "Pd", "Po"), exclude_characters="\u2028\u2029"),
    min_size=1,
    max_size=80,
)
long_names = st.integers(min_value=120, max_value=255).map(lambda n: ("Ünïcødé Łong Ñame " * 20)[:n])
names = st.one_of(ascii_names, unicode_names, long_names).map(str.strip).filter(bool)
# Text with no usable "@": JSM refuses it as an email address.
bad_emails = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + ".-_ ", max_size=30),
    local_parts.map(lambda s: f"{s}@"),
    local_parts.map(lambda s: f"@{s}.example.com"),
)


def email(local: str) -> str:
    """A tagged email no earlier example used (duplicates are a property of their own)."""
    return run.tagger.email(f"{next(_serial)}-{local}")  # type: ignore[union-attr]


def settings(examples: int | None = None) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=examples or run.settings.examples,  # type: ignore[union-attr]
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


seeded = hypothesis.seed(run.settings.seed)

# --- raw HTTP through schemathesis ---------------------------------------------------------------------------------


def create(body: dict[str, Any], *, strict: bool | None = None) -> Any:
    """POST the body as a schemathesis case through the guard; run the document checks on the answer."""
    assert run is not None
    operation = run.api_operation("POST", SUFFIX)
    query = {"strictConflictStatusCode": "true" if strict else "false"} if strict is not None else None
    case = operation.Case(body=body, query=query, media_type="application/json")
    response = case.call(base_url=run.target.api_base, session=run.session, timeout=60)
    run.check(case, response)
    if response.status_code == 201:
        remember(response.json())
    return response


def remember(user: dict[str, Any]) -> None:
    """On a live site, remove the customer at the end (and let the run touch it until then)."""
    assert run is not None
    run.adopt("customer", user)


def body(address: str, name: str | None) -> dict[str, Any]:
    return {"email": address} if name is None else {"email": address, NAME_FIELD: name}


@seeded
@settings()
@given(local=local_parts, name=names)
def test_a_valid_customer_is_created_and_echoed(local: str, name: str) -> None:
    address = email(local)
    response = create(body(address, name))
    assert response.status_code == 201, response.text
    user = response.json()
    assert user.get("emailAddress") == address, f"emailAddress not echoed: {user}"
    assert user.get("displayName") == name, f"displayName does not echo {NAME_FIELD}={name!r}: {user}"
    if CLOUD:
        assert user.get("accountId"), f"a Cloud customer has an accountId: {user}"
    else:
        assert str(user.get("name", "")).lower() == address.lower(), (
            f"a Server customer's username is the email: {user}"
        )


@seeded
@settings(max(2, run.settings.examples // 2))
@given(local=local_parts, name=names)
def test_a_duplicate_email_is_refused(local: str, name: str) -> None:
    address = email(local)
    assert create(body(address, name)).status_code == 201
    again = create(body(address, name))
    assert again.status_code == 400, f"a duplicate email answers 400, got {again.status_code}: {again.text}"
    if CLOUD:
        strict = create(body(address, name), strict=True)
        assert strict.status_code == 409, f"strictConflictStatusCode=true answers 409, got {strict.status_code}"


@seeded
@settings()
@given(address=bad_emails, name=names)
def test_an_unusable_email_is_refused(address: str, name: str) -> None:
    response = create(body(address, name))
    assert response.status_code == 400, f"email {address!r} answers 400, got {response.status_code}: {response.text}"


def test_a_missing_email_is_refused() -> None:
    response = create({NAME_FIELD: "No Email"})
    assert response.status_code == 400, response.text


def test_a_missing_name_gives_400_or_a_named_customer() -> None:
    response = create(body(email("noname"), None))
    assert response.status_code in (201, 400), response.text
    if response.status_code == 201:
        assert response.json().get("displayName"), "a customer created without a name still has a display name"


# --- the generated client ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client() -> Any:
    assert run is not None
    with run.client() as opened:
        yield opened


def _dto(address: str, name: str) -> Any:
    assert run is not None
    module = run.generated_operation("POST", SUFFIX)
    model = module.CustomerCreateDTO
    return model(email=address, display_name=name) if CLOUD else model(email=address, full_name=name)


@seeded
@settings()
@given(local=local_parts, name=names)
def test_the_generated_client_creates_and_parses_the_customer(client: Any, local: str, name: str) -> None:
    assert run is not None
    module = run.generated_operation("POST", SUFFIX)
    address = email(local)
    response = module.sync_detailed(client=client, body=_dto(address, name))
    assert response.status_code == 201, response.content
    user = response.parsed
    assert user is not None, "the generated client could not parse the 201 answer"
    remember(user.to_dict())
    assert user.email_address == address
    assert user.display_name == name, f"display_name does not echo the name: {user.to_dict()}"
    if CLOUD:
        assert user.account_id, "a Cloud customer parses with an account_id"


@seeded
@settings(max(2, run.settings.examples // 2))
@given(local=local_parts, name=names)
def test_the_generated_client_reports_a_duplicate(client: Any, local: str, name: str) -> None:
    assert run is not None
    module = run.generated_operation("POST", SUFFIX)
    address = email(local)
    first = module.sync_detailed(client=client, body=_dto(address, name))
    assert first.status_code == 201
    remember(first.parsed.to_dict())
    if CLOUD:
        again = module.sync_detailed(client=client, body=_dto(address, name), strict_conflict_status_code=True)
        assert again.status_code == 409
    else:
        again = module.sync_detailed(client=client, body=_dto(address, name))
        assert again.status_code == 400
    assert again.parsed is not None and again.parsed.error_message, "the error model parses with its message"
