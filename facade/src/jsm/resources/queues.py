"""`client.queues`: a service desk's queues and the issues in them (agents)."""

from __future__ import annotations

from .. import models
from ..calls import Plan
from ..paging import AsyncPaginator, Paginator
from ._base import AsyncResource, Resource, ident

QUEUES = "/servicedeskapi/servicedesk/{serviceDeskId}/queue"
QUEUE = "/servicedeskapi/servicedesk/{serviceDeskId}/queue/{queueId}"
ISSUES = "/servicedeskapi/servicedesk/{serviceDeskId}/queue/{queueId}/issue"


def plan_list(desk: str | int, include_count: bool) -> Plan[models.Queue]:
    return Plan("GET", QUEUES, {"service_desk_id": ident(desk), "include_count": include_count or None})


def plan_get(desk: str | int, queue: str | int, include_count: bool) -> Plan[models.Queue]:
    args = {"service_desk_id": ident(desk), "queue_id": ident(queue), "include_count": include_count or None}
    return Plan("GET", QUEUE, args)


def plan_issues(desk: str | int, queue: str | int) -> Plan[models.QueueIssue]:
    return Plan("GET", ISSUES, {"service_desk_id": ident(desk), "queue_id": ident(queue)})


class Queues(Resource):
    """Queues of a service desk: `list`, `get` (with `include_count`), `issues`."""

    def list(
        self,
        service_desk: str | int,
        *,
        include_count: bool = False,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[models.Queue]:
        return self._pages(plan_list(service_desk, include_count), page_size, max_items)

    def get(self, service_desk: str | int, queue: str | int, *, include_count: bool = False) -> models.Queue:
        return self._run(plan_get(service_desk, queue, include_count))

    def issues(
        self, service_desk: str | int, queue: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[models.QueueIssue]:
        """The issues in a queue."""
        return self._pages(plan_issues(service_desk, queue), page_size, max_items)


class AsyncQueues(AsyncResource):
    """`Queues` for the async client."""

    def list(
        self,
        service_desk: str | int,
        *,
        include_count: bool = False,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPaginator[models.Queue]:
        return self._pages(plan_list(service_desk, include_count), page_size, max_items)

    async def get(self, service_desk: str | int, queue: str | int, *, include_count: bool = False) -> models.Queue:
        return await self._run(plan_get(service_desk, queue, include_count))

    def issues(
        self, service_desk: str | int, queue: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> AsyncPaginator[models.QueueIssue]:
        return self._pages(plan_issues(service_desk, queue), page_size, max_items)
