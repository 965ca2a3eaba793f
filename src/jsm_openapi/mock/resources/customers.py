"""Customers: create one (Server `fullName`, Cloud `displayName`), and a service desk's customers."""

from __future__ import annotations

from starlette.responses import Response

from .. import ids
from ..access import desk_by_id, require_admin, require_agent
from ..config import Defect
from ..dates import now_ms
from ..errors import bad_request, conflict
from ..model import ServiceDesk, User
from ..paging import page
from ..people import users_in_body
from ..render import user as render_user
from ..routing import BOTH, Call
from ..seed import put_user, user_by_index
from . import routes


def _text(body: dict[str, object], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(f"{name!r} must be a string.", "sd.customer.error.field.type", name)
    return value.strip()


@routes.op("POST", "/servicedeskapi/customer", flavors=BOTH)
def create_customer(call: Call) -> Response:
    require_admin(call, "create customers")
    body = call.object()
    email = _text(body, "email")
    if call.site.cloud:
        name = _text(body, "displayName") or _text(body, "fullName")  # fullName: deprecated, still read
        name_field = "displayName"
    else:
        name = _text(body, "fullName")
        name_field = "fullName"
    if not email or "@" not in email or email.startswith("@") or email.endswith("@"):
        raise bad_request(f"The email address {email!r} is not valid.", "sd.customer.error.email.invalid", str(email))
    if not name:
        raise bad_request(f"{name_field!r} is required.", "sd.customer.error.name.required", name_field)
    if user_by_index(call.tx, f"email:{email.lower()}") is not None:
        message = "An account already exists for this email."
        if call.site.cloud and call.flag("strictConflictStatusCode"):
            raise conflict(message, "sd.customer.error.email.exists", email)
        raise bad_request(message, "sd.customer.error.email.exists", email)
    user_id = call.tx.next_id("user")
    if call.site.cloud:
        account = ids.cloud_customer_account_id(user_id, email)
        username, key = account, account
    else:
        account, username, key = None, email.lower(), ids.server_user_key(user_id)
    user = User(
        id=user_id,
        role="customer",
        username=username,
        key=key,
        email=email,
        display_name=name,
        account_id=account,
        created=now_ms(),
    )
    put_user(call.tx, user, call.site.flavor)
    answer = render_user(call.site, user)
    if Defect.CUSTOMER_FULLNAME in call.site.defects:
        answer["fullName"] = answer.pop("displayName")
    return call.reply(answer, 201)


@routes.op("POST", "/servicedeskapi/servicedesk/{serviceDeskId}/customer")
def add_customers(call: Call) -> Response:
    desk = desk_by_id(call, call.path["serviceDeskId"])
    require_agent(call, desk)
    users = users_in_body(call, call.object())
    for user in users:
        if user.id not in desk.customer_ids:
            desk.customer_ids.append(user.id)
    call.tx.put(desk)
    return call.no_content()


@routes.op("DELETE", "/servicedeskapi/servicedesk/{serviceDeskId}/customer", experimental=BOTH)
def remove_customers(call: Call) -> Response:
    desk = desk_by_id(call, call.path["serviceDeskId"])
    require_agent(call, desk)
    gone = {user.id for user in users_in_body(call, call.object())}
    desk.customer_ids = [uid for uid in desk.customer_ids if uid not in gone]
    call.tx.put(desk)
    return call.no_content()


@routes.op("GET", "/servicedeskapi/servicedesk/{serviceDeskId}/customer", experimental=BOTH)
def get_customers(call: Call) -> Response:
    desk: ServiceDesk = desk_by_id(call, call.path["serviceDeskId"])
    require_agent(call, desk)
    needle = (call.query.get("query") or "").lower()
    users = {u.id: u for u in call.tx.all(User)}
    found = [
        users[uid]
        for uid in desk.customer_ids
        if uid in users
        and any(needle in text.lower() for text in (users[uid].display_name, users[uid].email, users[uid].username))
    ]
    return call.reply(page(call, found, lambda u: render_user(call.site, u)))
