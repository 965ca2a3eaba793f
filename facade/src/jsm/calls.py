"""Running one planned call through the generated package of the client's flavor.

A resource method plans a call flavor-neutrally (`Plan`: method, `/servicedeskapi/...` path, keyword arguments with a
JSON body as a dict); the caller finds the generated module by (method, path), builds the body model from the dict
(refusing fields the flavor's model does not have), calls `sync_detailed`/`asyncio_detailed` and returns the parsed
model. Error answers never reach the generated parser: the response hook raises typed errors first.
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import ModuleType, UnionType
from typing import Any, Generic, TypeVar, Union, cast, get_args, get_origin

import httpx

from .errors import ConnectionFailed, JsmError, NotSupported, TimedOut, UndocumentedStatus, UnreadableResponse
from .flavor import Traits
from .operations import Operation, OperationIndex
from .paging import AsyncPaginator, Paginator
from .urls import scrub

log = logging.getLogger("jsm")
T = TypeVar("T")


@dataclass(frozen=True)
class FileParts:
    """Files to send as multipart parts named `file`: (file name, bytes or binary file, content type)."""

    files: tuple[tuple[str, Any, str], ...]


@dataclass(frozen=True)
class Plan(Generic[T]):
    """One call, flavor-neutral: `path` is the `/servicedeskapi/...` template; `args` the generated keywords.

    `T` is what the call returns, or for a list, the type of its items.
    """

    method: str
    path: str
    args: dict[str, Any] = field(default_factory=dict)
    result: Callable[[Any], Any] | None = None
    """Turns the parsed model into what the facade method returns (default: the model itself)."""

    def with_args(self, **extra: Any) -> Plan[T]:
        return replace(self, args={**self.args, **extra})


_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError)
"""What generated `from_dict` code raises on a body its model does not describe."""


def _network(op: Operation, exc: httpx.TransportError) -> ConnectionFailed:
    if isinstance(exc, httpx.TimeoutException):
        return TimedOut(f"{op.label} timed out ({type(exc).__name__}); raise the client's timeout or try again later")
    detail = scrub(str(exc))  # a proxy URL in the message may carry user:secret@
    return ConnectionFailed(f"{op.label} failed: {type(exc).__name__}: {detail}; check the site URL and the network")


def _unreadable(op: Operation, exc: Exception) -> UnreadableResponse:
    return UnreadableResponse(
        f"{op.label} answered a body the generated model cannot read ({type(exc).__name__}: {exc}); the API document "
        "and the site disagree: report it with the operation and the body"
    )


def _recover(session: Session, op: Operation, module: ModuleType, exc: Exception) -> Any:
    """What a failed generated call turns into (the same for sync and async): a facade error, or for a success
    status the document does not declare, the body read with the documented model."""
    if isinstance(exc, httpx.TransportError):
        raise _network(op, exc) from exc
    if isinstance(exc, _unexpected_status(session)):
        return _lenient(module, op, exc.status_code, exc.content)
    if isinstance(exc, _PARSE_ERRORS) and not isinstance(exc, JsmError):
        raise _unreadable(op, exc) from exc
    raise exc


def _result(plan: Plan[T], parsed: Any) -> T:
    return cast(T, plan.result(parsed) if plan.result else parsed)


@dataclass(frozen=True)
class Session:
    """What a caller needs: the flavor's traits and operations, and the generated client (wired to the httpx client
    that carries the facade's transport and hooks)."""

    traits: Traits
    operations: OperationIndex
    generated: Any


class Caller:
    """Runs plans with the generated package's `sync_detailed`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def run(self, plan: Plan[T]) -> T:
        op, module, kwargs = _prepare(self.session, plan)
        try:
            parsed = module.sync_detailed(client=self.session.generated, **kwargs).parsed
        except Exception as exc:
            parsed = _recover(self.session, op, module, exc)
        return _result(plan, parsed)

    def pages(self, plan: Plan[T], *, page_size: int | None, max_items: int | None) -> Paginator[T]:
        def fetch(start: int, limit: int | None) -> Any:
            return self.run(plan.with_args(start=start, limit=limit))

        return Paginator(fetch, page_size=page_size, max_items=max_items)


class AsyncCaller:
    """Runs plans with the generated package's `asyncio_detailed`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def run(self, plan: Plan[T]) -> T:
        op, module, kwargs = _prepare(self.session, plan)
        try:
            parsed = (await module.asyncio_detailed(client=self.session.generated, **kwargs)).parsed
        except Exception as exc:
            parsed = _recover(self.session, op, module, exc)
        return _result(plan, parsed)

    def pages(self, plan: Plan[T], *, page_size: int | None, max_items: int | None) -> AsyncPaginator[T]:
        async def fetch(start: int, limit: int | None) -> Any:
            return await self.run(plan.with_args(start=start, limit=limit))

        return AsyncPaginator(fetch, page_size=page_size, max_items=max_items)


def _prepare(session: Session, plan: Plan[Any]) -> tuple[Operation, ModuleType, dict[str, Any]]:
    op = session.operations.get(plan.method, session.traits.api_path(plan.path))
    module = session.operations.module(op)
    params = _parameters(module)
    kwargs: dict[str, Any] = {}
    for name, value in plan.args.items():
        if value is None:
            continue
        if name not in params:
            raise NotSupported(
                f"{op.label} on {session.traits.flavor.value} takes no {name!r} (the {session.traits.flavor.value} "
                "API document does not declare it)"
            )
        kwargs[name] = _body(session, op, params[name], value) if name == "body" else _coerce(params[name], value)
    return op, module, kwargs


def _coerce(hint: Any, value: Any) -> Any:
    """A query value in the shape this flavor's parameter declares (a list where one flavor has `a,b`, ...)."""
    members = _members(hint)
    takes_list = any(get_origin(m) is list for m in members)
    takes_str = str in members
    if isinstance(value, list | tuple):
        if takes_list or not takes_str:
            return list(value)
        return ",".join(str(v) for v in value)
    if isinstance(value, bool) and takes_str and bool not in members:
        return "true" if value else "false"
    if isinstance(value, str) and takes_list and not takes_str:
        return [value]
    return value


@lru_cache(maxsize=1024)
def _parameters(module: ModuleType) -> dict[str, Any]:
    """The generated function's parameters and their types (forward references resolved)."""
    hints = typing.get_type_hints(module.sync_detailed)
    names = inspect.signature(module.sync_detailed).parameters
    return {name: hints.get(name, Any) for name in names if name != "client"}


def _body(session: Session, op: Operation, hint: Any, value: Any) -> Any:
    """The body model for `value`: a dict through the model's `from_dict`, files through its multipart fields."""
    if hasattr(value, "to_dict"):
        return value
    for candidate in _members(hint):
        origin = get_origin(candidate)
        if isinstance(value, FileParts) and hasattr(candidate, "to_multipart"):
            types = importlib.import_module(f"{session.traits.package}.types")
            files = [types.File(payload=data, file_name=name, mime_type=ctype) for name, data, ctype in value.files]
            return candidate(file=files)
        if isinstance(value, Mapping) and hasattr(candidate, "from_dict"):
            return _from_dict(session, op, candidate, value)
        if origin is list and isinstance(value, list):
            (item,) = get_args(candidate) or (Any,)
            if hasattr(item, "from_dict"):
                return [_from_dict(session, op, item, v) if isinstance(v, Mapping) else v for v in value]
            return value
    if isinstance(value, FileParts):
        raise NotSupported(
            f"{op.label} on {session.traits.flavor.value}: the generated client declares no multipart body, so it "
            "cannot upload files"
        )
    return value


def _from_dict(session: Session, op: Operation, model: Any, data: Mapping[str, Any]) -> Any:
    clean = {k: v for k, v in data.items() if v is not None}
    built = model.from_dict(clean)
    kept = set(built.to_dict())
    dropped = sorted(set(clean) - kept)
    if dropped:
        raise NotSupported(
            f"{op.label} on {session.traits.flavor.value}: its body model {model.__name__} has no field(s) "
            f"{', '.join(dropped)}"
        )
    return built


def _members(hint: Any) -> list[Any]:
    if get_origin(hint) in (Union, UnionType):
        return [m for m in get_args(hint) if m is not type(None)]
    return [hint]


def _unexpected_status(session: Session) -> Any:
    """The generated package's `errors.UnexpectedStatus` (raised for a status its document does not declare)."""
    return importlib.import_module(f"{session.traits.package}.errors").UnexpectedStatus


def _lenient(module: ModuleType, op: Operation, status: int, content: bytes) -> Any:
    """Parse a success answer with an undocumented status (JSM's success codes vary) with the documented model."""
    where = f"{op.label} answered {status}, a status its API document does not declare"
    if not 200 <= status < 300:
        raise UndocumentedStatus(f"{where}; the facade cannot use it")
    if not content.strip():
        return None
    hint = typing.get_type_hints(module.sync).get("return", Any)
    models = [m for m in _members(hint) if hasattr(m, "from_dict") and "Error" not in m.__name__]
    if len(models) != 1:
        raise UndocumentedStatus(f"{where}, and no single success model to read it with")
    try:
        data = json.loads(content)
    except ValueError as exc:
        raise UndocumentedStatus(f"{where}, with a body that is not JSON") from exc
    log.warning("%s; read it as %s", where, models[0].__name__)
    return models[0].from_dict(data)
