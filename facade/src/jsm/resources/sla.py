"""`client.requests.sla`: a request's SLA metrics."""

from __future__ import annotations

from .. import models
from ..calls import Plan
from ..paging import AsyncPaginator, Paginator
from ._base import AsyncResource, Resource, ident

SLAS = "/servicedeskapi/request/{issueIdOrKey}/sla"
SLA = "/servicedeskapi/request/{issueIdOrKey}/sla/{slaMetricId}"


def plan_list(request: str | int) -> Plan[models.Sla]:
    return Plan("GET", SLAS, {"issue_id_or_key": ident(request)})


def plan_get(request: str | int, metric: str | int) -> Plan[models.Sla]:
    return Plan("GET", SLA, {"issue_id_or_key": ident(request), "sla_metric_id": ident(metric)})


class Sla(Resource):
    """SLA metrics of a request: `list`, `get`."""

    def list(
        self, request: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[models.Sla]:
        return self._pages(plan_list(request), page_size, max_items)

    def get(self, request: str | int, metric: str | int) -> models.Sla:
        return self._run(plan_get(request, metric))


class AsyncSla(AsyncResource):
    """`Sla` for the async client."""

    def list(
        self, request: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> AsyncPaginator[models.Sla]:
        return self._pages(plan_list(request), page_size, max_items)

    async def get(self, request: str | int, metric: str | int) -> models.Sla:
        return await self._run(plan_get(request, metric))
