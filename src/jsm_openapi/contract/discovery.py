"""Ids of real entities on the target, found through the API itself, so generated requests reach real resources.

A path parameter such as `serviceDeskId` filled with random text only ever meets a 404; pinned to an id the target
has, the generated query and body reach the operation's real logic and its 2xx answers get checked. Discovery
uses GET only (it runs before anything else, also on a read-only live site) and skips what it cannot find.
"""

from __future__ import annotations

from typing import Any

import requests

from .targets import Target

# parameter → (list path after the servicedeskapi prefix, field of the first value, parameters it needs)
_LOOKUPS: tuple[tuple[str, str, str], ...] = (
    ("requestTypeId", "/servicedesk/{serviceDeskId}/requesttype", "id"),
    ("queueId", "/servicedesk/{serviceDeskId}/queue", "id"),
    ("organizationId", "/organization", "id"),
    ("issueIdOrKey", "/request?serviceDeskId={serviceDeskId}&requestOwnership=ALL_REQUESTS", "issueKey"),
    ("commentId", "/request/{issueIdOrKey}/comment", "id"),
    ("approvalId", "/request/{issueIdOrKey}/approval", "id"),
)


def _first(session: requests.Session, url: str, field: str) -> str | None:
    try:
        response = session.get(url, timeout=30)
    except requests.RequestException:
        return None
    if response.status_code != 200:
        return None
    try:
        body: Any = response.json()
    except ValueError:
        return None
    values = body.get("values") if isinstance(body, dict) else body
    if not isinstance(values, list) or not values or not isinstance(values[0], dict):
        return None
    value = values[0].get(field)
    return None if value in (None, "") else str(value)


def discover_ids(session: requests.Session, target: Target, service_desk: str | None = None) -> dict[str, str]:
    """Path parameter name → an id that exists on the target (the sandbox desk when one is named)."""
    base = target.servicedesk_base
    found: dict[str, str] = {}
    desk = service_desk or _first(session, f"{base}/servicedesk", "id")
    if desk is None:
        return found
    found["serviceDeskId"] = desk
    for name, path, field in _LOOKUPS:
        try:
            filled = path.format(**found)
        except KeyError:
            continue
        value = _first(session, base + filled, field)
        if value is not None:
            found[name] = value
    return found
