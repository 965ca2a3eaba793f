"""`client.service_desks`: the service desks the user can see."""

from __future__ import annotations

from .. import models
from ..calls import Plan
from ..paging import AsyncPaginator, Paginator
from ._base import AsyncResource, Resource, ident

DESKS = "/servicedeskapi/servicedesk"
DESK = "/servicedeskapi/servicedesk/{serviceDeskId}"


def plan_list() -> Plan[models.ServiceDesk]:
    return Plan("GET", DESKS)


def plan_get(desk: str | int) -> Plan[models.ServiceDesk]:
    return Plan("GET", DESK, {"service_desk_id": ident(desk)})


class ServiceDesks(Resource):
    """Service desks: `list`, `get` (by id, or by project key)."""

    def list(self, *, page_size: int | None = None, max_items: int | None = None) -> Paginator[models.ServiceDesk]:
        return self._pages(plan_list(), page_size, max_items)

    def get(self, service_desk: str | int) -> models.ServiceDesk:
        return self._run(plan_get(service_desk))


class AsyncServiceDesks(AsyncResource):
    """`ServiceDesks` for the async client."""

    def list(self, *, page_size: int | None = None, max_items: int | None = None) -> AsyncPaginator[models.ServiceDesk]:
        return self._pages(plan_list(), page_size, max_items)

    async def get(self, service_desk: str | int) -> models.ServiceDesk:
        return await self._run(plan_get(service_desk))
