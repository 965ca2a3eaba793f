"""Concurrent requests over real HTTP: no lost writes, unique ids, one winner for a contested email.

Each case runs against the in-memory store and against an SQLite file, on both flavors.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from jsm_openapi.mock import RunningMock, run_mock
from jsm_openapi.mock.testing import assert_conformant

pytestmark = pytest.mark.slow

N = 40
SD = "/rest/servicedeskapi"


@pytest.fixture(params=[("cloud", "memory"), ("server", "sqlite")], ids=["cloud-memory", "server-sqlite"])
def mock(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningMock]:
    flavor, store = request.param
    with run_mock(flavor, db=tmp_path / "mock.sqlite" if store == "sqlite" else None, record=True) as running:
        yield running
        assert_conformant(running)


def _name_field(mock: RunningMock) -> str:
    return "displayName" if mock.flavor == "cloud" else "fullName"


async def _create_customers(mock: RunningMock, emails: list[str]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=N)
    async with httpx.AsyncClient(
        base_url=mock.base_url, headers=mock.admin.basic_headers, limits=limits, timeout=30
    ) as http:
        return await asyncio.gather(
            *(
                http.post(f"{SD}/customer", json={"email": email, _name_field(mock): f"User {i}"})
                for i, email in enumerate(emails)
            )
        )


def test_concurrent_creates_give_distinct_customers(mock: RunningMock) -> None:
    answers = asyncio.run(_create_customers(mock, [f"load{i}@example.com" for i in range(N)]))
    assert [a.status_code for a in answers] == [201] * N
    bodies = [a.json() for a in answers]
    ids = {b["accountId"] if mock.flavor == "cloud" else b["key"] for b in bodies}
    assert len(ids) == N
    assert {b["emailAddress"] for b in bodies} == {f"load{i}@example.com" for i in range(N)}


def test_concurrent_creates_of_one_email_have_one_winner(mock: RunningMock) -> None:
    answers = asyncio.run(_create_customers(mock, ["same@example.com"] * N))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [400] * (N - 1)


def test_concurrent_updates_of_one_organization_lose_nothing(mock: RunningMock) -> None:
    """N concurrent read-modify-writes of one organization's member list: all N members end up in it."""
    bodies = [a.json() for a in asyncio.run(_create_customers(mock, [f"member{i}@example.com" for i in range(N)]))]
    refs = [b["accountId"] if mock.flavor == "cloud" else b["name"] for b in bodies]
    field = "accountIds" if mock.flavor == "cloud" else "usernames"

    async def add_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=mock.base_url, headers=mock.agent.basic_headers, timeout=30) as http:
            return await asyncio.gather(*(http.post(f"{SD}/organization/2/user", json={field: [ref]}) for ref in refs))

    assert {a.status_code for a in asyncio.run(add_all())} == {204}
    members = httpx.get(
        f"{mock.base_url}{SD}/organization/2/user", params={"limit": 50}, headers=mock.agent.basic_headers
    ).json()
    found = {u["accountId"] if mock.flavor == "cloud" else u["name"] for u in members["values"]}
    assert found == set(refs)


def test_concurrent_requests_get_unique_keys(mock: RunningMock) -> None:
    async def raise_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=mock.base_url, headers=mock.customer.basic_headers, timeout=30) as http:
            body = {"serviceDeskId": "1", "requestTypeId": "1"}
            return await asyncio.gather(
                *(
                    http.post(f"{SD}/request", json={**body, "requestFieldValues": {"summary": f"Load {i}"}})
                    for i in range(N)
                )
            )

    answers = asyncio.run(raise_all())
    assert {a.status_code for a in answers} == {201}
    keys = [a.json()["issueKey"] for a in answers]
    ids = [a.json()["issueId"] for a in answers]
    assert len(set(keys)) == len(set(ids)) == N
    numbers = sorted(int(k.split("-")[1]) for k in keys)
    assert numbers == list(range(numbers[0], numbers[0] + N))  # no gaps, no repeats
