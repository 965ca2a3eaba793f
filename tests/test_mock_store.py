"""State: SQLite survives a restart; a database of the other flavor, a broken file or a broken seed is a clear error."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from jsm_openapi.errors import ExitCode, InputError
from jsm_openapi.mock import DEFAULT_SEED, run_mock
from jsm_openapi.mock.seed import load_seed
from jsm_openapi.mock.store import MemoryStore, SqliteStore
from jsm_openapi.mock.testing import assert_conformant

pytestmark = pytest.mark.slow

SD = "/rest/servicedeskapi"


def test_sqlite_state_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "jsm.sqlite"
    with run_mock("server", db=db, record=True) as mock:
        http = httpx.Client(base_url=mock.base_url, headers=mock.admin.basic_headers)
        made = http.post(f"{SD}/customer", json={"email": "kept@example.com", "fullName": "Kept"}).json()
        org = http.post(f"{SD}/organization", json={"name": "Persisted"}).json()
        key = httpx.post(
            f"{mock.base_url}{SD}/request",
            headers=mock.customer.basic_headers,
            json={"serviceDeskId": "1", "requestTypeId": "1", "requestFieldValues": {"summary": "Still here?"}},
        ).json()["issueKey"]
        assert_conformant(mock)
    with run_mock("server", db=db, record=True) as mock:
        http = httpx.Client(base_url=mock.base_url, headers=mock.admin.basic_headers)
        assert http.post(f"{SD}/customer", json={"email": "kept@example.com", "fullName": "Again"}).status_code == 400
        assert http.get(f"{SD}/organization/{org['id']}").json()["name"] == "Persisted"
        assert http.get(f"{SD}/request/{key}").json()["issueKey"] == key
        newer = http.post(f"{SD}/customer", json={"email": "next@example.com", "fullName": "Next"}).json()
        assert int(newer["key"].removeprefix("JIRAUSER")) > int(made["key"].removeprefix("JIRAUSER"))
        assert int(http.post(f"{SD}/organization", json={"name": "Later"}).json()["id"]) > int(org["id"])
        assert_conformant(mock)


def test_a_database_of_the_other_flavor_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "jsm.sqlite"
    with run_mock("cloud", db=db):
        pass
    with pytest.raises(InputError, match="holds a cloud instance, not server") as caught, run_mock("server", db=db):
        pass
    assert caught.value.exit_code == ExitCode.INPUT


def test_a_broken_database_file_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "not-a-db.sqlite"
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError, match="cannot open the mock database"):
        SqliteStore(db)


def _seed(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "seed.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_seed_errors_name_the_place(tmp_path: Path) -> None:
    good = DEFAULT_SEED.read_text(encoding="utf-8")
    with pytest.raises(InputError, match=r"seed\.yaml"):
        load_seed(_seed(tmp_path, "users: [\n"))
    with pytest.raises(InputError, match="at servicedesks/0/projectKey"):
        load_seed(_seed(tmp_path, good.replace("projectKey: ITS", "projectKey: its-lower")))
    unknown_ref = good.replace("agents: [agent]", "agents: [agnet]")
    with (
        pytest.raises(InputError, match="unknown user 'agnet'") as caught,
        run_mock("cloud", seed=_seed(tmp_path, unknown_ref)),
    ):
        pass
    assert "servicedesks/0/agents/0" in caught.value.message
    bad_option = good.replace('customfield_10010: {id: "10001"}', 'customfield_10010: {id: "77"}')
    with (
        pytest.raises(InputError, match="requests/0/fields/customfield_10010"),
        run_mock("cloud", seed=_seed(tmp_path, bad_option)),
    ):
        pass
    with pytest.raises(InputError, match="cannot read mock seed"):
        load_seed(tmp_path / "missing.yaml")


def test_a_custom_seed_is_what_the_mock_serves(tmp_path: Path) -> None:
    seed = _seed(
        tmp_path,
        """
users:
  - {ref: boss, role: admin, username: boss, displayName: The Boss, email: boss@corp.example,
     password: pw, token: tk}
  - {ref: helper, role: agent, username: helper, displayName: Helper, email: helper@corp.example,
     password: pw2, token: tk2}
  - {ref: client, role: customer, username: c@corp.example, displayName: Client, email: c@corp.example,
     password: pw3, token: tk3}
statuses: {Open: NEW, Done: DONE}
workflows:
  simple: {initial: Open, transitions: [{id: "1", name: Close, from: [Open], to: Done}]}
servicedesks:
  - id: 7
    projectId: 20000
    projectKey: CORP
    projectName: Corporate
    agents: [helper]
    customers: [client]
    requestTypes:
      - id: 70
        name: Anything
        workflow: simple
        fields: [{fieldId: summary, name: Summary, required: true, schema: {type: string}}]
""",
    )
    with run_mock("cloud", seed=seed, record=True) as mock:
        assert mock.admin.display_name == "The Boss" and mock.customer.login == "c@corp.example"
        desks = httpx.get(f"{mock.base_url}{SD}/servicedesk", headers=mock.customer.bearer_headers).json()
        assert [(d["id"], d["projectKey"]) for d in desks["values"]] == [("7", "CORP")]
        made = httpx.post(
            f"{mock.base_url}{SD}/request",
            headers=mock.customer.bearer_headers,
            json={"serviceDeskId": "7", "requestTypeId": "70", "requestFieldValues": {"summary": "Hello"}},
        ).json()
        assert made["issueKey"] == "CORP-1" and made["currentStatus"]["status"] == "Open"
        assert_conformant(mock)


def test_memory_transactions_are_all_or_nothing() -> None:
    from jsm_openapi.mock.model import Setting

    store = MemoryStore()
    with store.transaction() as tx:
        tx.put(Setting("a", 1))
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.put(Setting("a", 2))
        tx.put(Setting("b", 3))
        raise RuntimeError("boom")
    with store.transaction() as tx:
        assert tx.get(Setting, "a") == Setting("a", 1)
        assert tx.get(Setting, "b") is None
