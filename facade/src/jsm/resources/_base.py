"""What every resource namespace shares: its caller, the flavor's traits, and naming users per flavor."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from ..calls import AsyncCaller, Caller, Plan
from ..errors import ConfigurationError
from ..flavor import Flavor, Traits
from ..paging import AsyncPaginator, Paginator

T = TypeVar("T")

UserRef = Any
"""A user: its id as a string (a username on Server/DC, an accountId on Cloud) or a user model the API returned."""

_USER_ATTRS = {Flavor.SERVER: ("name", "key"), Flavor.CLOUD: ("account_id",)}


def user_id(traits: Traits, user: UserRef) -> str:
    """The id JSM wants for `user` on this flavor: username (Server/DC) or accountId (Cloud)."""
    if isinstance(user, str):
        if not user:
            raise ConfigurationError("an empty string is not a user id")
        return user
    for attr in _USER_ATTRS[traits.flavor]:
        value = getattr(user, attr, None)
        if isinstance(value, str) and value:
            return value
    wanted = "a username (name)" if traits.flavor is Flavor.SERVER else "an accountId"
    raise ConfigurationError(f"{type(user).__name__} carries no {wanted}: pass the user's id as a string")


def user_ids(traits: Traits, users: UserRef | Iterable[UserRef]) -> list[str]:
    """`users` (one or many) as ids of this flavor."""
    if isinstance(users, str) or not isinstance(users, Iterable):
        users = [users]
    ids = [user_id(traits, user) for user in users]
    if not ids:
        raise ConfigurationError("no users given")
    return ids


def users_body(traits: Traits, users: UserRef | Iterable[UserRef]) -> dict[str, Any]:
    """`{usernames: [...]}` on Server/DC, `{accountIds: [...]}` on Cloud."""
    return {traits.users_field: user_ids(traits, users)}


def ident(value: str | int) -> str:
    """Ids and keys go to the generated client as strings (JSM's ids are strings; some paths accept keys)."""
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise ConfigurationError(f"{value!r} is not an id or key")
    return str(value)


class Resource:
    """Base of the sync namespaces."""

    def __init__(self, caller: Caller) -> None:
        self._caller = caller
        self._traits = caller.session.traits

    def _run(self, plan: Plan[T]) -> T:
        return self._caller.run(plan)

    def _pages(self, plan: Plan[T], page_size: int | None, max_items: int | None) -> Paginator[T]:
        return self._caller.pages(plan, page_size=page_size, max_items=max_items)


class AsyncResource:
    """Base of the async namespaces."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller
        self._traits = caller.session.traits

    async def _run(self, plan: Plan[T]) -> T:
        return await self._caller.run(plan)

    def _pages(self, plan: Plan[T], page_size: int | None, max_items: int | None) -> AsyncPaginator[T]:
        return self._caller.pages(plan, page_size=page_size, max_items=max_items)
