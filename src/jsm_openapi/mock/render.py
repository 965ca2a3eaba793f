"""Records → each product's JSON (ids as strings, dates as DateDTO, users per flavor, `_links` to this site)."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from .dates import date_dto, duration_dto
from .model import (
    Approval,
    Article,
    Attachment,
    Comment,
    Organization,
    Queue,
    Request,
    RequestType,
    RequestTypeGroup,
    ServiceDesk,
    User,
)
from .routing import Site


def path_segment(text: str) -> str:
    """`text` as one path segment of a link: every reserved character encoded (`/`, `?`, `#`, `%`, ...), and a
    name of only dots encoded too, so no client resolves it as `.` or `..`."""
    encoded = quote(text, safe="")
    return encoded.replace(".", "%2E") if set(text) <= {"."} else encoded


def avatar_urls(site: Site, user: User) -> dict[str, str]:
    digest = hashlib.md5(user.email.lower().encode(), usedforsecurity=False).hexdigest()
    return {f"{n}x{n}": f"{site.base_url}/secure/useravatar?size={n}&avatarId={digest}" for n in (16, 24, 32, 48)}


def user_rest_link(site: Site, user: User) -> str:
    if site.cloud:
        return site.rest(f"/api/2/user?accountId={quote(user.username)}")
    return site.rest(f"/api/2/user?username={quote(user.username)}")


def user(site: Site, record: User) -> dict[str, Any]:
    """UserDTO. Server: name (username), key. Cloud: accountId, with name and key carrying it too."""
    body: dict[str, Any] = {}
    if site.cloud:
        body["accountId"] = record.account_id
    body |= {
        "name": record.username,
        "key": record.key,
        "emailAddress": record.email,
        "displayName": record.display_name,
        "active": record.active,
        "timeZone": record.time_zone,
        "_links": {
            "jiraRest": user_rest_link(site, record),
            "avatarUrls": avatar_urls(site, record),
            "self": user_rest_link(site, record),
        },
    }
    return body


def platform_user(site: Site, record: User, version: int = 2) -> dict[str, Any]:
    """The Jira platform's user (`/rest/api/{version}/...`): Server UserBean (name, key, deleted); Cloud User
    (accountId, accountType; the v3 link on v3 answers)."""
    if site.cloud:
        link = site.rest(f"/api/{version}/user?accountId={quote(record.username)}")
        account_type = "customer" if record.role == "customer" else "atlassian"
        head: dict[str, Any] = {"self": link, "accountId": record.account_id, "accountType": account_type}
    else:
        head = {"self": user_rest_link(site, record), "key": record.key, "name": record.username}
    body = head | {
        "emailAddress": record.email,
        "avatarUrls": avatar_urls(site, record),
        "displayName": record.display_name,
        "active": record.active,
        "timeZone": record.time_zone,
        "locale": "en_US",
    }
    if not site.cloud:
        body["deleted"] = record.deleted
    return body


def organization(site: Site, record: Organization) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(record.id),
        "name": record.name,
        "_links": {"self": site.rest(f"/servicedeskapi/organization/{record.id}")},
    }
    if site.cloud:
        body |= {"uuid": record.uuid, "scimManaged": False, "created": date_dto(record.created)}
    return body


def service_desk(site: Site, record: ServiceDesk) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(record.id),
        "projectId": str(record.project_id),
        "projectName": record.project_name,
        "projectKey": record.project_key,
        "_links": {"self": site.rest(f"/servicedeskapi/servicedesk/{record.id}")},
    }
    if site.cloud:
        body["projectTypeKey"] = "service_desk"
    return body


def request_type_icon(site: Site, record: RequestType) -> dict[str, Any]:
    base = site.rest(f"/api/2/universal_avatar/view/type/SD_REQTYPE/avatar/{record.icon_id}")
    return {
        "id": record.icon_id,
        "_links": {
            "iconUrls": {
                f"{n}x{n}": f"{base}?size={s}"
                for n, s in ((48, "large"), (24, "small"), (16, "xsmall"), (32, "medium"))
            }
        },
    }


def request_type(site: Site, record: RequestType, *, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "_expands": [] if fields is not None else ["field"],
        "id": str(record.id),
        "_links": {"self": site.rest(f"/servicedeskapi/servicedesk/{record.service_desk_id}/requesttype/{record.id}")},
        "name": record.name,
        "description": record.description,
        "helpText": record.help_text,
        "serviceDeskId": str(record.service_desk_id),
        "groupIds": [str(g) for g in record.group_ids],
        "icon": request_type_icon(site, record),
        "restrictionStatus": "RESTRICTED" if record.restricted else "OPEN",
    }
    if site.cloud:
        body |= {"issueTypeId": record.issue_type_id, "portalId": str(record.service_desk_id), "canCreateRequest": True}
    if fields is not None:
        body["fields"] = fields
    return body


def request_type_group(record: RequestTypeGroup) -> dict[str, Any]:
    return {"id": str(record.id), "name": record.name}


def field_value(site: Site, field: dict[str, Any], value: Any) -> dict[str, Any]:
    """CustomerRequestFieldValueDTO: options become `{self, value, id}`; text gets a rendered HTML value."""
    kind = field["schema"]["type"]
    body: dict[str, Any] = {"fieldId": field["fieldId"], "label": field["name"]}
    if kind == "option" and isinstance(value, dict):
        body["value"] = {
            "self": site.rest(f"/api/2/customFieldOption/{value['id']}"),
            "value": value["value"],
            "id": value["id"],
        }
    elif kind == "array" and isinstance(value, list):
        body["value"] = [
            {"self": site.rest(f"/api/2/customFieldOption/{v['id']}"), "value": v["value"], "id": v["id"]}
            for v in value
        ]
    else:
        body["value"] = value
    if field["fieldId"] == "description" and isinstance(value, str):
        body["renderedValue"] = {"html": f"<p>{value}</p>"}
    return body


def request_type_field(field: dict[str, Any]) -> dict[str, Any]:
    options = [{"value": o["id"], "label": o["value"], "children": []} for o in field.get("options", [])]
    return {
        "fieldId": field["fieldId"],
        "name": field["name"],
        "description": field.get("description", ""),
        "required": field.get("required", False),
        "defaultValues": [],
        "validValues": options,
        "presetValues": [],
        "jiraSchema": dict(field["schema"]),
        "visible": field.get("visible", True),
    }


def status_entry(entry: dict[str, Any]) -> dict[str, Any]:
    return {"status": entry["status"], "statusCategory": entry["category"], "statusDate": date_dto(entry["at"])}


def request_links(site: Site, record: Request) -> dict[str, str]:
    return {
        "self": site.rest(f"/servicedeskapi/request/{record.id}"),
        "jiraRest": site.rest(f"/api/2/issue/{record.id}"),
        "web": f"{site.base_url}/servicedesk/customer/portal/{record.service_desk_id}/{record.key}",
        "agent": f"{site.base_url}/browse/{record.key}",
    }


def comment(
    site: Site, record: Comment, author: User, *, attachments: dict[str, Any] | None = None, rendered: bool = False
) -> dict[str, Any]:
    expands = [] if attachments is not None else ["attachment"]
    if not rendered:
        expands.append("renderedBody")
    body: dict[str, Any] = {
        "_expands": expands,
        "id": str(record.id),
        "body": record.body,
        "public": record.public,
        "author": user(site, author),
        "created": date_dto(record.created),
        "_links": {"self": site.rest(f"/servicedeskapi/request/{record.request_id}/comment/{record.id}")},
    }
    if attachments is not None:
        body["attachments"] = attachments
    if rendered:
        body["renderedBody"] = {"html": f"<p>{record.body}</p>"}
    return body


def attachment(site: Site, record: Attachment, author: User) -> dict[str, Any]:
    """AttachmentDTO: JSM gives no id; the links carry it."""
    if site.cloud:
        content = site.rest(f"/servicedeskapi/request/{record.request_id}/attachment/{record.id}")
        thumbnail = f"{content}/thumbnail"
    else:
        content = f"{site.base_url}/secure/attachment/{record.id}/{path_segment(record.filename)}"
        thumbnail = f"{site.base_url}/secure/thumbnail/{record.id}/{path_segment(record.filename)}"
    return {
        "filename": record.filename,
        "author": user(site, author),
        "created": date_dto(record.created),
        "size": record.size,
        "mimeType": record.mime_type,
        "_links": {
            "self": site.rest(f"/api/2/attachment/{record.id}"),
            "jiraRest": site.rest(f"/api/2/attachment/{record.id}"),
            "content": content,
            "thumbnail": thumbnail,
        },
    }


def approval(site: Site, record: Approval, users: dict[int, User], viewer: User) -> dict[str, Any]:
    approvers = [
        {"approver": user(site, users[uid]), "approverDecision": record.decisions.get(str(uid), "pending")}
        for uid in record.approver_ids
        if uid in users
    ]
    body: dict[str, Any] = {
        "id": str(record.id),
        "name": record.name,
        "finalDecision": record.final,
        "canAnswerApproval": record.final == "pending"
        and viewer.id in record.approver_ids
        and str(viewer.id) not in record.decisions,
        "approvers": approvers,
        "createdDate": date_dto(record.created),
        "_links": {"self": site.rest(f"/servicedeskapi/request/{record.request_id}/approval/{record.id}")},
    }
    if record.completed is not None:
        body["completedDate"] = date_dto(record.completed)
    return body


def sla(site: Site, request: Request, goal: dict[str, Any], now: int) -> dict[str, Any]:
    """SlaInformationDTO from a goal (`stopsOn` first-response or resolution) and the request's history."""
    goal_ms = goal["goalMinutes"] * 60_000
    stop = request.first_response_at if goal["stopsOn"] == "first-response" else request.resolved_at
    start = request.created
    body: dict[str, Any] = {
        "id": str(goal["id"]),
        "name": goal["name"],
        "_links": {"self": site.rest(f"/servicedeskapi/request/{request.id}/sla/{goal['id']}")},
        "completedCycles": [],
        "slaDisplayFormat": "NEW_SLA_FORMAT",
    }
    if stop is not None:
        elapsed = stop - start
        body["completedCycles"].append(
            {
                "startTime": date_dto(start),
                "stopTime": date_dto(stop),
                "breachTime": date_dto(start + goal_ms),
                "breached": elapsed > goal_ms,
                "goalDuration": duration_dto(goal_ms),
                "elapsedTime": duration_dto(elapsed),
                "remainingTime": duration_dto(goal_ms - elapsed),
            }
        )
        if not site.cloud:
            body.pop("slaDisplayFormat")
        return body
    elapsed = now - start
    body["ongoingCycle"] = {
        "startTime": date_dto(start),
        "breachTime": date_dto(start + goal_ms),
        "breached": elapsed > goal_ms,
        "paused": False,
        "withinCalendarHours": True,
        "goalDuration": duration_dto(goal_ms),
        "elapsedTime": duration_dto(elapsed),
        "remainingTime": duration_dto(goal_ms - elapsed),
    }
    if not site.cloud:
        body.pop("slaDisplayFormat")
    return body


def queue(site: Site, record: Queue, issue_count: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(record.id),
        "name": record.name,
        "jql": record.jql,
        "fields": list(record.fields),
        "_links": {"self": site.rest(f"/servicedeskapi/servicedesk/{record.service_desk_id}/queue/{record.id}")},
    }
    if issue_count is not None:
        body["issueCount"] = issue_count
    return body


def article(site: Site, record: Article, query: str, highlight: bool) -> dict[str, Any]:
    def mark(text: str) -> str:
        if not highlight or not query:
            return text
        lower, needle = text.lower(), query.lower()
        out, at = [], 0
        while (hit := lower.find(needle, at)) >= 0:
            out += [text[at:hit], "@@@hl@@@", text[hit : hit + len(needle)], "@@@endhl@@@"]
            at = hit + len(needle)
        return "".join([*out, text[at:]])

    page_url = f"{site.base_url}/wiki/spaces/{record.space_key}/pages/{record.page_id}"
    return {
        "title": mark(record.title),
        "excerpt": mark(record.excerpt),
        "source": {"type": "confluence", "pageId": record.page_id, "spaceKey": record.space_key},
        "content": {"iframeSrc": f"{page_url}?iframe=true"},
    }
