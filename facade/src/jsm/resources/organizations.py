"""`client.organizations`: organizations, their users, the service desks they belong to, and (Cloud) properties."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import models
from ..calls import Plan
from ..flavor import Traits
from ..paging import AsyncPaginator, Paginator
from ._base import AsyncResource, Resource, UserRef, ident, user_id, users_body

ORGANIZATIONS = "/servicedeskapi/organization"
ORGANIZATION = "/servicedeskapi/organization/{organizationId}"
USERS = "/servicedeskapi/organization/{organizationId}/user"
PROPERTY = "/servicedeskapi/organization/{organizationId}/property/{propertyKey}"
DESK_ORGANIZATIONS = "/servicedeskapi/servicedesk/{serviceDeskId}/organization"


def plan_list(traits: Traits, member: UserRef | None) -> Plan[models.Organization]:
    account = user_id(traits, member) if member is not None else None
    return Plan("GET", ORGANIZATIONS, {"account_id": account})


def plan_get(org: str | int) -> Plan[models.Organization]:
    return Plan("GET", ORGANIZATION, {"organization_id": ident(org)})


def plan_create(name: str) -> Plan[models.Organization]:
    return Plan("POST", ORGANIZATIONS, {"body": {"name": name}})


def plan_delete(org: str | int) -> Plan[None]:
    return Plan("DELETE", ORGANIZATION, {"organization_id": ident(org)})


def plan_users(org: str | int) -> Plan[models.User]:
    return Plan("GET", USERS, {"organization_id": ident(org)})


def plan_change_users(traits: Traits, method: str, org: str | int, users: UserRef | Iterable[UserRef]) -> Plan[None]:
    return Plan(method, USERS, {"organization_id": ident(org), "body": users_body(traits, users)})


def plan_desk_list(desk: str | int) -> Plan[models.Organization]:
    return Plan("GET", DESK_ORGANIZATIONS, {"service_desk_id": ident(desk)})


def plan_desk_change(method: str, desk: str | int, org: str | int) -> Plan[None]:
    text = ident(org)
    body = {"organizationId": int(text) if text.isdigit() else text}  # both flavors' bodies declare a number
    return Plan(method, DESK_ORGANIZATIONS, {"service_desk_id": ident(desk), "body": body})


def plan_property(method: str, org: str | int, key: str, value: Any = None) -> Plan[Any]:
    args: dict[str, Any] = {"organization_id": ident(org), "property_key": key}
    if method == "PUT":
        args["body"] = value
    return Plan(method, PROPERTY, args, result=_property_value if method == "GET" else None)


def _property_value(entity: Any) -> Any:
    return getattr(entity, "value", entity)


class Organizations(Resource):
    """Organizations: list, get, create, delete; their users; the service desks they are part of."""

    def list(
        self, *, member: UserRef | None = None, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[models.Organization]:
        """Every organization (Cloud: only those `member` belongs to, when given)."""
        return self._pages(plan_list(self._traits, member), page_size, max_items)

    def get(self, organization: str | int) -> models.Organization:
        return self._run(plan_get(organization))

    def create(self, name: str) -> models.Organization:
        return self._run(plan_create(name))

    def delete(self, organization: str | int) -> None:
        self._run(plan_delete(organization))

    def users(
        self, organization: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[models.User]:
        """Every user of an organization."""
        return self._pages(plan_users(organization), page_size, max_items)

    def add_users(self, organization: str | int, users: UserRef | Iterable[UserRef]) -> None:
        self._run(plan_change_users(self._traits, "POST", organization, users))

    def remove_users(self, organization: str | int, users: UserRef | Iterable[UserRef]) -> None:
        self._run(plan_change_users(self._traits, "DELETE", organization, users))

    def of_service_desk(
        self, service_desk: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[models.Organization]:
        """Every organization of a service desk."""
        return self._pages(plan_desk_list(service_desk), page_size, max_items)

    def add_to_service_desk(self, service_desk: str | int, organization: str | int) -> None:
        self._run(plan_desk_change("POST", service_desk, organization))

    def remove_from_service_desk(self, service_desk: str | int, organization: str | int) -> None:
        self._run(plan_desk_change("DELETE", service_desk, organization))

    def get_property(self, organization: str | int, key: str) -> Any:
        """The value of an organization property (any JSON; Cloud only)."""
        return self._run(plan_property("GET", organization, key))

    def set_property(self, organization: str | int, key: str, value: Any) -> None:
        """Set an organization property to any JSON value (Cloud only)."""
        self._run(plan_property("PUT", organization, key, value))

    def delete_property(self, organization: str | int, key: str) -> None:
        self._run(plan_property("DELETE", organization, key))


class AsyncOrganizations(AsyncResource):
    """`Organizations` for the async client."""

    def list(
        self, *, member: UserRef | None = None, page_size: int | None = None, max_items: int | None = None
    ) -> AsyncPaginator[models.Organization]:
        return self._pages(plan_list(self._traits, member), page_size, max_items)

    async def get(self, organization: str | int) -> models.Organization:
        return await self._run(plan_get(organization))

    async def create(self, name: str) -> models.Organization:
        return await self._run(plan_create(name))

    async def delete(self, organization: str | int) -> None:
        await self._run(plan_delete(organization))

    def users(
        self, organization: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> AsyncPaginator[models.User]:
        return self._pages(plan_users(organization), page_size, max_items)

    async def add_users(self, organization: str | int, users: UserRef | Iterable[UserRef]) -> None:
        await self._run(plan_change_users(self._traits, "POST", organization, users))

    async def remove_users(self, organization: str | int, users: UserRef | Iterable[UserRef]) -> None:
        await self._run(plan_change_users(self._traits, "DELETE", organization, users))

    def of_service_desk(
        self, service_desk: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> AsyncPaginator[models.Organization]:
        return self._pages(plan_desk_list(service_desk), page_size, max_items)

    async def add_to_service_desk(self, service_desk: str | int, organization: str | int) -> None:
        await self._run(plan_desk_change("POST", service_desk, organization))

    async def remove_from_service_desk(self, service_desk: str | int, organization: str | int) -> None:
        await self._run(plan_desk_change("DELETE", service_desk, organization))

    async def get_property(self, organization: str | int, key: str) -> Any:
        return await self._run(plan_property("GET", organization, key))

    async def set_property(self, organization: str | int, key: str, value: Any) -> None:
        await self._run(plan_property("PUT", organization, key, value))

    async def delete_property(self, organization: str | int, key: str) -> None:
        await self._run(plan_property("DELETE", organization, key))
