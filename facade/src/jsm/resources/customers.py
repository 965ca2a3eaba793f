"""`client.customers`: create customers and manage who is a customer of a service desk."""

from __future__ import annotations

from collections.abc import Iterable

from .. import models
from ..calls import Plan
from ..flavor import Flavor, Traits
from ..paging import AsyncPaginator, Paginator
from ._base import AsyncResource, Resource, UserRef, ident, users_body

CUSTOMER = "/servicedeskapi/customer"
DESK_CUSTOMERS = "/servicedeskapi/servicedesk/{serviceDeskId}/customer"


def plan_create(traits: Traits, email: str, display_name: str, strict_conflict: bool) -> Plan[models.User]:
    body = {"email": email, traits.display_name_field: display_name}
    strict = True if traits.flavor is Flavor.CLOUD and strict_conflict else None
    return Plan("POST", CUSTOMER, {"body": body, "strict_conflict_status_code": strict})


def plan_list(desk: str | int, query: str | None) -> Plan[models.User]:
    return Plan("GET", DESK_CUSTOMERS, {"service_desk_id": ident(desk), "query": query})


def plan_change(traits: Traits, method: str, desk: str | int, users: UserRef | Iterable[UserRef]) -> Plan[None]:
    return Plan(method, DESK_CUSTOMERS, {"service_desk_id": ident(desk), "body": users_body(traits, users)})


class Customers(Resource):
    """Customers: `create`, and the customers of a service desk (`list`, `add`, `remove`)."""

    def create(self, *, email: str, display_name: str, strict_conflict: bool = True) -> models.User:
        """Create a customer (the facade sends Server/DC's `fullName` or Cloud's `displayName`).

        A duplicate email raises `Conflict` on Cloud (`BadRequest` with `strict_conflict=False`) and `BadRequest`
        on Server/DC, which has no conflict status.
        """
        return self._run(plan_create(self._traits, email, display_name, strict_conflict))

    def list(
        self,
        service_desk: str | int,
        *,
        query: str | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[models.User]:
        """Every customer of a service desk (optionally only those matching `query`), page after page."""
        return self._pages(plan_list(service_desk, query), page_size, max_items)

    def add(self, service_desk: str | int, users: UserRef | Iterable[UserRef]) -> None:
        """Make users customers of a service desk (usernames on Server/DC, accountIds on Cloud, or user models)."""
        self._run(plan_change(self._traits, "POST", service_desk, users))

    def remove(self, service_desk: str | int, users: UserRef | Iterable[UserRef]) -> None:
        """Remove users from a service desk's customers."""
        self._run(plan_change(self._traits, "DELETE", service_desk, users))


class AsyncCustomers(AsyncResource):
    """`Customers` for the async client."""

    async def create(self, *, email: str, display_name: str, strict_conflict: bool = True) -> models.User:
        return await self._run(plan_create(self._traits, email, display_name, strict_conflict))

    def list(
        self,
        service_desk: str | int,
        *,
        query: str | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPaginator[models.User]:
        return self._pages(plan_list(service_desk, query), page_size, max_items)

    async def add(self, service_desk: str | int, users: UserRef | Iterable[UserRef]) -> None:
        await self._run(plan_change(self._traits, "POST", service_desk, users))

    async def remove(self, service_desk: str | int, users: UserRef | Iterable[UserRef]) -> None:
        await self._run(plan_change(self._traits, "DELETE", service_desk, users))
