"""The mock JSM as an ASGI app (Starlette): routes per flavor, auth, experimental opt-in, errors, faults, journal.

Each request runs its handler in a worker thread inside one store transaction, so handlers are plain functions and
concurrent requests are serialised where they touch state (see store.py).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from ..errors import InputError
from .auth import LOGIN_FAILED, Refused, authenticate
from .config import Defect, MockConfig
from .control import control_routes
from .dates import now_ms
from .errors import JsmError
from .faults import FaultMiddleware
from .journal import Journal, JournalMiddleware
from .resources import routes
from .routing import Call, Operation, Site
from .seed import load_seed, seed_store
from .store import Store, Unstorable, open_store, setting

log = logging.getLogger("jsm_openapi.mock")

EXPERIMENTAL_HEADER = "X-ExperimentalApi"
EXPERIMENTAL_MESSAGE = (
    "API is experimental. Experimental APIs are not guaranteed to be stable within the preview period. "
    "You must set the header 'X-ExperimentalApi: opt-in' to opt into using this API."
)


def operations_for(flavor: str) -> list[Operation]:
    """The operations a flavor serves, in registration order."""
    return [op for op in routes.operations if flavor in op.flavors]


def _specificity(path: str) -> tuple[int, ...]:
    """Literal segments before parameters, so `/organization/cleanup` wins over `/organization/{organizationId}`."""
    return tuple(1 if segment.startswith("{") else 0 for segment in path.strip("/").split("/"))


def open_state(config: MockConfig) -> Store:
    """The store for a config: seeded when new; an existing database must be of the same flavor."""
    store = open_store(config.db)
    if store.is_empty():
        seed_store(store, load_seed(config.seed), config.flavor, config.seed, now=now_ms())
    else:
        with store.transaction() as tx:
            flavor = setting(tx, "flavor")
        if flavor != config.flavor:
            store.close()
            raise InputError(
                f"the mock database {config.db} holds a {flavor} instance, not {config.flavor}",
                hint="use another --db path for this flavor, or --flavor " + str(flavor),
            )
    return store


class MockState:
    """What the running app shares between requests (and with a runner in the same process)."""

    def __init__(self, config: MockConfig, store: Store) -> None:
        self.config = config
        self.store = store
        self.faults = config.faults
        self.defects: set[Defect] = config.defects
        self.journal = Journal(enabled=config.record)
        with store.transaction() as tx:
            self.catalog: dict[str, Any] = setting(tx, "catalog")

    def site(self, request: Request) -> Site:
        base = f"{request.url.scheme}://{request.url.netloc}"
        return Site(self.config.flavor, base, frozenset(self.defects), self.catalog)


PLATFORM_PREFIX = "/rest/api/"


def _error_response(state: MockState, error: JsmError, path: str) -> Response:
    """JSM's error model, or the platform's `{errorMessages, errors}` on `/rest/api/...` (and with the defect)."""
    return error.response(platform_model=path.startswith(PLATFORM_PREFIX) or Defect.PLATFORM_ERRORS in state.defects)


MAX_BODY = 10 * 2**20
"""The largest request body the mock reads (Jira's default attachment size limit, 10 MB); larger ones get 413."""


async def _body(request: Request) -> bytes | None:
    """The request body, read at most MAX_BODY bytes far (a declared or streamed larger one is None)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    raw = b"".join(chunks)
    request._body = raw  # what request.form() and request.body() read from now on (Starlette's own cache)
    return raw


def _dispatcher(state: MockState, ops: dict[str, Operation]) -> Callable[[Request], Awaitable[Response]]:
    allowed = ", ".join(sorted(ops))

    async def endpoint(request: Request) -> Response:
        op = ops.get(request.method) or (ops.get("GET") if request.method == "HEAD" else None)
        if op is None:
            error = JsmError(405, f"Method {request.method} is not allowed here; use {allowed}.", "sd.error.method")
            error.headers["Allow"] = allowed
            return _error_response(state, error, request.url.path)
        flavor = state.config.flavor
        if Defect.UNLICENSED in state.defects and _needs_licence(request.url.path):
            return HTMLResponse(UNLICENSED_PAGE, status_code=403)
        if flavor in op.experimental and (request.headers.get(EXPERIMENTAL_HEADER) or "").lower() != "opt-in":
            error = JsmError(400, EXPERIMENTAL_MESSAGE, "sd.error.experimental.api")
            return _error_response(state, error, request.url.path)
        raw = await _body(request)
        if raw is None:
            error = JsmError(
                413,
                f"The request body is larger than {MAX_BODY // 2**20} MB, the most this server takes.",
                "sd.error.request.too.large",
            )
            return _error_response(state, error, request.url.path)
        form: FormData | None = None
        if op.multipart and request.headers.get("content-type", "").startswith("multipart/form-data"):
            try:
                form = await request.form(max_files=100, max_fields=100)
            except Exception as exc:
                error = JsmError(400, f"The multipart body is malformed: {exc}.", "sd.error.multipart")
                return _error_response(state, error, request.url.path)
        site = state.site(request)

        def run() -> Response:
            refused = False
            with state.store.transaction() as tx:
                try:
                    user = authenticate(request.headers.get("authorization"), tx, flavor)
                except Refused:
                    # Jira DC serves anonymously readable resources to a refused credential, saying so only in
                    # X-Seraph-LoginReason; Cloud refuses outright.
                    if not (op.anonymous and flavor == "server"):
                        raise
                    user, refused = None, True
                if user is None and not op.anonymous:
                    raise JsmError(
                        401,
                        "You are not authenticated. Authentication required to perform this operation.",
                        "sd.error.unauthenticated",
                        headers={"WWW-Authenticate": 'Basic realm="protected-area"'},
                    )
                call = Call(request, site, user, tx, raw, form, dict(request.path_params))
                response = op.handler(call)
            if flavor == "server":
                response.headers["X-AUSERNAME"] = user.username if user is not None else "anonymous"
                if refused:
                    response.headers["X-Seraph-LoginReason"] = LOGIN_FAILED
            return response

        try:
            return await run_in_threadpool(run)
        except JsmError as error:
            return _error_response(state, error, request.url.path)
        except Unstorable as exc:  # the store refuses what it could not give back (store.record_text)
            refused = JsmError(
                400, f"The request holds something that cannot be stored: {exc}.", "sd.error.bad.request"
            )
            return _error_response(state, refused, request.url.path)
        except Exception:
            log.exception("mock handler %s %s failed", request.method, op.wire_path)
            internal = JsmError(500, "Internal server error in the mock.", "sd.error.internal")
            return _error_response(state, internal, request.url.path)
        finally:
            if form is not None:
                await form.close()

    return endpoint


UNLICENSED_PAGE = (
    "<!DOCTYPE html><html><head><title>Unlicensed - Jira</title></head><body>"
    "<h1>Jira Service Management is not licensed</h1><p>Contact your Jira administrator.</p></body></html>"
)


def _needs_licence(path: str) -> bool:
    """Without a JSM licence only /servicedeskapi/info still answers JSON (SPEC-GAPS, Server #5)."""
    return path.startswith("/rest/servicedeskapi/") and path.rstrip("/") != "/rest/servicedeskapi/info"


def create_app(config: MockConfig, store: Store | None = None) -> Starlette:
    """The ASGI app for one flavor; `app.state.mock` is its MockState."""
    state = MockState(config, store or open_state(config))
    by_path: dict[str, dict[str, Operation]] = defaultdict(dict)
    for op in operations_for(config.flavor):
        by_path[op.wire_path][op.method] = op
    api_routes = [
        Route(path, _dispatcher(state, ops), methods=list({*ops, "GET", "POST", "PUT", "DELETE", "PATCH"}))
        for path, ops in sorted(by_path.items(), key=lambda item: _specificity(item[0]))
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        error = JsmError(404, f"No resource at {request.url.path}.", "sd.error.not.found")
        return _error_response(state, error, request.url.path)

    app = Starlette(routes=[*control_routes(state), *api_routes], exception_handlers={404: not_found})
    app.state.mock = state
    app.add_middleware(FaultMiddleware, faults=state.faults, flavor=config.flavor)
    app.add_middleware(JournalMiddleware, journal=state.journal)
    return app
