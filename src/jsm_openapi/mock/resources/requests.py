"""Customer requests: create (with field values), get, list with filters; status, transitions, participants,
notifications, SLA, feedback and approvals."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ..access import desk_by_id, desk_of, is_agent, is_customer, organizations_of, request_by_key, require_agent
from ..config import Defect
from ..dates import date_dto, now_ms
from ..errors import JsmError, bad_request, conflict, forbidden, not_found
from ..fields import check_value
from ..model import Approval, Attachment, Comment, Request, RequestType, ServiceDesk, User
from ..paging import page
from ..people import find_user, users_by_id, users_in_body
from ..render import approval as render_approval
from ..render import attachment as render_attachment
from ..render import comment as render_comment
from ..render import field_value, request_links, service_desk, sla, status_entry
from ..render import request_type as render_rt
from ..render import user as render_user
from ..routing import CLOUD, SERVER, Call, Site, is_number
from ..seed import user_by_index
from . import routes
from .requesttypes import allowed

EXPANDS = ("participant", "status", "sla", "requestType", "serviceDesk", "attachment", "action", "comment")
OWNERSHIP = ("OWNED_REQUESTS", "PARTICIPATED_REQUESTS", "ORGANIZATION", "ALL_ORGANIZATIONS", "APPROVER", "ALL_REQUESTS")
STATUS_FILTERS = ("OPEN_REQUESTS", "CLOSED_REQUESTS", "ALL_REQUESTS")
APPROVAL_FILTERS = ("MY_PENDING_APPROVAL", "MY_HISTORY_APPROVAL")


def embedded_page(site: Site, items: list[Any], self_url: str) -> dict[str, Any]:
    """A first page inside another answer (an expansion), as JSM embeds them."""
    chunk = items[:50]
    return {
        "size": len(chunk),
        "start": 0,
        "limit": 50,
        "isLastPage": len(items) <= 50,
        "_links": {"base": site.base_url, "context": "", "self": self_url},
        "values": chunk,
    }


def visible_comments(call: Call, request: Request) -> list[Comment]:
    agent = is_agent(call.me, desk_of(call, request))
    return [c for c in call.tx.all(Comment) if c.request_id == request.id and (c.public or agent)]


def render_request(call: Call, request: Request, expand: list[str] | None = None) -> dict[str, Any]:
    expand = call.multi("expand") if expand is None else expand
    site, tx = call.site, call.tx
    users = users_by_id(call)
    desk = desk_of(call, request)
    rt = tx.get(RequestType, request.request_type_id)
    fields = {f["fieldId"]: f for f in (rt.fields if rt else [])}
    body: dict[str, Any] = {
        "_expands": [e for e in EXPANDS if e not in expand],
        "issueId": str(request.id),
        "issueKey": request.key,
        "requestTypeId": str(request.request_type_id),
        "serviceDeskId": str(request.service_desk_id),
        "createdDate": date_dto(request.created),
        "reporter": render_user(site, users[request.reporter_id]),
        "requestFieldValues": [
            field_value(site, fields[fid], value) for fid, value in request.field_values.items() if fid in fields
        ],
        "currentStatus": status_entry(request.status_history[-1]),
        "_links": request_links(site, request),
    }
    base = site.rest(f"/servicedeskapi/request/{request.id}")
    agent = is_agent(call.me, desk)
    if "serviceDesk" in expand:
        body["serviceDesk"] = service_desk(site, desk)
    if "requestType" in expand and rt is not None:
        body["requestType"] = render_rt(site, rt)
    if "participant" in expand:
        people = [render_user(site, users[u]) for u in request.participant_ids if u in users]
        body["participants"] = embedded_page(site, people, f"{base}/participant")
    if "status" in expand:
        history = [status_entry(e) for e in reversed(request.status_history)]
        body["status"] = embedded_page(site, history, f"{base}/status")
    if "sla" in expand and agent:
        goals = [sla(site, request, g, now_ms()) for g in _goals(call, request)]
        body["sla"] = embedded_page(site, goals, f"{base}/sla")
    if "attachment" in expand:
        files = [render_attachment(site, a, users[a.author_id]) for a in _attachments(call, request)]
        body["attachments"] = embedded_page(site, files, f"{base}/attachment")
    if "comment" in expand:
        notes = [render_comment(site, c, users[c.author_id]) for c in visible_comments(call, request)]
        body["comments"] = embedded_page(site, notes, f"{base}/comment")
    if "action" in expand:
        body["actions"] = {
            name: {"allowed": True} for name in ("addAttachment", "addComment", "addParticipant", "removeParticipant")
        }
    return body


def _attachments(call: Call, request: Request) -> list[Attachment]:
    visible = {c.id for c in visible_comments(call, request)}
    return [
        a
        for a in call.tx.all(Attachment)
        if a.request_id == request.id and (a.comment_id is None or a.comment_id in visible)
    ]


def _goals(call: Call, request: Request) -> list[dict[str, Any]]:
    return list(call.site.catalog["slas"].get(str(request.service_desk_id), []))


# --- create -------------------------------------------------------------------------------------------------------


def _id_of(body: dict[str, Any], name: str) -> str:
    raw = body.get(name)
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not str(raw).strip():
        raise bad_request(f"{name!r} is required.", "sd.request.error.field.required", name)
    return str(raw).strip()


@routes.op("POST", "/servicedeskapi/request")
def create_customer_request(call: Call) -> Response:
    body = call.object()
    desk_ref, rt_ref = _id_of(body, "serviceDeskId"), _id_of(body, "requestTypeId")
    try:
        desk = desk_by_id(call, desk_ref)
    except JsmError:
        raise bad_request(
            f"The service desk {desk_ref} does not exist or you cannot raise requests in it.",
            "sd.request.error.servicedesk",
            desk_ref,
        ) from None
    rt = call.tx.get(RequestType, int(rt_ref)) if is_number(rt_ref) else None
    if rt is None or rt.service_desk_id != desk.id:
        raise bad_request(
            f"The request type {rt_ref} is not in service desk {desk.id}.", "sd.request.error.requesttype", rt_ref
        )
    me = call.me
    reporter = me
    on_behalf = body.get("raiseOnBehalfOf")
    if on_behalf is not None:
        if not is_agent(me, desk):
            raise forbidden(
                "Only agents can raise requests on behalf of customers.", "sd.request.error.onbehalf.permission"
            )
        found = find_user(call, str(on_behalf))
        if found is None and "@" in str(on_behalf):
            found = user_by_index(call.tx, f"email:{str(on_behalf).lower()}")
        if found is None:
            raise bad_request(
                f"The customer {on_behalf!r} does not exist.", "sd.request.error.onbehalf.user", str(on_behalf)
            )
        reporter = found
    if not (is_agent(me, desk) or is_customer(call, me, desk)) or not allowed(call, reporter, rt, desk):
        raise forbidden(
            f"You cannot raise requests of type {rt.name!r} in service desk {desk.project_key}.",
            "sd.request.error.create.permission",
        )
    values = body.get("requestFieldValues", {})
    if not isinstance(values, dict):
        raise bad_request("'requestFieldValues' must be an object of field id → value.", "sd.request.error.fields")
    fields = {f["fieldId"]: f for f in rt.fields}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise bad_request(
            f"Field(s) {', '.join(unknown)} are not fields of request type {rt.name!r}; valid: {', '.join(fields)}.",
            "sd.request.error.field.unknown",
            ", ".join(unknown),
        )
    stored: dict[str, Any] = {}
    for fid, field in fields.items():
        value = values.get(fid)
        if value is None or value == "":
            if field.get("required"):
                raise bad_request(f"{field['name']} ({fid}) is required.", "sd.request.error.field.required", fid)
            continue
        stored[fid] = check_value(field, value)
    participants = body.get("requestParticipants") or []
    if not isinstance(participants, list) or not all(isinstance(p, str) for p in participants):
        raise bad_request(
            "'requestParticipants' must be a list of user names or account ids.", "sd.request.error.participants"
        )
    participant_ids = []
    for ref in participants:
        user = find_user(call, ref)
        if user is None:
            raise bad_request(f"The following users do not exist: {ref}.", "sd.error.users.not.found", ref)
        if user.id not in participant_ids and user.id != reporter.id:
            participant_ids.append(user.id)
    catalog = call.site.catalog
    workflow = catalog["workflows"][rt.workflow]
    now = now_ms()
    issue_id = call.tx.next_id("issue")
    request = Request(
        id=issue_id,
        key=f"{desk.project_key}-{call.tx.next_id(f'issuekey:{desk.project_key}')}",
        service_desk_id=desk.id,
        request_type_id=rt.id,
        reporter_id=reporter.id,
        created=now,
        field_values=stored,
        status=workflow["initial"],
        status_history=[
            {"status": workflow["initial"], "category": call.site.category(workflow["initial"]), "at": now}
        ],
        participant_ids=participant_ids,
    )
    call.tx.put(request)
    if rt.approval:
        call.tx.put(
            Approval(
                id=call.tx.next_id("approval"),
                request_id=issue_id,
                name=rt.approval["name"],
                approver_ids=list(rt.approval["approvers"]),
                created=now,
            )
        )
    return call.reply(render_request(call, request, []), 201)


# --- read and list ------------------------------------------------------------------------------------------------


@routes.op("GET", "/servicedeskapi/request/{issueIdOrKey}")
def get_customer_request_by_id_or_key(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    return call.reply(render_request(call, request))


def _choice(call: Call, name: str, allowed_values: tuple[str, ...]) -> list[str]:
    values = [v.upper() for v in call.multi(name)]
    bad = [v for v in values if v not in allowed_values]
    if bad:
        raise bad_request(
            f"{name}={', '.join(bad)} is not one of {', '.join(allowed_values)}.", "sd.request.error.filter", name
        )
    return values


def _number(call: Call, name: str) -> int | None:
    raw = call.query.get(name)
    if raw is None or raw == "":
        return None
    if not is_number(raw):
        raise bad_request(f"{name}={raw!r} is not a number.", "sd.request.error.filter", name)
    return int(raw)


@routes.op("GET", "/servicedeskapi/request")
def get_customer_requests(call: Call) -> Response:
    me = call.me
    ownership = _choice(call, "requestOwnership", OWNERSHIP) or [
        "OWNED_REQUESTS",
        "PARTICIPATED_REQUESTS",
        "ALL_ORGANIZATIONS",
    ]
    status_filter = (_choice(call, "requestStatus", STATUS_FILTERS) or ["ALL_REQUESTS"])[0]
    approval_filter = _choice(call, "approvalStatus", APPROVAL_FILTERS)
    org_id, desk_id, rt_id = (
        _number(call, "organizationId"),
        _number(call, "serviceDeskId"),
        _number(call, "requestTypeId"),
    )
    term = (call.query.get("searchTerm") or "").lower()
    my_orgs = {org.id for org in organizations_of(call, me)}
    approvals: dict[int, list[Approval]] = {}
    for a in call.tx.all(Approval):
        approvals.setdefault(a.request_id, []).append(a)
    desks = {d.id: d for d in call.tx.all(ServiceDesk)}

    def owned(r: Request) -> bool:
        mine_by_approval = [a for a in approvals.get(r.id, []) if me.id in a.approver_ids]
        if approval_filter:
            pending = [a for a in mine_by_approval if a.final == "pending" and str(me.id) not in a.decisions]
            done = [a for a in mine_by_approval if str(me.id) in a.decisions or a.final != "pending"]
            mine_by_approval = pending if "MY_PENDING_APPROVAL" in approval_filter else done
        checks = {
            "OWNED_REQUESTS": r.reporter_id == me.id,
            "PARTICIPATED_REQUESTS": me.id in r.participant_ids,
            "ORGANIZATION": org_id is not None and org_id in r.organization_ids and org_id in my_orgs,
            "ALL_ORGANIZATIONS": bool(set(r.organization_ids) & my_orgs),
            "APPROVER": bool(mine_by_approval),
            "ALL_REQUESTS": r.reporter_id == me.id
            or me.id in r.participant_ids
            or bool(set(r.organization_ids) & my_orgs)
            or bool(mine_by_approval)
            or is_agent(me, desks[r.service_desk_id]),
        }
        return any(checks[o] for o in ownership)

    def wanted(r: Request) -> bool:
        category = call.site.category(r.status)
        if status_filter == "OPEN_REQUESTS" and category == "DONE":
            return False
        if status_filter == "CLOSED_REQUESTS" and category != "DONE":
            return False
        if desk_id is not None and r.service_desk_id != desk_id:
            return False
        if rt_id is not None and r.request_type_id != rt_id:
            return False
        if org_id is not None and org_id not in r.organization_ids:
            return False
        return not term or term in str(r.field_values.get("summary", "")).lower()

    found = [r for r in call.tx.all(Request) if r.service_desk_id in desks and owned(r) and wanted(r)]
    found.sort(key=lambda r: (r.created, r.id), reverse=True)
    expand = call.multi("expand")
    return call.reply(page(call, found, lambda r: render_request(call, r, expand)))


@routes.op("GET", "/servicedeskapi/request/{issueIdOrKey}/status")
def get_customer_request_status(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    return call.reply(page(call, list(reversed(request.status_history)), status_entry))


# --- transitions --------------------------------------------------------------------------------------------------


def _transitions(call: Call, request: Request) -> list[dict[str, Any]]:
    rt = call.tx.get(RequestType, request.request_type_id)
    workflow = call.site.catalog["workflows"][rt.workflow if rt else "default"]
    return [t for t in workflow["transitions"] if request.status in t["from"]]


@routes.op("GET", "/servicedeskapi/request/{issueIdOrKey}/transition")
def get_customer_transitions(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    return call.reply(page(call, _transitions(call, request), lambda t: {"id": t["id"], "name": t["name"]}))


def move(call: Call, request: Request, status: str) -> None:
    now = now_ms()
    category = call.site.category(status)
    request.status = status
    request.status_history.append({"status": status, "category": category, "at": now})
    request.resolved_at = now if category == "DONE" else None


@routes.op("POST", "/servicedeskapi/request/{issueIdOrKey}/transition")
def perform_customer_transition(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    body = call.object()
    wanted = body.get("id")
    if isinstance(wanted, bool) or not isinstance(wanted, (str, int)):
        raise bad_request("'id' is required: the id of a transition.", "sd.transition.error.id.required")
    available = {t["id"]: t for t in _transitions(call, request)}
    if str(wanted) not in available:
        raise bad_request(
            f"Transition {wanted} is not available from status {request.status!r}; "
            f"available: {', '.join(available) or 'none'}.",
            "sd.transition.error.invalid",
            str(wanted),
        )
    comment = body.get("additionalComment")
    if comment is not None:
        if not isinstance(comment, dict) or not isinstance(comment.get("body"), str):
            raise bad_request("'additionalComment' must be {body: text}.", "sd.transition.error.comment")
        from .comments import add_comment

        add_comment(call, request, comment["body"], public=True)
    move(call, request, available[str(wanted)]["to"])
    call.tx.put(request)
    if Defect.TRANSITION_200 in call.site.defects:
        return call.reply(render_request(call, request, []))
    return call.no_content()


# --- participants -----------------------------------------------------------------------------------------------


def _participants_page(call: Call, request: Request) -> Response:
    users = users_by_id(call)
    people = [users[u] for u in request.participant_ids if u in users]
    return call.reply(page(call, people, lambda u: render_user(call.site, u)))


@routes.op("GET", "/servicedeskapi/request/{issueIdOrKey}/participant")
def get_request_participants(call: Call) -> Response:
    return _participants_page(call, request_by_key(call, call.path["issueIdOrKey"]))


def _may_manage_participants(call: Call, request: Request) -> None:
    if not (is_agent(call.me, desk_of(call, request)) or call.me.id in (request.reporter_id, *request.participant_ids)):
        raise forbidden(
            "Only agents, the reporter and participants can change participants.", "sd.participant.error.permission"
        )


@routes.op("POST", "/servicedeskapi/request/{issueIdOrKey}/participant")
def add_request_participants(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    _may_manage_participants(call, request)
    for user in users_in_body(call, call.object()):
        if user.id not in request.participant_ids and user.id != request.reporter_id:
            request.participant_ids.append(user.id)
    call.tx.put(request)
    return _participants_page(call, request)


@routes.op("DELETE", "/servicedeskapi/request/{issueIdOrKey}/participant")
def remove_request_participants(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    _may_manage_participants(call, request)
    gone = {user.id for user in users_in_body(call, call.object())}
    request.participant_ids = [u for u in request.participant_ids if u not in gone]
    call.tx.put(request)
    return _participants_page(call, request)


# --- notifications (Cloud) --------------------------------------------------------------------------------------


def subscribed(request: Request, user: User) -> bool:
    if user.id in request.unsubscribed_ids:
        return False
    return user.id in (request.reporter_id, *request.participant_ids, *request.subscriber_ids)


@routes.op("GET", "/servicedeskapi/request/{issueIdOrKey}/notification", flavors=CLOUD)
def get_subscription_status(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    return call.reply({"subscribed": subscribed(request, call.me)})


@routes.op("PUT", "/servicedeskapi/request/{issueIdOrKey}/notification", flavors=CLOUD)
def subscribe(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    request.unsubscribed_ids = [u for u in request.unsubscribed_ids if u != call.me.id]
    if call.me.id not in request.subscriber_ids:
        request.subscriber_ids.append(call.me.id)
    call.tx.put(request)
    return call.no_content()


@routes.op("DELETE", "/servicedeskapi/request/{issueIdOrKey}/notification", flavors=CLOUD)
def unsubscribe(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    request.subscriber_ids = [u for u in request.subscriber_ids if u != call.me.id]
    if call.me.id not in request.unsubscribed_ids:
        request.unsubscribed_ids.append(call.me.id)
    call.tx.put(request)
    return call.no_content()


# --- SLA --------------------------------------------------------------------------------------------------------


@routes.op("GET", "/servicedeskapi/request/{issueIdOrKey}/sla")
def get_sla_information(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    require_agent(call, desk_of(call, request))
    now = now_ms()
    return call.reply(page(call, _goals(call, request), lambda g: sla(call.site, request, g, now)))


@routes.op("GET", "/servicedeskapi/request/{issueIdOrKey}/sla/{slaMetricId}")
def get_sla_information_by_id(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    require_agent(call, desk_of(call, request))
    wanted = call.path["slaMetricId"]
    goal = next((g for g in _goals(call, request) if str(g["id"]) == wanted), None)
    if goal is None:
        raise not_found("SLA metric", wanted, "sd.sla.error.not.found")
    return call.reply(sla(call.site, request, goal, now_ms()))


# --- feedback (Cloud, experimental) -----------------------------------------------------------------------------


def _feedback_body(feedback: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"type": feedback.get("type") or "csat", "rating": feedback["rating"]}
    if feedback.get("comment"):
        body["comment"] = {"body": feedback["comment"]}
    return body


@routes.op("GET", "/servicedeskapi/request/{requestIdOrKey}/feedback", flavors=CLOUD, experimental=CLOUD)
def get_feedback(call: Call) -> Response:
    request = request_by_key(call, call.path["requestIdOrKey"])
    if request.feedback is None:
        raise not_found("Feedback on request", request.key, "sd.feedback.error.not.found")
    return call.reply(_feedback_body(request.feedback))


@routes.op("POST", "/servicedeskapi/request/{requestIdOrKey}/feedback", flavors=CLOUD, experimental=CLOUD)
def post_feedback(call: Call) -> Response:
    request = request_by_key(call, call.path["requestIdOrKey"])
    if call.me.id != request.reporter_id:
        raise forbidden("Only the reporter can give feedback on a request.", "sd.feedback.error.permission")
    if call.site.category(request.status) != "DONE":
        raise bad_request(
            f"{request.key} is not resolved yet; feedback comes after resolution.", "sd.feedback.error.unresolved"
        )
    body = call.object()
    rating = body.get("rating")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise bad_request("'rating' is required: a whole number from 1 to 5.", "sd.feedback.error.rating")
    kind = body.get("type", "csat")
    if kind != "csat":
        raise bad_request(f"type={kind!r} is not supported; use csat.", "sd.feedback.error.type")
    comment = body.get("comment")
    if comment is not None and (not isinstance(comment, dict) or not isinstance(comment.get("body"), str)):
        raise bad_request("'comment' must be {body: text}.", "sd.feedback.error.comment")
    request.feedback = {"type": "csat", "rating": rating, "comment": comment["body"] if comment else None}
    call.tx.put(request)
    return call.reply(_feedback_body(request.feedback), 201)


@routes.op("DELETE", "/servicedeskapi/request/{requestIdOrKey}/feedback", flavors=CLOUD, experimental=CLOUD)
def delete_feedback(call: Call) -> Response:
    request = request_by_key(call, call.path["requestIdOrKey"])
    if call.me.id != request.reporter_id:
        raise forbidden("Only the reporter can delete feedback on a request.", "sd.feedback.error.permission")
    if request.feedback is None:
        raise not_found("Feedback on request", request.key, "sd.feedback.error.not.found")
    request.feedback = None
    call.tx.put(request)
    return call.no_content()


# --- approvals ----------------------------------------------------------------------------------------------------


def _approvals(call: Call, request: Request) -> list[Approval]:
    return [a for a in call.tx.all(Approval) if a.request_id == request.id]


def _approval(call: Call, request: Request) -> Approval:
    raw = call.path["approvalId"]
    found = next((a for a in _approvals(call, request) if str(a.id) == raw), None)
    if found is None:
        raise not_found("Approval", raw, "sd.approval.error.not.found")
    return found


@routes.op("GET", "/servicedeskapi/request/{issueIdOrKey}/approval")
def get_approvals(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    users = users_by_id(call)
    return call.reply(page(call, _approvals(call, request), lambda a: render_approval(call.site, a, users, call.me)))


@routes.op("GET", "/servicedeskapi/request/{issueIdOrKey}/approval/{approvalId}")
def get_approval_by_id(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    return call.reply(render_approval(call.site, _approval(call, request), users_by_id(call), call.me))


@routes.op("POST", "/servicedeskapi/request/{issueIdOrKey}/approval/{approvalId}")
def answer_approval(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    approval = _approval(call, request)
    me = call.me
    if me.id not in approval.approver_ids:
        raise forbidden(
            f"You are not an approver of {approval.name!r} on {request.key}.", "sd.approval.error.not.approver"
        )
    body = call.object()
    decision = body.get("decision")
    if decision not in ("approve", "decline"):
        raise bad_request("'decision' is required: approve or decline.", "sd.approval.error.decision")
    if approval.final != "pending" or str(me.id) in approval.decisions:
        raise conflict(
            f"Approval {approval.id} on {request.key} has already been answered.", "sd.approval.error.answered"
        )
    approval.decisions[str(me.id)] = "approved" if decision == "approve" else "declined"
    if decision == "decline" or len(approval.decisions) == len(approval.approver_ids):
        approval.final = "approved" if decision == "approve" else "declined"
        approval.completed = now_ms()
        rt = call.tx.get(RequestType, request.request_type_id)
        if rt is not None and rt.approval:
            move(call, request, rt.approval["approved" if decision == "approve" else "declined"])
            call.tx.put(request)
    comment = body.get("comment")
    if isinstance(comment, str) and comment.strip():
        from .comments import add_comment

        add_comment(call, request, comment, public=bool(body.get("commentPublic", False)))
    call.tx.put(approval)
    return call.reply(render_approval(call.site, approval, users_by_id(call), me))


@routes.op("GET", "/servicedeskapi/request/{issueIdOrKey}/approval/{approvalId}/config", flavors=SERVER)
def get_approval_comment_config(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    _approval(call, request)
    return call.reply({"commentsRequiredWhenApprove": False, "commentsRequiredWhenDecline": False})


__all__ = ["embedded_page", "render_request", "visible_comments"]
