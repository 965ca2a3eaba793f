"""`/_mock/...`: the mock's own control endpoints (JSM has no such paths): health, faults and defects at runtime.

Every value is checked before anything changes (`Faults.validate`: JSON numbers, not booleans, finite, within
bounds; defects by name); a refusal is a 400 naming the value and the accepted range. A mock that listens beyond
loopback requires its admin token on every `/_mock` call (`Authorization: Bearer <token>`; the CLI prints it at
start), so nobody else on the network can switch its faults or read its state.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import InputError
from .config import parse_defects
from .wire import JsonAnswer, MalformedJson, parse_json

if TYPE_CHECKING:
    from .app import MockState

PREFIX = "/_mock"


def is_loopback(host: str) -> bool:
    """Whether listening on `host` keeps the mock on this machine (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def new_admin_token() -> str:
    return secrets.token_urlsafe(24)


def _refusal(status: int, message: str, hint: str = "") -> JsonAnswer:
    return JsonAnswer({"errorMessage": message, "hint": hint}, status_code=status)


def _authorised(state: MockState, request: Request) -> bool:
    token = state.config.admin_token
    if token is None:
        return True
    scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


async def _json(request: Request) -> Any:
    try:
        return parse_json(await request.body())
    except MalformedJson as exc:
        raise InputError(f"the body is not valid JSON: {exc}", hint="send a JSON document") from None


def control_routes(state: MockState) -> list[Route]:
    """The `/_mock` routes of one running mock."""

    def guarded(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            if not _authorised(state, request):
                return _refusal(
                    401,
                    "the mock listens beyond loopback: /_mock needs its admin token",
                    "send Authorization: Bearer <the admin token the mock printed at start>",
                )
            try:
                return await handler(request)
            except InputError as exc:
                return _refusal(400, exc.message, exc.hint or "")

        return endpoint

    async def health(_: Request) -> Response:
        return JsonAnswer({"status": "ok", "flavor": state.config.flavor})

    async def faults(request: Request) -> Response:
        if request.method == "PUT":
            changes = await _json(request)
            if not isinstance(changes, dict):
                raise InputError("send a JSON object of fault settings", hint='e.g. {"rate_limit": 0.2}')
            state.faults.update(**changes)
        return JsonAnswer(state.faults.as_dict())

    async def defects(request: Request) -> Response:
        if request.method == "PUT":
            names = await _json(request)
            if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
                raise InputError("send a JSON list of defect names", hint='e.g. ["customer-fullname"]')
            chosen = parse_defects(names)
            state.defects.clear()
            state.defects.update(chosen)
        return JsonAnswer(sorted(d.value for d in state.defects))

    return [
        Route(f"{PREFIX}/health", guarded(health), methods=["GET"]),
        Route(f"{PREFIX}/faults", guarded(faults), methods=["GET", "PUT"]),
        Route(f"{PREFIX}/defects", guarded(defects), methods=["GET", "PUT"]),
    ]
