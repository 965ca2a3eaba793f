"""The platform's user search and user removal (Server `/rest/api/2/user...`, Cloud `/rest/api/3/user...`).

What the contract suite's sweep and cleanup use: find users by a piece of their name or email, remove a user.
Errors are the platform's `{errorMessages, errors}` (app.py answers so on `/rest/api/...`).
"""

from __future__ import annotations

from starlette.responses import Response

from ..access import is_admin
from ..errors import JsmError, bad_request, forbidden
from ..model import User
from ..removal import remove_user
from ..render import platform_user
from ..routing import CLOUD, SERVER, Call, is_number
from . import routes

DEFAULT_RESULTS = 50
MAX_RESULTS = 1000


def _count(call: Call, name: str, default: int) -> int:
    raw = call.query.get(name)
    if raw is None or raw == "":
        return default
    if not is_number(raw):
        raise bad_request(f"The '{name}' query parameter must be a whole number of 0 or more, not {raw!r}.")
    return int(raw)


def _matches(user: User, needle: str, *, cloud: bool) -> bool:
    """Jira's user search: a prefix of the username (Server), the email, the display name or one of its words."""
    words = [user.email, user.display_name, *user.display_name.split()]
    if not cloud:
        words.append(user.username)
    return any(word.lower().startswith(needle) for word in words)


def _search(call: Call, wanted: list[User], *, version: int) -> Response:
    """One page of the found users (`startAt`, `maxResults` capped at 1,000), as a plain JSON list.

    Callers without the browse-users permission (customers) find nobody, as Jira answers them."""
    start = _count(call, "startAt", 0)
    limit = min(_count(call, "maxResults", DEFAULT_RESULTS), MAX_RESULTS)
    if call.me.role == "customer":
        wanted = []
    found = sorted(wanted, key=lambda u: (u.display_name.lower(), u.id))[start : start + limit]
    return call.reply([platform_user(call.site, user, version) for user in found])


def _live_users(call: Call) -> list[User]:
    return [user for user in call.tx.all(User) if not user.deleted]


@routes.op("GET", "/api/2/user/search", flavors=SERVER)
def find_users(call: Call) -> Response:
    needle = (call.query.get("username") or "").strip().lower()
    if not needle:
        raise bad_request("The username query parameter was not provided")
    active, inactive = call.flag("includeActive", True), call.flag("includeInactive", False)
    wanted = [
        user
        for user in _live_users(call)
        if (active if user.active else inactive) and _matches(user, needle, cloud=False)
    ]
    return _search(call, wanted, version=2)


@routes.op("GET", "/api/3/user/search", flavors=CLOUD)
def find_users_cloud(call: Call) -> Response:
    needle = (call.query.get("query") or "").strip().lower()
    account = call.query.get("accountId")
    if not needle and not account and not call.query.get("property"):
        raise bad_request("One of the query parameters 'query', 'accountId' or 'property' is required.")
    if not needle and not account:  # `property` alone: the mock keeps no user properties, so nobody matches
        return _search(call, [], version=3)
    wanted = [
        user
        for user in _live_users(call)
        if user.active  # Cloud's search finds active users only
        and (not needle or _matches(user, needle, cloud=True))
        and (not account or user.account_id == account)
    ]
    return _search(call, wanted, version=3)


def _require_user_admin(call: Call) -> None:
    if not is_admin(call.me):
        raise forbidden("You do not have permission to remove users: only Jira administrators can.")


def _remove(call: Call, user: User | None, named: str) -> Response:
    if user is None:
        raise JsmError(404, f"The user {named} does not exist.", "rest.user.error.not.found")
    if user.id == call.me.id:
        raise bad_request("You cannot delete the currently logged in user.")
    remove_user(call.tx, user)
    return call.no_content()


@routes.op("DELETE", "/api/2/user", flavors=SERVER)
def remove_user_server(call: Call) -> Response:
    """`username` or `key` names the user (the username first, case-insensitive; the key as given)."""
    _require_user_admin(call)
    username, key = call.query.get("username"), call.query.get("key")
    if not username and not key:
        raise bad_request("Either the 'username' or the 'key' query parameter must be given.")
    users = _live_users(call)
    if username:
        found = next((u for u in users if u.username.lower() == username.lower()), None)
        named = f"named '{username}'"
    else:
        found = next((u for u in users if u.key == key), None)
        named = f"with key '{key}'"
    return _remove(call, found, named)


@routes.op("DELETE", "/api/3/user", flavors=CLOUD)
def remove_user_cloud(call: Call) -> Response:
    _require_user_admin(call)
    account = call.query.get("accountId")
    if not account:
        raise bad_request("The query parameter 'accountId' is required.")
    found = next((u for u in _live_users(call) if u.account_id == account), None)
    return _remove(call, found, f"with account ID '{account}'")
