"""Who may see and do what: JSM's roles (Jira admin, agent of a service desk, customer of one)."""

from __future__ import annotations

from .errors import JsmError, forbidden, not_found
from .model import Organization, Request, ServiceDesk, User
from .routing import Call, is_number


def is_admin(user: User) -> bool:
    return user.role == "admin"


def is_agent(user: User, desk: ServiceDesk) -> bool:
    return is_admin(user) or user.id in desk.agent_ids


def is_agent_anywhere(call: Call) -> bool:
    return is_admin(call.me) or any(call.me.id in desk.agent_ids for desk in call.tx.all(ServiceDesk))


def organizations_of(call: Call, user: User) -> list[Organization]:
    return [org for org in call.tx.all(Organization) if user.id in org.user_ids]


def is_customer(call: Call, user: User, desk: ServiceDesk) -> bool:
    if user.id in desk.customer_ids:
        return True
    return any(org.id in desk.organization_ids for org in organizations_of(call, user))


def can_see_desk(call: Call, desk: ServiceDesk) -> bool:
    return is_agent(call.me, desk) or is_customer(call, call.me, desk)


def desk_by_id(call: Call, raw: str) -> ServiceDesk:
    """A service desk by id or project key (JSM accepts both); 404 when absent or not visible to the caller."""
    desk = None
    if is_number(raw):
        desk = call.tx.get(ServiceDesk, int(raw))
    else:
        desk = next((d for d in call.tx.all(ServiceDesk) if d.project_key.lower() == raw.lower()), None)
    if desk is None or not can_see_desk(call, desk):
        raise not_found("Service desk", raw, "sd.servicedesk.error.not.found")
    return desk


def require_agent(call: Call, desk: ServiceDesk) -> None:
    if not is_agent(call.me, desk):
        raise forbidden(
            f"You must be an agent of service project {desk.project_key} to do this.", "sd.error.agent.required"
        )


def require_admin(call: Call, what: str) -> None:
    if not is_admin(call.me):
        raise forbidden(f"Only a Jira administrator can {what}.", "sd.error.admin.required")


def can_see_request(call: Call, request: Request) -> bool:
    user = call.me
    desk = call.tx.get(ServiceDesk, request.service_desk_id)
    if desk is not None and is_agent(user, desk):
        return True
    if user.id == request.reporter_id or user.id in request.participant_ids:
        return True
    from .model import Approval

    if any(user.id in a.approver_ids for a in call.tx.all(Approval) if a.request_id == request.id):
        return True
    return any(org.id in request.organization_ids for org in organizations_of(call, user))


def request_by_key(call: Call, raw: str) -> Request:
    """A customer request by issue id or key; 404 when absent or not visible to the caller."""
    request = None
    if is_number(raw):
        request = call.tx.get(Request, int(raw))
    else:
        request = next((r for r in call.tx.all(Request) if r.key.lower() == raw.lower()), None)
    if request is None or not can_see_request(call, request):
        raise not_found("Request", raw, "sd.request.error.not.found")
    return request


def desk_of(call: Call, request: Request) -> ServiceDesk:
    desk = call.tx.get(ServiceDesk, request.service_desk_id)
    if desk is None:  # a request outlived its service desk: a bug in the mock, not the caller's fault
        raise JsmError(500, f"Service desk {request.service_desk_id} of {request.key} is gone.", "sd.error.internal")
    return desk
