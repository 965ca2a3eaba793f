"""The sandbox service desk of a live run with writes: exactly one desk, found from the id or key the user gave.

A service desk has three numbers-or-names that look alike: its id (`serviceDeskId`), its project's id and its
project's key. Only the desk id names it in `/servicedesk/{serviceDeskId}/...` and in a request's `serviceDeskId`, so
the sandbox is that one id; the project id is shown in reports but never compared with anything, and the key only
finds the desk. `resolve_sandbox` reads the site (GET only) and refuses anything ambiguous.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests

from ..errors import InputError

PAGE = 50
MAX_PAGES = 100  # 5,000 service desks: more than any site has


@dataclass(frozen=True)
class SandboxDesk:
    """The one service desk a live run may write to."""

    id: str  # the service desk id: the only thing writes are compared with
    project_key: str
    name: str  # the project's name
    project_id: str = ""  # shown, never compared (a project id may equal another desk's id)

    def admits(self, service_desk_id: object) -> bool:
        """Whether a `serviceDeskId` (a path segment or a body value) names this desk, exactly by its id."""
        return (
            isinstance(service_desk_id, (str, int))
            and not isinstance(service_desk_id, bool)
            and (str(service_desk_id) == self.id)
        )

    def describe(self) -> str:
        return f"service desk {self.id} · project {self.project_key} · {self.name!r}"


HINT = "name an existing service desk by its id (e.g. 2) or its project key (e.g. HR) that the credentials can see"


def resolve_sandbox(session: requests.Session, servicedesk_base: str, given: str) -> SandboxDesk:
    """The desk `given` names: an id (all digits) is looked up by id, anything else as a project key."""
    text = given.strip()
    if text.isascii() and text.isdigit():
        return _by_id(session, servicedesk_base, text)
    return _by_key(session, servicedesk_base, text)


def _desk(body: Any, where: str) -> SandboxDesk:
    if not isinstance(body, dict):
        raise InputError(f"sandbox service desk: {where} answered something that is not a service desk", hint=HINT)
    desk_id, key, name = body.get("id"), body.get("projectKey"), body.get("projectName")
    if isinstance(desk_id, bool) or not isinstance(desk_id, (str, int)) or not str(desk_id).isdigit():
        raise InputError(
            f"sandbox service desk: {where} answered a service desk without an id ({desk_id!r})", hint=HINT
        )
    if not isinstance(key, str) or not key:
        raise InputError(f"sandbox service desk: {where} answered a service desk without a project key", hint=HINT)
    project_id = body.get("projectId")
    return SandboxDesk(
        id=str(desk_id),
        project_key=key,
        name=str(name) if name is not None else "",
        project_id="" if project_id is None else str(project_id),
    )


def _by_id(session: requests.Session, base: str, desk_id: str) -> SandboxDesk:
    url = f"{base}/servicedesk/{desk_id}"
    response = session.get(url, timeout=30)
    if response.status_code != 200:
        raise InputError(f"sandbox service desk {desk_id}: GET {url} answered {response.status_code}", hint=HINT)
    desk = _desk(_json(response), f"GET {url}")
    if desk.id != desk_id:
        raise InputError(
            f"sandbox service desk {desk_id}: GET {url} answered service desk {desk.id} ({desk.project_key})",
            hint="the site resolved the id to another desk; give the desk's project key instead",
        )
    return desk


def _by_key(session: requests.Session, base: str, key: str) -> SandboxDesk:
    found = [desk for desk in _all_desks(session, base) if desk.project_key.casefold() == key.casefold()]
    exact = [desk for desk in found if desk.project_key == key]
    if len(found) > 1 and len(exact) == 1:
        found = exact
    if not found:
        raise InputError(f"sandbox service desk {key!r}: no service desk of {base} has that project key", hint=HINT)
    if len(found) > 1:
        listed = ", ".join(desk.describe() for desk in found)
        raise InputError(
            f"sandbox service desk {key!r} is ambiguous: {listed}", hint="give the desk's id instead of its key"
        )
    return found[0]


def _all_desks(session: requests.Session, base: str) -> Iterator[SandboxDesk]:
    url = f"{base}/servicedesk"
    start = 0
    for _ in range(MAX_PAGES):
        response = session.get(url, params={"start": str(start), "limit": str(PAGE)}, timeout=30)
        if response.status_code != 200:
            raise InputError(f"sandbox service desk: GET {url} answered {response.status_code}", hint=HINT)
        body = _json(response)
        values = body.get("values") if isinstance(body, dict) else None
        if not isinstance(values, list):
            raise InputError(f"sandbox service desk: GET {url} answered something that is not a page", hint=HINT)
        for value in values:
            if isinstance(value, dict) and isinstance(value.get("projectKey"), str):
                yield _desk(value, f"GET {url}")
        if body.get("isLastPage", True) or not values:
            return
        start += len(values)


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
