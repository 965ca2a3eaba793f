"""Queues and their issues (agents only); queue create/update/delete and queue settings on Data Center.

Queue membership follows the queue's JQL, of which the mock understands a small subset: clauses joined by AND among
`project = KEY`, `resolution = Unresolved`, `resolution != Unresolved`, `status = "Name"`, then `ORDER BY created
ASC|DESC`. Creating a queue with any other JQL is a 400 naming the clause.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from ..access import desk_by_id, require_admin, require_agent
from ..dates import jira_datetime
from ..errors import bad_request, not_found
from ..model import Queue, Request, RequestType, ServiceDesk, Setting
from ..paging import page
from ..people import users_by_id
from ..render import queue as render_queue
from ..render import user as render_user
from ..routing import SERVER, Call
from ..store import setting
from . import routes

_CLAUSE = re.compile(
    r'(?:project\s*=\s*(?P<project>\w+)|resolution\s*(?P<res>!?=)\s*unresolved|status\s*=\s*"(?P<status>[^"]+)")',
    re.IGNORECASE,
)
_ORDER = re.compile(r"\s+ORDER\s+BY\s+created\s+(?P<dir>ASC|DESC)\s*$", re.IGNORECASE)


def compile_jql(jql: str, category: Callable[[str], str]) -> tuple[Callable[[Request, ServiceDesk], bool], bool]:
    """(does a request match, newest first?) for the supported JQL subset; ValueError naming an unsupported clause."""
    order = _ORDER.search(jql)
    newest_first = bool(order and order.group("dir").upper() == "DESC")
    body = jql[: order.start()] if order else jql
    tests: list[Callable[[Request, ServiceDesk], bool]] = []
    for clause in filter(None, (c.strip() for c in re.split(r"\s+AND\s+", body.strip(), flags=re.IGNORECASE))):
        match = _CLAUSE.fullmatch(clause)
        if match is None:
            raise ValueError(clause)
        if match.group("project"):
            tests.append(_in_project(match.group("project").upper()))
        elif match.group("res"):
            tests.append(_resolution(match.group("res") == "=", category))
        else:
            tests.append(_in_status(match.group("status").lower()))

    def matches(request: Request, desk: ServiceDesk) -> bool:
        return all(test(request, desk) for test in tests)

    return matches, newest_first


def _in_project(key: str) -> Callable[[Request, ServiceDesk], bool]:
    return lambda request, desk: desk.project_key.upper() == key


def _resolution(unresolved: bool, category: Callable[[str], str]) -> Callable[[Request, ServiceDesk], bool]:
    return lambda request, desk: (category(request.status) != "DONE") == unresolved


def _in_status(name: str) -> Callable[[Request, ServiceDesk], bool]:
    return lambda request, desk: request.status.lower() == name


def queue_issues(call: Call, queue: Queue, desk: ServiceDesk) -> list[Request]:
    matches, newest_first = compile_jql(queue.jql, call.site.category)
    found = [r for r in call.tx.all(Request) if r.service_desk_id == desk.id and matches(r, desk)]
    return sorted(found, key=lambda r: (r.created, r.id), reverse=newest_first)


def _queues(call: Call, desk: ServiceDesk) -> list[Queue]:
    return sorted((q for q in call.tx.all(Queue) if q.service_desk_id == desk.id), key=lambda q: (q.position, q.id))


def _queue(call: Call, desk: ServiceDesk) -> Queue:
    raw = call.path["queueId"]
    found = next((q for q in _queues(call, desk) if str(q.id) == raw), None)
    if found is None:
        raise not_found("Queue", raw, "sd.queue.error.not.found")
    return found


def _agent_desk(call: Call) -> ServiceDesk:
    desk = desk_by_id(call, call.path["serviceDeskId"])
    require_agent(call, desk)
    return desk


@routes.op("GET", "/servicedeskapi/servicedesk/{serviceDeskId}/queue")
def get_queues(call: Call) -> Response:
    desk = _agent_desk(call)
    count = call.flag("includeCount")
    return call.reply(
        page(
            call,
            _queues(call, desk),
            lambda q: render_queue(call.site, q, len(queue_issues(call, q, desk)) if count else None),
        )
    )


@routes.op("GET", "/servicedeskapi/servicedesk/{serviceDeskId}/queue/{queueId}")
def get_queue(call: Call) -> Response:
    desk = _agent_desk(call)
    queue = _queue(call, desk)
    count = len(queue_issues(call, queue, desk)) if call.flag("includeCount") else None
    return call.reply(render_queue(call.site, queue, count))


def _issue(call: Call, request: Request, fields: list[str]) -> dict[str, Any]:
    users = users_by_id(call)
    rt = call.tx.get(RequestType, request.request_type_id)
    category = call.site.category(request.status)
    values: dict[str, Any] = {
        "summary": request.field_values.get("summary"),
        "status": {
            "name": request.status,
            "statusCategory": {
                "key": {"NEW": "new", "INDETERMINATE": "indeterminate", "DONE": "done"}.get(category, "undefined")
            },
        },
        "issuetype": {"id": rt.issue_type_id if rt else "10001", "name": "Service Request"},
        "reporter": render_user(call.site, users[request.reporter_id]),
        "created": jira_datetime(request.created),
        "resolutiondate": jira_datetime(request.resolved_at) if request.resolved_at else None,
    }
    return {
        "id": str(request.id),
        "key": request.key,
        "self": call.site.rest(f"/api/2/issue/{request.id}"),
        "fields": {name: values[name] for name in fields if name in values},
    }


@routes.op("GET", "/servicedeskapi/servicedesk/{serviceDeskId}/queue/{queueId}/issue")
def get_issues_in_queue(call: Call) -> Response:
    desk = _agent_desk(call)
    queue = _queue(call, desk)
    return call.reply(page(call, queue_issues(call, queue, desk), lambda r: _issue(call, r, queue.fields)))


# --- Data Center: queue create / update / delete ---------------------------------------------------------------------


def _queue_body(call: Call, *, partial: bool) -> dict[str, Any]:
    body = call.object()
    out: dict[str, Any] = {}
    for name in ("name", "jql"):
        value = body.get(name)
        if value is None and partial:
            continue
        if not isinstance(value, str) or not value.strip():
            raise bad_request(f"{name!r} is required (a non-empty string).", "sd.queue.error.field", name)
        out[name] = value.strip()
    if "jql" in out:
        try:
            compile_jql(out["jql"], call.site.category)
        except ValueError as exc:
            raise bad_request(
                f"The mock cannot evaluate the JQL clause {exc}.", "sd.queue.error.jql", str(exc)
            ) from None
    fields = body.get("fields")
    if fields is not None or not partial:
        if fields is None:
            fields = ["issuekey", "summary", "status"]
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise bad_request("'fields' must be a list of field ids.", "sd.queue.error.fields")
        out["fields"] = fields
    return out


@routes.op("POST", "/servicedeskapi/servicedesk/{serviceDeskId}/queue", flavors=SERVER)
def create_queue(call: Call) -> Response:
    desk = _agent_desk(call)
    require_admin(call, "create queues")
    spec = _queue_body(call, partial=False)
    queue = Queue(
        id=call.tx.next_id("queue"),
        service_desk_id=desk.id,
        name=spec["name"],
        jql=spec["jql"],
        fields=spec["fields"],
        position=len(_queues(call, desk)),
    )
    call.tx.put(queue)
    return call.reply(render_queue(call.site, queue, None), 201)


@routes.op("POST", "/servicedeskapi/servicedesk/{serviceDeskId}/queue/{queueId}", flavors=SERVER)
def update_queue(call: Call) -> Response:
    desk = _agent_desk(call)
    queue = _queue(call, desk)
    require_admin(call, "change queues")
    spec = _queue_body(call, partial=True)
    queue.name, queue.jql, queue.fields = (
        spec.get("name", queue.name),
        spec.get("jql", queue.jql),
        spec.get("fields", queue.fields),
    )
    call.tx.put(queue)
    return call.reply(render_queue(call.site, queue, None))


@routes.op("DELETE", "/servicedeskapi/servicedesk/{serviceDeskId}/queue/{queueId}", flavors=SERVER)
def delete_queue(call: Call) -> Response:
    desk = _agent_desk(call)
    queue = _queue(call, desk)
    require_admin(call, "delete queues")
    call.tx.delete(Queue, queue.id)
    return call.no_content()


# --- Data Center: queue settings -------------------------------------------------------------------------------------


def _flag_body(call: Call) -> bool:
    value = call.json()
    if not isinstance(value, bool):
        raise bad_request("The request body must be true or false.", "sd.queue.settings.error.body")
    return value


def _save_setting(call: Call, project: str | None, name: str, value: bool) -> Response:
    require_admin(call, "change queue settings")
    settings = setting(call.tx, "queue-settings")
    if project is None:
        settings["global"][name] = value
    else:
        desk = desk_by_id(call, project)
        settings["projects"].setdefault(desk.project_key, {})[name] = value
    call.tx.put(Setting("queue-settings", settings))
    return call.no_content()


@routes.op("GET", "/servicedeskapi/admin/queues/{projectKey}", flavors=SERVER)
def get_queue_settings_on_project(call: Call) -> Response:
    require_admin(call, "read queue settings")
    desk_by_id(call, call.path["projectKey"])
    return call.no_content()


@routes.op("PUT", "/servicedeskapi/admin/queues/include-count", flavors=SERVER)
def set_should_queues_include_count_globally(call: Call) -> Response:
    return _save_setting(call, None, "includeCount", _flag_body(call))


@routes.op("PUT", "/servicedeskapi/admin/queues/cache-count", flavors=SERVER)
def set_should_queues_use_count_cache_globally(call: Call) -> Response:
    return _save_setting(call, None, "useCountCache", _flag_body(call))


@routes.op("PUT", "/servicedeskapi/admin/queues/{projectKey}/include-count", flavors=SERVER)
def set_should_queues_include_count_on_project(call: Call) -> Response:
    return _save_setting(call, call.path["projectKey"], "includeCount", _flag_body(call))


@routes.op("PUT", "/servicedeskapi/admin/queues/{projectKey}/cache-count", flavors=SERVER)
def set_should_queues_use_count_cache_on_project(call: Call) -> Response:
    return _save_setting(call, call.path["projectKey"], "useCountCache", _flag_body(call))
