"""Service desks (both flavors) and customer portals (Data Center)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ..access import can_see_desk, desk_by_id
from ..errors import not_found
from ..model import ServiceDesk
from ..paging import page
from ..render import service_desk as render_desk
from ..routing import SERVER, Call, is_number
from . import routes


def visible_desks(call: Call, *, archived: bool = False) -> list[ServiceDesk]:
    return [d for d in call.tx.all(ServiceDesk) if can_see_desk(call, d) and (archived or not d.archived)]


@routes.op("GET", "/servicedeskapi/servicedesk")
def get_service_desks(call: Call) -> Response:
    archived = call.flag("includeArchived") if not call.site.cloud else False
    return call.reply(page(call, visible_desks(call, archived=archived), lambda d: render_desk(call.site, d)))


@routes.op("GET", "/servicedeskapi/servicedesk/{serviceDeskId}")
def get_service_desk_by_id(call: Call) -> Response:
    return call.reply(render_desk(call.site, desk_by_id(call, call.path["serviceDeskId"])))


def _portal(call: Call, desk: ServiceDesk) -> dict[str, Any]:
    url = call.site.rest(f"/servicedeskapi/portals/{desk.id}")
    return {
        "id": desk.id,
        "name": desk.portal_name,
        "description": desk.portal_description,
        "self": url,
        "_links": {"self": url},
    }


@routes.op("GET", "/servicedeskapi/portals", flavors=SERVER)
def get_portals(call: Call) -> Response:
    return call.reply(page(call, visible_desks(call), lambda d: _portal(call, d)))


@routes.op("GET", "/servicedeskapi/portals/{portalId}", flavors=SERVER)
def get_portal(call: Call) -> Response:
    raw = call.path["portalId"]
    desk = call.tx.get(ServiceDesk, int(raw)) if is_number(raw) else None
    if desk is None or not can_see_desk(call, desk):
        raise not_found("Portal", raw, "sd.portal.error.not.found")
    return call.reply(_portal(call, desk))


@routes.op("GET", "/servicedeskapi/portals/project/{projectKey}", flavors=SERVER)
def get_portal_by_project_key(call: Call) -> Response:
    key = call.path["projectKey"]
    desk = next((d for d in visible_desks(call) if d.project_key.lower() == key.lower()), None)
    if desk is None:
        raise not_found("Portal of project", key, "sd.portal.error.not.found")
    return call.reply(_portal(call, desk))


__all__ = ["desk_by_id", "visible_desks"]
