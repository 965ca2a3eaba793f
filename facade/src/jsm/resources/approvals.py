"""`client.requests.approvals`: a request's approvals, and answering one."""

from __future__ import annotations

from .. import models
from ..calls import Plan
from ..paging import AsyncPaginator, Paginator
from ._base import AsyncResource, Resource, ident

APPROVALS = "/servicedeskapi/request/{issueIdOrKey}/approval"
APPROVAL = "/servicedeskapi/request/{issueIdOrKey}/approval/{approvalId}"


def plan_list(request: str | int) -> Plan[models.Approval]:
    return Plan("GET", APPROVALS, {"issue_id_or_key": ident(request)})


def plan_get(request: str | int, approval: str | int) -> Plan[models.Approval]:
    return Plan("GET", APPROVAL, {"issue_id_or_key": ident(request), "approval_id": ident(approval)})


def plan_answer(request: str | int, approval: str | int, approve: bool) -> Plan[models.Approval]:
    body = {"decision": "approve" if approve else "decline"}
    return Plan("POST", APPROVAL, {"issue_id_or_key": ident(request), "approval_id": ident(approval), "body": body})


class Approvals(Resource):
    """Approvals of a request: `list`, `get`, `approve`, `decline`."""

    def list(
        self, request: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[models.Approval]:
        return self._pages(plan_list(request), page_size, max_items)

    def get(self, request: str | int, approval: str | int) -> models.Approval:
        return self._run(plan_get(request, approval))

    def approve(self, request: str | int, approval: str | int) -> models.Approval:
        return self._run(plan_answer(request, approval, approve=True))

    def decline(self, request: str | int, approval: str | int) -> models.Approval:
        return self._run(plan_answer(request, approval, approve=False))


class AsyncApprovals(AsyncResource):
    """`Approvals` for the async client."""

    def list(
        self, request: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> AsyncPaginator[models.Approval]:
        return self._pages(plan_list(request), page_size, max_items)

    async def get(self, request: str | int, approval: str | int) -> models.Approval:
        return await self._run(plan_get(request, approval))

    async def approve(self, request: str | int, approval: str | int) -> models.Approval:
        return await self._run(plan_answer(request, approval, approve=True))

    async def decline(self, request: str | int, approval: str | int) -> models.Approval:
        return await self._run(plan_answer(request, approval, approve=False))
