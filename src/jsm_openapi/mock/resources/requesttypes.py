"""Request types: lists, fields, groups, properties; create/update/delete; permissions (Cloud check, DC allowlist)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ..access import can_see_desk, desk_by_id, is_admin, is_agent, organizations_of, require_agent
from ..errors import bad_request, forbidden, not_found
from ..model import Organization, RequestType, RequestTypeGroup, ServiceDesk, User
from ..paging import page
from ..people import find_user
from ..render import request_type as render_rt
from ..render import request_type_field, request_type_group
from ..routing import CLOUD, SERVER, Call, is_number
from . import routes
from .organizations import property_answer, property_key, property_keys, property_value, store_property

ENTITY_TYPES = ("USER", "ORGANIZATION", "GROUP")
DEFAULT_FIELDS = [
    {"fieldId": "summary", "name": "Summary", "required": True, "schema": {"type": "string", "system": "summary"}},
    {
        "fieldId": "description",
        "name": "Description",
        "required": False,
        "schema": {"type": "string", "system": "description"},
    },
]


def allowed(call: Call, user: User, rt: RequestType, desk: ServiceDesk) -> bool:
    """May this user raise requests of this type (restricted types: only those on its allowlist, and agents)?"""
    if is_agent(user, desk) or not rt.restricted:
        return True
    orgs = {str(org.id) for org in organizations_of(call, user)}
    for entry in rt.allowlist:
        if entry["entityType"] == "USER" and entry["entityId"] in (user.username, user.account_id, user.key):
            return True
        if entry["entityType"] == "ORGANIZATION" and entry["entityId"] in orgs:
            return True
    return False


def types_of(call: Call, desk: ServiceDesk) -> list[RequestType]:
    return [rt for rt in call.tx.all(RequestType) if rt.service_desk_id == desk.id and allowed(call, call.me, rt, desk)]


def request_type_in(call: Call, desk: ServiceDesk, raw: str) -> RequestType:
    rt = call.tx.get(RequestType, int(raw)) if is_number(raw) else None
    if rt is None or rt.service_desk_id != desk.id or not allowed(call, call.me, rt, desk):
        raise not_found("Request type", raw, "sd.requesttype.error.not.found")
    return rt


def _fields_body(call: Call, rt: RequestType, desk: ServiceDesk) -> dict[str, Any]:
    return {
        "requestTypeFields": [request_type_field(f) for f in rt.fields],
        "canRaiseOnBehalfOf": is_agent(call.me, desk),
        "canAddRequestParticipants": True,
    }


def _render(call: Call, rt: RequestType, desk: ServiceDesk) -> dict[str, Any]:
    expand = "field" in call.multi("expand")
    return render_rt(call.site, rt, fields=_fields_body(call, rt, desk) if expand else None)


def _filter(call: Call, types: list[RequestType]) -> list[RequestType]:
    needle = (call.query.get("searchQuery") or "").lower()
    restriction = (call.query.get("restrictionStatus") or "").upper()
    group = call.query.get("groupId")
    if restriction and restriction not in ("OPEN", "RESTRICTED"):
        raise bad_request(
            f"restrictionStatus={restriction!r} is not OPEN or RESTRICTED.", "sd.requesttype.error.restriction"
        )
    if group is not None and not is_number(group):
        raise bad_request(f"groupId={group!r} is not a number.", "sd.requesttype.error.group")
    return [
        rt
        for rt in types
        if (not needle or needle in rt.name.lower() or needle in rt.description.lower())
        and (not restriction or (rt.restricted == (restriction == "RESTRICTED")))
        and (group is None or int(group) in rt.group_ids)
    ]


@routes.op("GET", "/servicedeskapi/servicedesk/{serviceDeskId}/requesttype")
def get_request_types(call: Call) -> Response:
    desk = desk_by_id(call, call.path["serviceDeskId"])
    return call.reply(page(call, _filter(call, types_of(call, desk)), lambda rt: _render(call, rt, desk)))


@routes.op("GET", "/servicedeskapi/requesttype", flavors=CLOUD, experimental=CLOUD)
def get_all_request_types(call: Call) -> Response:
    wanted = call.multi("serviceDeskId")
    if any(not is_number(w) for w in wanted):
        raise bad_request(f"serviceDeskId={wanted} must be numbers.", "sd.requesttype.error.servicedesk")
    desks = {d.id: d for d in call.tx.all(ServiceDesk) if can_see_desk(call, d) and (not wanted or str(d.id) in wanted)}
    types = [rt for desk in desks.values() for rt in types_of(call, desk)]
    return call.reply(page(call, _filter(call, types), lambda rt: _render(call, rt, desks[rt.service_desk_id])))


def _require_project_admin(call: Call, desk: ServiceDesk) -> None:
    if not is_admin(call.me):
        raise forbidden(
            f"You must be an administrator of service project {desk.project_key} to change request types.",
            "sd.requesttype.error.admin.required",
        )


def _text(body: dict[str, Any], name: str, *, required: bool) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise bad_request(f"{name!r} is required (a non-empty string).", "sd.requesttype.error.field", name)
    return value.strip()


@routes.op("POST", "/servicedeskapi/servicedesk/{serviceDeskId}/requesttype", experimental=CLOUD)
def create_request_type(call: Call) -> Response:
    desk = desk_by_id(call, call.path["serviceDeskId"])
    _require_project_admin(call, desk)
    body = call.object()
    name = _text(body, "name", required=True)
    issue_type = _text(body, "issueTypeId", required=True)
    if not is_number(issue_type):
        raise bad_request(f"issueTypeId={issue_type!r} is not an issue type id.", "sd.requesttype.error.issuetype")
    if any(rt.name.lower() == name.lower() for rt in call.tx.all(RequestType) if rt.service_desk_id == desk.id):
        raise bad_request(f"A request type named {name!r} already exists.", "sd.requesttype.error.name.taken", name)
    rt = RequestType(
        id=call.tx.next_id("requesttype"),
        service_desk_id=desk.id,
        name=name,
        description=_text(body, "description", required=False),
        help_text=_text(body, "helpText", required=False),
        issue_type_id=issue_type,
        fields=[dict(f) for f in DEFAULT_FIELDS],
    )
    call.tx.put(rt)
    return call.reply(render_rt(call.site, rt), 200)


@routes.op("PUT", "/servicedeskapi/servicedesk/{serviceDeskId}/requesttype", flavors=SERVER)
def update_request_type(call: Call) -> Response:
    desk = desk_by_id(call, call.path["serviceDeskId"])
    _require_project_admin(call, desk)
    body = call.object()
    raw = body.get("requestTypeId")
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not is_number(str(raw)):
        raise bad_request(
            "'requestTypeId' is required: the id of the request type to update.", "sd.requesttype.error.id"
        )
    rt = request_type_in(call, desk, str(raw))
    for name, attr in (("name", "name"), ("description", "description"), ("helpText", "help_text")):
        if name in body:
            setattr(rt, attr, _text(body, name, required=name == "name"))
    call.tx.put(rt)
    return call.reply(render_rt(call.site, rt))


@routes.op("GET", "/servicedeskapi/servicedesk/{serviceDeskId}/requesttype/{requestTypeId}")
def get_request_type_by_id(call: Call) -> Response:
    desk = desk_by_id(call, call.path["serviceDeskId"])
    return call.reply(_render(call, request_type_in(call, desk, call.path["requestTypeId"]), desk))


@routes.op("DELETE", "/servicedeskapi/servicedesk/{serviceDeskId}/requesttype/{requestTypeId}", experimental=CLOUD)
def delete_request_type(call: Call) -> Response:
    desk = desk_by_id(call, call.path["serviceDeskId"])
    rt = request_type_in(call, desk, call.path["requestTypeId"])
    _require_project_admin(call, desk)
    call.tx.delete(RequestType, rt.id)
    return call.no_content()


@routes.op("GET", "/servicedeskapi/servicedesk/{serviceDeskId}/requesttype/{requestTypeId}/field")
def get_request_type_fields(call: Call) -> Response:
    desk = desk_by_id(call, call.path["serviceDeskId"])
    rt = request_type_in(call, desk, call.path["requestTypeId"])
    return call.reply(_fields_body(call, rt, desk))


@routes.op("GET", "/servicedeskapi/servicedesk/{serviceDeskId}/requesttypegroup")
def get_request_type_groups(call: Call) -> Response:
    desk = desk_by_id(call, call.path["serviceDeskId"])
    groups = [g for g in call.tx.all(RequestTypeGroup) if g.service_desk_id == desk.id]
    return call.reply(page(call, groups, request_type_group))


# --- properties (Cloud, experimental) -------------------------------------------------------------------------

_PROPS = "/servicedeskapi/servicedesk/{serviceDeskId}/requesttype/{requestTypeId}/property"


def _rt_for_properties(call: Call) -> tuple[ServiceDesk, RequestType]:
    desk = desk_by_id(call, call.path["serviceDeskId"])
    return desk, request_type_in(call, desk, call.path["requestTypeId"])


@routes.op("GET", _PROPS, flavors=CLOUD, experimental=CLOUD)
def get_request_type_property_keys(call: Call) -> Response:
    desk, rt = _rt_for_properties(call)
    return property_keys(
        call, rt.properties, call.site.rest(f"/servicedeskapi/servicedesk/{desk.id}/requesttype/{rt.id}/property")
    )


@routes.op("GET", _PROPS + "/{propertyKey}", flavors=CLOUD, experimental=CLOUD)
def get_request_type_property(call: Call) -> Response:
    _, rt = _rt_for_properties(call)
    return property_answer(call, rt.properties, property_key(call), f"request type {rt.id}")


@routes.op("PUT", _PROPS + "/{propertyKey}", flavors=CLOUD, experimental=CLOUD)
def set_request_type_property(call: Call) -> Response:
    desk, rt = _rt_for_properties(call)
    _require_project_admin(call, desk)
    answer = store_property(call, rt.properties, property_key(call), property_value(call))
    call.tx.put(rt)
    return answer


@routes.op("DELETE", _PROPS + "/{propertyKey}", flavors=CLOUD, experimental=CLOUD)
def delete_request_type_property(call: Call) -> Response:
    desk, rt = _rt_for_properties(call)
    _require_project_admin(call, desk)
    key = property_key(call)
    if key not in rt.properties:
        raise not_found(f"Property {key!r} of request type", rt.id, "jira.properties.service.property.not.found")
    del rt.properties[key]
    call.tx.put(rt)
    return call.no_content()


# --- permissions --------------------------------------------------------------------------------------------------


@routes.op(
    "POST",
    "/servicedeskapi/servicedesk/{serviceDeskId}/requesttype/permissions/check",
    flavors=CLOUD,
    experimental=CLOUD,
)
def check_request_type_permissions(call: Call) -> Response:
    desk = desk_by_id(call, call.path["serviceDeskId"])
    body = call.object()
    account = body.get("accountId")
    subject = call.me if account is None else find_user(call, str(account))
    if subject is None:
        raise bad_request(f"The user {account!r} does not exist.", "sd.error.users.not.found", str(account))
    if subject.id != call.me.id:
        require_agent(call, desk)
    wanted = body.get("permissions") or ["canCreateRequest", "canAdminister"]
    ids = body.get("requestTypeIds")
    if not isinstance(wanted, list) or any(p not in ("canCreateRequest", "canAdminister") for p in wanted):
        raise bad_request(
            "'permissions' may list canCreateRequest and canAdminister.", "sd.requesttype.error.permissions"
        )
    if ids is not None and (
        not isinstance(ids, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in ids)
    ):
        raise bad_request("'requestTypeIds' must be a list of numbers.", "sd.requesttype.error.ids")
    types = [rt for rt in call.tx.all(RequestType) if rt.service_desk_id == desk.id and (ids is None or rt.id in ids)]
    answer: dict[str, list[int]] = {}
    if "canCreateRequest" in wanted:
        answer["canCreateRequest"] = [rt.id for rt in types if allowed(call, subject, rt, desk)]
    if "canAdminister" in wanted:
        answer["canAdminister"] = [rt.id for rt in types if is_admin(subject)]
    return call.reply(answer)


def _permission_body(call: Call, rt: RequestType) -> dict[str, Any]:
    users = call.tx.all(User)
    orgs = {str(o.id): o for o in call.tx.all(Organization)}
    entries = []
    for entry in rt.allowlist:
        name, avatar = entry["entityId"], ""
        if entry["entityType"] == "USER":
            match = next((u for u in users if entry["entityId"] in (u.username, u.key, u.account_id)), None)
            name = match.display_name if match else name
        elif entry["entityType"] == "ORGANIZATION" and entry["entityId"] in orgs:
            name = orgs[entry["entityId"]].name
        entries.append({**entry, "displayName": name, "avatarUrl": avatar, "status": "ACTIVE"})
    return {"id": str(rt.id), "permissions": entries}


@routes.op("GET", "/servicedeskapi/servicedesk/{serviceDeskId}/requesttype/{requestTypeId}/permission", flavors=SERVER)
def get_permissions_by_request_type_id(call: Call) -> Response:
    desk = desk_by_id(call, call.path["serviceDeskId"])
    require_agent(call, desk)
    return call.reply(_permission_body(call, request_type_in(call, desk, call.path["requestTypeId"])))


@routes.op("PUT", "/servicedeskapi/servicedesk/{serviceDeskId}/requesttype/{requestTypeId}/permission", flavors=SERVER)
def upsert_request_type_permission(call: Call) -> Response:
    desk = desk_by_id(call, call.path["serviceDeskId"])
    rt = request_type_in(call, desk, call.path["requestTypeId"])
    _require_project_admin(call, desk)
    allowlist = call.object().get("allowlist")
    if not isinstance(allowlist, list):
        raise bad_request(
            "'allowlist' is required: a list of {entityId, entityType}.", "sd.requesttype.error.allowlist"
        )
    entries = []
    for index, entry in enumerate(allowlist):
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("entityId"), str)
            or entry.get("entityType") not in ENTITY_TYPES
        ):
            raise bad_request(
                f"allowlist[{index}] must be {{entityId: string, entityType: {'|'.join(ENTITY_TYPES)}}}.",
                "sd.requesttype.error.allowlist",
            )
        entries.append({"entityId": entry["entityId"], "entityType": entry["entityType"]})
    rt.allowlist = entries
    rt.restricted = bool(entries)
    call.tx.put(rt)
    return call.reply(_permission_body(call, rt))
