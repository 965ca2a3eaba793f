"""`client.requests`: customer requests, their status and transitions, and (as attributes) their comments,
participants, approvals, SLA and attachments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .. import models
from ..calls import AsyncCaller, Caller, Plan
from ..flavor import Traits
from ..paging import AsyncPaginator, Paginator
from ._base import AsyncResource, Resource, UserRef, ident, user_id, user_ids
from .approvals import Approvals, AsyncApprovals
from .attachments import AsyncAttachments, Attachments
from .comments import AsyncComments, Comments
from .participants import AsyncParticipants, Participants
from .sla import AsyncSla, Sla

REQUESTS = "/servicedeskapi/request"
REQUEST = "/servicedeskapi/request/{issueIdOrKey}"
STATUS = "/servicedeskapi/request/{issueIdOrKey}/status"
TRANSITIONS = "/servicedeskapi/request/{issueIdOrKey}/transition"
NOTIFICATION = "/servicedeskapi/request/{issueIdOrKey}/notification"


def plan_create(
    traits: Traits,
    *,
    desk: str | int,
    request_type: str | int,
    summary: str | None,
    description: str | None,
    fields: Mapping[str, Any] | None,
    on_behalf_of: UserRef | None,
    participants: UserRef | Iterable[UserRef] | None,
) -> Plan[models.CustomerRequest]:
    values: dict[str, Any] = {"summary": summary, "description": description}
    values = {k: v for k, v in values.items() if v is not None} | dict(fields or {})
    body: dict[str, Any] = {
        "serviceDeskId": ident(desk),
        "requestTypeId": ident(request_type),
        "requestFieldValues": values,
        "raiseOnBehalfOf": user_id(traits, on_behalf_of) if on_behalf_of is not None else None,
        "requestParticipants": user_ids(traits, participants) if participants is not None else None,
    }
    return Plan("POST", REQUESTS, {"body": body})


def plan_get(request: str | int, expand: Iterable[str] | None) -> Plan[models.CustomerRequest]:
    return Plan("GET", REQUEST, {"issue_id_or_key": ident(request), "expand": _list(expand)})


def plan_list(
    *,
    desk: str | int | None,
    request_type: str | int | None,
    search: str | None,
    status: str | None,
    ownership: str | Iterable[str] | None,
    expand: Iterable[str] | None,
) -> Plan[models.CustomerRequest]:
    args = {
        "service_desk_id": ident(desk) if desk is not None else None,
        "request_type_id": ident(request_type) if request_type is not None else None,
        "search_term": search,
        "request_status": status,
        "request_ownership": [ownership] if isinstance(ownership, str) else _list(ownership),
        "expand": _list(expand),
    }
    return Plan("GET", REQUESTS, args)


def plan_status(request: str | int) -> Plan[models.RequestStatus]:
    return Plan("GET", STATUS, {"issue_id_or_key": ident(request)})


def plan_transitions(request: str | int) -> Plan[models.Transition]:
    return Plan("GET", TRANSITIONS, {"issue_id_or_key": ident(request)})


def plan_transition(request: str | int, transition: str | int, comment: str | None) -> Plan[None]:
    body: dict[str, Any] = {"id": ident(transition)}
    if comment:
        body["additionalComment"] = {"body": comment}
    return Plan("POST", TRANSITIONS, {"issue_id_or_key": ident(request), "body": body})


def plan_notification(method: str, request: str | int) -> Plan[Any]:
    return Plan(method, NOTIFICATION, {"issue_id_or_key": ident(request)})


def _list(values: Iterable[str] | None) -> list[str] | None:
    return list(values) if values is not None else None


class Requests(Resource):
    """Customer requests: create, get, list; status, transitions; comments, participants, approvals, SLA,
    attachments as attributes."""

    def __init__(self, caller: Caller) -> None:
        super().__init__(caller)
        self.comments = Comments(caller)
        self.participants = Participants(caller)
        self.approvals = Approvals(caller)
        self.sla = Sla(caller)
        self.attachments = Attachments(caller)

    def create(
        self,
        service_desk: str | int,
        request_type: str | int,
        *,
        summary: str | None = None,
        description: str | None = None,
        fields: Mapping[str, Any] | None = None,
        on_behalf_of: UserRef | None = None,
        participants: UserRef | Iterable[UserRef] | None = None,
    ) -> models.CustomerRequest:
        """Raise a request; `fields` holds more request field values by field id (e.g. `customfield_10010`)."""
        plan = plan_create(
            self._traits,
            desk=service_desk,
            request_type=request_type,
            summary=summary,
            description=description,
            fields=fields,
            on_behalf_of=on_behalf_of,
            participants=participants,
        )
        return self._run(plan)

    def get(self, request: str | int, *, expand: Iterable[str] | None = None) -> models.CustomerRequest:
        """A request by id or key."""
        return self._run(plan_get(request, expand))

    def list(
        self,
        *,
        service_desk: str | int | None = None,
        request_type: str | int | None = None,
        search: str | None = None,
        status: str | None = None,
        ownership: str | Iterable[str] | None = None,
        expand: Iterable[str] | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[models.CustomerRequest]:
        """The requests the user can see; `status` e.g. OPEN_REQUESTS, `ownership` e.g. OWNED_REQUESTS."""
        plan = plan_list(
            desk=service_desk,
            request_type=request_type,
            search=search,
            status=status,
            ownership=ownership,
            expand=expand,
        )
        return self._pages(plan, page_size, max_items)

    def status(
        self, request: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[models.RequestStatus]:
        """The request's status history, newest first."""
        return self._pages(plan_status(request), page_size, max_items)

    def transitions(
        self, request: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[models.Transition]:
        """The transitions the customer may perform on the request."""
        return self._pages(plan_transitions(request), page_size, max_items)

    def transition(self, request: str | int, transition: str | int, *, comment: str | None = None) -> None:
        """Perform a customer transition, optionally with a comment."""
        self._run(plan_transition(request, transition, comment))

    def subscribe(self, request: str | int) -> None:
        """Receive notifications for the request (Cloud)."""
        self._run(plan_notification("PUT", request))

    def unsubscribe(self, request: str | int) -> None:
        """Stop notifications for the request (Cloud)."""
        self._run(plan_notification("DELETE", request))


class AsyncRequests(AsyncResource):
    """`Requests` for the async client."""

    def __init__(self, caller: AsyncCaller) -> None:
        super().__init__(caller)
        self.comments = AsyncComments(caller)
        self.participants = AsyncParticipants(caller)
        self.approvals = AsyncApprovals(caller)
        self.sla = AsyncSla(caller)
        self.attachments = AsyncAttachments(caller)

    async def create(
        self,
        service_desk: str | int,
        request_type: str | int,
        *,
        summary: str | None = None,
        description: str | None = None,
        fields: Mapping[str, Any] | None = None,
        on_behalf_of: UserRef | None = None,
        participants: UserRef | Iterable[UserRef] | None = None,
    ) -> models.CustomerRequest:
        plan = plan_create(
            self._traits,
            desk=service_desk,
            request_type=request_type,
            summary=summary,
            description=description,
            fields=fields,
            on_behalf_of=on_behalf_of,
            participants=participants,
        )
        return await self._run(plan)

    async def get(self, request: str | int, *, expand: Iterable[str] | None = None) -> models.CustomerRequest:
        return await self._run(plan_get(request, expand))

    def list(
        self,
        *,
        service_desk: str | int | None = None,
        request_type: str | int | None = None,
        search: str | None = None,
        status: str | None = None,
        ownership: str | Iterable[str] | None = None,
        expand: Iterable[str] | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPaginator[models.CustomerRequest]:
        plan = plan_list(
            desk=service_desk,
            request_type=request_type,
            search=search,
            status=status,
            ownership=ownership,
            expand=expand,
        )
        return self._pages(plan, page_size, max_items)

    def status(
        self, request: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> AsyncPaginator[models.RequestStatus]:
        return self._pages(plan_status(request), page_size, max_items)

    def transitions(
        self, request: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> AsyncPaginator[models.Transition]:
        return self._pages(plan_transitions(request), page_size, max_items)

    async def transition(self, request: str | int, transition: str | int, *, comment: str | None = None) -> None:
        await self._run(plan_transition(request, transition, comment))

    async def subscribe(self, request: str | int) -> None:
        await self._run(plan_notification("PUT", request))

    async def unsubscribe(self, request: str | int) -> None:
        await self._run(plan_notification("DELETE", request))
