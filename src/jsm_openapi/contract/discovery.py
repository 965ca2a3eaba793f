"""What the target has, found through the API itself, so generated requests reach real resources.

A path parameter such as `serviceDeskId` filled with random text only ever meets a 404; pinned to an id the target
has, the generated query and body reach the operation's real logic and its 2xx answers get checked. Ids that belong
together are found together: a comment *of* a request, an SLA metric *of* that request, a property key that is set
*on* that organization. Discovery uses GET only (it runs before anything else, also on a read-only live site), reads
a bounded number of pages (a live site's budget matters) and skips what it cannot find.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import requests

from .targets import Target

MAX_REQUESTS = 10  # requests whose comments, SLAs, approvals, attachments and feedback are looked at
MAX_TYPES = 6  # request types whose fields are read
MAX_ORGANIZATIONS = 5  # organizations whose members and properties are read
USER_ID = {"cloud": "accountId", "server": "name"}  # how request bodies name a user, per flavor


@dataclass
class RequestType:
    """A request type of the desk: what a new request of it needs, and (once the run made one) how it behaves."""

    id: str
    issue_type_id: str | None
    fields: dict[str, dict[str, Any]]  # required field id → its RequestTypeField (jiraSchema, validValues)
    approval: bool | None = None  # a new request waits for an approval (None: not known; the run never made one)
    transitions: list[str] = field(default_factory=list)  # transitions a new request offers its reporter


@dataclass
class Inventory:
    """Entities of the target, by kind; pairs are (parent, child) ids that belong together."""

    desk: str | None = None
    project_key: str | None = None
    portal: str | None = None
    request_types: list[RequestType] = field(default_factory=list)
    queues: list[tuple[str, str]] = field(default_factory=list)  # (id, jql)
    issue_types: list[str] = field(default_factory=list)  # issue type ids the desk's requests use
    organizations: list[str] = field(default_factory=list)
    expendable_organizations: list[str] = field(default_factory=list)  # no caller is a member: safe to detach
    users: list[str] = field(default_factory=list)  # active customers that are none of the run's callers
    requests: list[str] = field(default_factory=list)  # issue keys, newest first
    comments: list[tuple[str, str]] = field(default_factory=list)  # (issue key, comment id)
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (issue key, attachment id)
    images: list[tuple[str, str]] = field(default_factory=list)  # ... attachments that have a thumbnail
    slas: list[tuple[str, str]] = field(default_factory=list)  # (issue key, SLA metric id)
    approvals: list[tuple[str, str]] = field(default_factory=list)  # (issue key, approval id)
    feedback: list[str] = field(default_factory=list)  # issue keys of requests that have feedback
    organization_properties: list[tuple[str, str]] = field(default_factory=list)  # (organization id, key)
    request_type_properties: list[tuple[str, str]] = field(default_factory=list)  # (request type id, key)

    def pins(self) -> dict[str, str]:
        """Path parameter → one id that exists (the first found of each kind)."""
        found = {
            "serviceDeskId": self.desk,
            "projectKey": self.project_key,
            "portalId": self.portal,
            "requestTypeId": self.request_types[0].id if self.request_types else None,
            "queueId": self.queues[0][0] if self.queues else None,
            "organizationId": self.organizations[0] if self.organizations else None,
            "issueIdOrKey": self.requests[0] if self.requests else None,
            "requestIdOrKey": self.requests[0] if self.requests else None,
            "commentId": self.comments[0][1] if self.comments else None,
            "approvalId": self.approvals[0][1] if self.approvals else None,
        }
        return {name: value for name, value in found.items() if value is not None}

    def request_type(self, *, approval: bool) -> RequestType | None:
        """A request type whose new requests wait for an approval (or do not), as the run saw when it made one."""
        return next((rt for rt in self.request_types if rt.approval is approval), None)


def _get(session: requests.Session, url: str, params: dict[str, str] | None = None) -> Any:
    """A 200 answer's JSON, else None (discovery never fails a run: it finds less)."""
    try:
        response = session.get(url, params=params, timeout=30)
    except requests.RequestException:
        return None
    if response.status_code != 200:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _values(body: Any) -> list[dict[str, Any]]:
    values = body.get("values") if isinstance(body, dict) else body
    return [value for value in values if isinstance(value, dict)] if isinstance(values, list) else []


def _ids(items: list[dict[str, Any]], name: str = "id") -> Iterator[str]:
    for item in items:
        value = item.get(name)
        if value not in (None, "") and not isinstance(value, (dict, list, bool)):
            yield str(value)


def _first(session: requests.Session, url: str, field_name: str) -> str | None:
    return next(_ids(_values(_get(session, url)), field_name), None)


class Discovery:
    """Reads one target's entities into an Inventory (GET only, through the run's guarded session)."""

    def __init__(self, session: requests.Session, target: Target, callers: frozenset[str] = frozenset()) -> None:
        self.session = session
        self.base = target.servicedesk_base
        self.flavor = target.flavor
        self.callers = callers  # how bodies name the run's callers: never offered as expendable users
        self.found = Inventory()
        self.members: list[dict[str, Any]] = []  # users of the organizations read

    def get(self, suffix: str, **params: str) -> Any:
        return _get(self.session, self.base + suffix, params or None)

    def run(self, service_desk: str | None) -> Inventory:
        found = self.found
        found.desk = service_desk or _first(self.session, f"{self.base}/servicedesk", "id")
        if found.desk is None:
            return found
        desk = self.get(f"/servicedesk/{found.desk}")
        if isinstance(desk, dict) and desk.get("projectKey"):
            found.project_key = str(desk["projectKey"])
        self.request_types()
        found.queues = [
            (str(q["id"]), str(q.get("jql") or ""))
            for q in _values(self.get(f"/servicedesk/{found.desk}/queue"))
            if q.get("id") is not None
        ]
        self.issue_types()
        self.organizations()
        self.users()
        self.requests()
        if self.flavor == "server":
            found.portal = next(_ids(_values(self.get("/portals"))), None)
        return found

    def request_types(self) -> None:
        desk = self.found.desk
        for item in _values(self.get(f"/servicedesk/{desk}/requesttype"))[:MAX_TYPES]:
            if item.get("id") is None:
                continue
            rt_id = str(item["id"])
            body = self.get(f"/servicedesk/{desk}/requesttype/{rt_id}/field")
            fields = body.get("requestTypeFields", []) if isinstance(body, dict) else []
            required = {
                str(f["fieldId"]): f for f in fields if isinstance(f, dict) and f.get("required") and f.get("fieldId")
            }
            issue_type = item.get("issueTypeId")
            issue_type = None if issue_type is None else str(issue_type)
            self.found.request_types.append(RequestType(rt_id, issue_type, required))
            if self.flavor == "cloud":
                keys = self.get(f"/servicedesk/{desk}/requesttype/{rt_id}/property")
                self.found.request_type_properties += [(rt_id, key) for key in _property_keys(keys)]

    def issue_types(self) -> None:
        """Issue type ids: Cloud's request types carry theirs; on Data Center (whose RequestTypeDTO has none) the
        issues of the desk's queues show theirs (`fields.issuetype`)."""
        found = self.found
        types = [rt.issue_type_id for rt in found.request_types if rt.issue_type_id]
        for queue, _ in found.queues[:2]:
            if types:
                break
            for issue in _values(self.get(f"/servicedesk/{found.desk}/queue/{queue}/issue")):
                fields = issue.get("fields")
                issue_type = fields.get("issuetype") if isinstance(fields, dict) else None
                if isinstance(issue_type, dict) and issue_type.get("id") is not None:
                    types.append(str(issue_type["id"]))
        found.issue_types = sorted(set(types))

    def organizations(self) -> None:
        found = self.found
        found.organizations = list(_ids(_values(self.get("/organization"))))
        for org in found.organizations[:MAX_ORGANIZATIONS]:
            members = self.get(f"/organization/{org}/user")
            self.members += _values(members)
            if members is not None and not set(_ids(_values(members), USER_ID[self.flavor])) & self.callers:
                found.expendable_organizations.append(org)
            if self.flavor == "cloud":
                found.organization_properties += [
                    (org, key) for key in _property_keys(self.get(f"/organization/{org}/property"))
                ]

    def users(self) -> None:
        """Active customers of the desk and members of its organizations, none of them one of the run's callers."""
        customers = _values(self.get(f"/servicedesk/{self.found.desk}/customer")) + self.members
        field_name = USER_ID[self.flavor]
        refs = [
            ref
            for ref, user in ((user.get(field_name), user) for user in customers)
            if isinstance(ref, str) and ref and user.get("active", True) is True and ref not in self.callers
        ]
        self.found.users = list(dict.fromkeys(refs))

    def requests(self) -> None:
        found = self.found
        listed = _values(
            self.get(
                "/request", serviceDeskId=str(found.desk), requestOwnership="ALL_REQUESTS", limit=str(MAX_REQUESTS)
            )
        )
        found.requests = list(_ids(listed, "issueKey"))
        for item in listed[:MAX_REQUESTS]:
            key = item.get("issueKey")
            if not isinstance(key, str):
                continue
            self.request(key, done=_category(item) == "DONE")

    def request(self, key: str, *, done: bool) -> None:
        """The children of one request, each kind read until some request has one."""
        found = self.found
        if not found.comments:
            found.comments = [(key, c) for c in _ids(_values(self.get(f"/request/{key}/comment")))]
        if not found.slas:
            found.slas = [(key, s) for s in _ids(_values(self.get(f"/request/{key}/sla")))]
        if not found.approvals:
            found.approvals = [(key, a) for a in _ids(_values(self.get(f"/request/{key}/approval")))]
        if self.flavor != "cloud":
            return
        if not found.attachments:
            files = [(attachment_id(f), f) for f in _values(self.get(f"/request/{key}/attachment"))]
            found.attachments = [(key, a) for a, _ in files if a]
            found.images = [(key, a) for a, f in files if a and str(f.get("mimeType", "")).startswith("image/")]
        if done and not found.feedback and self.get(f"/request/{key}/feedback") is not None:
            found.feedback = [key]


def attachment_id(attachment: dict[str, Any]) -> str | None:
    """An attachment's id: JSM's AttachmentDTO has no id field, its links end with it (`.../attachment/10001`)."""
    links = attachment.get("_links")
    for name in ("self", "jiraRest", "content"):
        link = links.get(name) if isinstance(links, dict) else None
        if isinstance(link, str):
            segments = link.rstrip("/").split("/")
            if "attachment" in segments[:-1]:
                last = segments[segments.index("attachment") + 1]
                if last.isascii() and last.isdigit():
                    return last
    return None


def _category(request: dict[str, Any]) -> str | None:
    status = request.get("currentStatus")
    return str(status.get("statusCategory")) if isinstance(status, dict) else None


def _property_keys(body: Any) -> list[str]:
    keys = body.get("keys") if isinstance(body, dict) else None
    return list(_ids(keys, "key")) if isinstance(keys, list) else []


def take_inventory(
    session: requests.Session, target: Target, service_desk: str | None = None, callers: frozenset[str] = frozenset()
) -> Inventory:
    """The target's entities (in the sandbox desk when one is named); `callers` are never offered as expendable."""
    return Discovery(session, target, callers).run(service_desk)
