"""Organizations, their users and properties, a service desk's organizations, and the DC clean-up."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from .. import ids
from ..access import desk_by_id, is_agent_anywhere, organizations_of, require_admin, require_agent
from ..dates import now_ms
from ..errors import JsmError, bad_request, forbidden, not_found
from ..model import Organization, Request, ServiceDesk
from ..paging import page
from ..people import find_user, users_by_id, users_in_body
from ..render import organization as render_org
from ..render import user as render_user
from ..routing import CLOUD, SERVER, Call, is_number
from . import routes

MAX_PROPERTY_KEY = 255
MAX_PROPERTY_BYTES = 32768


def _visible(call: Call) -> list[Organization]:
    orgs = call.tx.all(Organization)
    if is_agent_anywhere(call):
        return orgs
    return [org for org in orgs if call.me.id in org.user_ids]


def org_by_id(call: Call, raw: str) -> Organization:
    org = call.tx.get(Organization, int(raw)) if is_number(raw) else None
    if org is None or org not in _visible(call):
        raise not_found("Organization", raw, "sd.organization.error.not.found")
    return org


def _require_org_editor(call: Call) -> None:
    if not is_agent_anywhere(call):
        raise forbidden("Only agents and administrators can change organizations.", "sd.organization.error.permission")


def _account_filter(call: Call, orgs: list[Organization]) -> list[Organization]:
    account = call.query.get("accountId")
    if not account or not call.site.cloud:
        return orgs
    user = find_user(call, account)
    return [] if user is None else [org for org in orgs if user.id in org.user_ids]


@routes.op("GET", "/servicedeskapi/organization")
def get_organizations(call: Call) -> Response:
    orgs = _account_filter(call, _visible(call))
    return call.reply(page(call, orgs, lambda o: render_org(call.site, o)))


@routes.op("POST", "/servicedeskapi/organization")
def create_organization(call: Call) -> Response:
    _require_org_editor(call)
    name = call.object().get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("'name' is required: give the organization a name.", "sd.organization.error.name.required")
    name = name.strip()
    if any(org.name.lower() == name.lower() for org in call.tx.all(Organization)):
        raise bad_request(f"An organization named {name!r} already exists.", "sd.organization.error.name.taken", name)
    org_id = call.tx.next_id("organization")
    org = Organization(id=org_id, name=name, uuid=ids.organization_uuid(org_id, name), created=now_ms())
    call.tx.put(org)
    return call.reply(render_org(call.site, org), 201)


@routes.op("GET", "/servicedeskapi/organization/{organizationId}")
def get_organization(call: Call) -> Response:
    return call.reply(render_org(call.site, org_by_id(call, call.path["organizationId"])))


def _delete_org(call: Call, org: Organization) -> None:
    call.tx.delete(Organization, org.id)
    for desk in call.tx.all(ServiceDesk):
        if org.id in desk.organization_ids:
            desk.organization_ids.remove(org.id)
            call.tx.put(desk)
    for request in call.tx.all(Request):
        if org.id in request.organization_ids:
            request.organization_ids.remove(org.id)
            call.tx.put(request)


@routes.op("DELETE", "/servicedeskapi/organization/{organizationId}")
def delete_organization(call: Call) -> Response:
    org = org_by_id(call, call.path["organizationId"])
    require_admin(call, "delete organizations")
    _delete_org(call, org)
    return call.no_content()


@routes.op("GET", "/servicedeskapi/organization/{organizationId}/user")
def get_users_in_organization(call: Call) -> Response:
    """Agents and administrators only, as Cloud's document says ("Service desk administrator or agent"); DC the
    same (one product): a customer who may see the organization learns that it exists, not who else is in it."""
    org = org_by_id(call, call.path["organizationId"])
    if not is_agent_anywhere(call):
        raise forbidden(
            "Only service desk agents and administrators can list an organization's users.",
            "sd.organization.error.permission",
        )
    users = users_by_id(call)
    return call.reply(page(call, [users[u] for u in org.user_ids if u in users], lambda u: render_user(call.site, u)))


@routes.op("POST", "/servicedeskapi/organization/{organizationId}/user")
def add_users_to_organization(call: Call) -> Response:
    org = org_by_id(call, call.path["organizationId"])
    _require_org_editor(call)
    for user in users_in_body(call, call.object()):
        if user.id not in org.user_ids:
            org.user_ids.append(user.id)
    call.tx.put(org)
    return call.no_content()


@routes.op("DELETE", "/servicedeskapi/organization/{organizationId}/user")
def remove_users_from_organization(call: Call) -> Response:
    org = org_by_id(call, call.path["organizationId"])
    _require_org_editor(call)
    gone = {user.id for user in users_in_body(call, call.object())}
    org.user_ids = [uid for uid in org.user_ids if uid not in gone]
    call.tx.put(org)
    return call.no_content()


# --- properties (Cloud) ---------------------------------------------------------------------------------------


def property_key(call: Call) -> str:
    key = call.path["propertyKey"]
    if len(key) > MAX_PROPERTY_KEY:
        raise bad_request(
            f"The property key is longer than {MAX_PROPERTY_KEY} characters.", "jira.properties.service.key.too.long"
        )
    return key


def property_value(call: Call) -> Any:
    if len(call.raw_body) > MAX_PROPERTY_BYTES:
        raise JsmError(
            400,
            f"The property value is larger than {MAX_PROPERTY_BYTES} bytes.",
            "jira.properties.service.value.too.long",
        )
    return call.json()


def property_keys(call: Call, properties: dict[str, Any], self_base: str) -> Response:
    return call.reply({"keys": [{"key": key, "self": f"{self_base}/{key}"} for key in properties]})


def property_answer(call: Call, properties: dict[str, Any], key: str, what: str) -> Response:
    if key not in properties:
        raise not_found(f"Property {key!r} of", what, "jira.properties.service.property.not.found")
    return call.reply({"key": key, "value": properties[key]})


def store_property(call: Call, properties: dict[str, Any], key: str, value: Any) -> Response:
    created = key not in properties
    properties[key] = value
    return Response(status_code=201 if created else 200)


@routes.op("GET", "/servicedeskapi/organization/{organizationId}/property", flavors=CLOUD)
def get_organization_property_keys(call: Call) -> Response:
    org = org_by_id(call, call.path["organizationId"])
    return property_keys(call, org.properties, call.site.rest(f"/servicedeskapi/organization/{org.id}/property"))


@routes.op("GET", "/servicedeskapi/organization/{organizationId}/property/{propertyKey}", flavors=CLOUD)
def get_organization_property(call: Call) -> Response:
    org = org_by_id(call, call.path["organizationId"])
    return property_answer(call, org.properties, property_key(call), f"organization {org.id}")


@routes.op("PUT", "/servicedeskapi/organization/{organizationId}/property/{propertyKey}", flavors=CLOUD)
def set_organization_property(call: Call) -> Response:
    org = org_by_id(call, call.path["organizationId"])
    _require_org_editor(call)
    key, value = property_key(call), property_value(call)
    answer = store_property(call, org.properties, key, value)
    call.tx.put(org)
    return answer


@routes.op("DELETE", "/servicedeskapi/organization/{organizationId}/property/{propertyKey}", flavors=CLOUD)
def delete_organization_property(call: Call) -> Response:
    org = org_by_id(call, call.path["organizationId"])
    _require_org_editor(call)
    key = property_key(call)
    if key not in org.properties:
        raise not_found(f"Property {key!r} of organization", org.id, "jira.properties.service.property.not.found")
    del org.properties[key]
    call.tx.put(org)
    return call.no_content()


# --- a service desk's organizations -----------------------------------------------------------------------------


def _organization_id(call: Call) -> int:
    raw = call.object().get("organizationId")
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not is_number(str(raw)):
        raise bad_request(
            "'organizationId' is required: the id of an organization.", "sd.organization.error.id.required"
        )
    return int(raw)


@routes.op("GET", "/servicedeskapi/servicedesk/{serviceDeskId}/organization")
def get_service_desk_organizations(call: Call) -> Response:
    desk = desk_by_id(call, call.path["serviceDeskId"])
    orgs = [org for org in call.tx.all(Organization) if org.id in desk.organization_ids]
    if not is_agent_anywhere(call):
        mine = {org.id for org in organizations_of(call, call.me)}
        orgs = [org for org in orgs if org.id in mine]
    orgs = _account_filter(call, orgs)
    return call.reply(page(call, orgs, lambda o: render_org(call.site, o)))


@routes.op("POST", "/servicedeskapi/servicedesk/{serviceDeskId}/organization")
def add_organization(call: Call) -> Response:
    desk = desk_by_id(call, call.path["serviceDeskId"])
    require_agent(call, desk)
    org = org_by_id(call, str(_organization_id(call)))
    if org.id not in desk.organization_ids:
        desk.organization_ids.append(org.id)
        call.tx.put(desk)
    return call.no_content()


@routes.op("DELETE", "/servicedeskapi/servicedesk/{serviceDeskId}/organization")
def remove_organization(call: Call) -> Response:
    desk = desk_by_id(call, call.path["serviceDeskId"])
    require_agent(call, desk)
    org = org_by_id(call, str(_organization_id(call)))
    if org.id in desk.organization_ids:
        desk.organization_ids.remove(org.id)
        call.tx.put(desk)
    return call.no_content()


# --- clean-up (Data Center) -------------------------------------------------------------------------------------


def _cleanup_candidates(call: Call) -> list[Organization]:
    require_admin(call, "clean up organizations")
    detached = call.flag("deleteDetachedOrganizations")
    inactive = call.flag("deleteOrganizationsWithInactiveUsers")
    linked = {org_id for desk in call.tx.all(ServiceDesk) for org_id in desk.organization_ids}
    users = users_by_id(call)

    def all_inactive(org: Organization) -> bool:
        return all(not users[u].active for u in org.user_ids if u in users)

    return [
        org
        for org in call.tx.all(Organization)
        if (detached and org.id not in linked) or (inactive and all_inactive(org))
    ]


@routes.op("GET", "/servicedeskapi/organization/cleanup", flavors=SERVER)
def preview_clean_up_organizations(call: Call) -> Response:
    return call.reply([{"id": org.id, "name": org.name} for org in _cleanup_candidates(call)])


@routes.op("DELETE", "/servicedeskapi/organization/cleanup", flavors=SERVER)
def clean_up_organizations(call: Call) -> Response:
    for org in _cleanup_candidates(call):
        _delete_org(call, org)
    return call.no_content()
