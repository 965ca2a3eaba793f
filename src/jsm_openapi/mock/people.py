"""Users named in request bodies: `usernames` on Server, `accountIds` on Cloud (each product ignores the other's)."""

from __future__ import annotations

from typing import Any

from .errors import bad_request
from .model import User
from .routing import Call


def user_field(call: Call) -> str:
    return "accountIds" if call.site.cloud else "usernames"


def find_user(call: Call, ref: str) -> User | None:
    """A user by accountId (Cloud) or username (Server, case-insensitive as Jira's are); never a removed one."""
    for user in call.tx.all(User):
        if user.deleted:
            continue
        if call.site.cloud and user.account_id == ref:
            return user
        if not call.site.cloud and user.username.lower() == ref.lower():
            return user
    return None


def users_in_body(call: Call, body: dict[str, Any], *, required: bool = True) -> list[User]:
    """The users a body lists under the flavor's field; 400 when the list is missing, malformed or names nobody."""
    name = user_field(call)
    refs = body.get(name)
    if refs is None and not required:
        return []
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise bad_request(
            f"The request body must list users under {name!r} (a list of strings).", "sd.error.users.missing", name
        )
    if required and not refs:
        raise bad_request(f"{name!r} is empty: name at least one user.", "sd.error.users.empty", name)
    found, missing = [], []
    for ref in refs:
        user = find_user(call, ref)
        if user is None:
            missing.append(ref)
        elif user not in found:
            found.append(user)
    if missing:
        raise bad_request(
            f"The following users do not exist: {', '.join(missing)}.", "sd.error.users.not.found", ", ".join(missing)
        )
    return found


def users_by_id(call: Call) -> dict[int, User]:
    return {user.id: user for user in call.tx.all(User)}
