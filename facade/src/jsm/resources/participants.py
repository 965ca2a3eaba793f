"""`client.requests.participants`: who else follows a request (usernames on Server/DC, accountIds on Cloud)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Any

from .. import models
from ..calls import Plan
from ..flavor import Traits
from ..paging import AsyncPaginator, PageInfo, Paginator
from ._base import AsyncResource, Resource, UserRef, ident, users_body

PARTICIPANTS = "/servicedeskapi/request/{issueIdOrKey}/participant"


def plan_list(request: str | int) -> Plan[models.User]:
    return Plan("GET", PARTICIPANTS, {"issue_id_or_key": ident(request)})


def plan_change(
    traits: Traits, method: str, request: str | int, users: UserRef | Iterable[UserRef]
) -> Plan[list[models.User]]:
    args = {"issue_id_or_key": ident(request), "body": users_body(traits, users)}
    return Plan(method, PARTICIPANTS, args, result=_first_page)


def _first_page(page: Any) -> list[Any]:
    return PageInfo.read(page).values if page is not None else []


class Participants(Resource):
    """Participants of a request: `list`, `add`, `remove` (the last two return the first page of participants)."""

    def list(
        self, request: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[models.User]:
        return self._pages(plan_list(request), page_size, max_items)

    def add(self, request: str | int, users: UserRef | Iterable[UserRef]) -> builtins.list[models.User]:
        return self._run(plan_change(self._traits, "POST", request, users))

    def remove(self, request: str | int, users: UserRef | Iterable[UserRef]) -> builtins.list[models.User]:
        return self._run(plan_change(self._traits, "DELETE", request, users))


class AsyncParticipants(AsyncResource):
    """`Participants` for the async client."""

    def list(
        self, request: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> AsyncPaginator[models.User]:
        return self._pages(plan_list(request), page_size, max_items)

    async def add(self, request: str | int, users: UserRef | Iterable[UserRef]) -> builtins.list[models.User]:
        return await self._run(plan_change(self._traits, "POST", request, users))

    async def remove(self, request: str | int, users: UserRef | Iterable[UserRef]) -> builtins.list[models.User]:
        return await self._run(plan_change(self._traits, "DELETE", request, users))
