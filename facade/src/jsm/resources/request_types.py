"""`client.request_types`: a service desk's request types, their fields and groups."""

from __future__ import annotations

from .. import models
from ..calls import Plan
from ..paging import AsyncPaginator, Paginator
from ._base import AsyncResource, Resource, ident

TYPES = "/servicedeskapi/servicedesk/{serviceDeskId}/requesttype"
TYPE = "/servicedeskapi/servicedesk/{serviceDeskId}/requesttype/{requestTypeId}"
FIELDS = "/servicedeskapi/servicedesk/{serviceDeskId}/requesttype/{requestTypeId}/field"
GROUPS = "/servicedeskapi/servicedesk/{serviceDeskId}/requesttypegroup"


def plan_list(desk: str | int, group: str | int | None, query: str | None) -> Plan[models.RequestType]:
    group_id = ident(group) if group is not None else None
    return Plan("GET", TYPES, {"service_desk_id": ident(desk), "group_id": group_id, "search_query": query})


def plan_get(desk: str | int, request_type: str | int) -> Plan[models.RequestType]:
    return Plan("GET", TYPE, {"service_desk_id": ident(desk), "request_type_id": ident(request_type)})


def plan_fields(desk: str | int, request_type: str | int) -> Plan[models.RequestTypeFields]:
    return Plan("GET", FIELDS, {"service_desk_id": ident(desk), "request_type_id": ident(request_type)})


def plan_groups(desk: str | int) -> Plan[models.RequestTypeGroup]:
    return Plan("GET", GROUPS, {"service_desk_id": ident(desk)})


class RequestTypes(Resource):
    """Request types of a service desk: `list` (by group, or matching `query` on Cloud), `get`, `fields`, `groups`."""

    def list(
        self,
        service_desk: str | int,
        *,
        group: str | int | None = None,
        query: str | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[models.RequestType]:
        return self._pages(plan_list(service_desk, group, query), page_size, max_items)

    def get(self, service_desk: str | int, request_type: str | int) -> models.RequestType:
        return self._run(plan_get(service_desk, request_type))

    def fields(self, service_desk: str | int, request_type: str | int) -> models.RequestTypeFields:
        """The fields a request of this type takes (`request_type_fields`), and whether it can be raised on behalf."""
        return self._run(plan_fields(service_desk, request_type))

    def groups(
        self, service_desk: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[models.RequestTypeGroup]:
        return self._pages(plan_groups(service_desk), page_size, max_items)


class AsyncRequestTypes(AsyncResource):
    """`RequestTypes` for the async client."""

    def list(
        self,
        service_desk: str | int,
        *,
        group: str | int | None = None,
        query: str | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPaginator[models.RequestType]:
        return self._pages(plan_list(service_desk, group, query), page_size, max_items)

    async def get(self, service_desk: str | int, request_type: str | int) -> models.RequestType:
        return await self._run(plan_get(service_desk, request_type))

    async def fields(self, service_desk: str | int, request_type: str | int) -> models.RequestTypeFields:
        return await self._run(plan_fields(service_desk, request_type))

    def groups(
        self, service_desk: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> AsyncPaginator[models.RequestTypeGroup]:
        return self._pages(plan_groups(service_desk), page_size, max_items)
