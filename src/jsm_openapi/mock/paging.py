"""JSM's pages: `{size, start, limit, isLastPage, values, _links{base, context, self, next, prev}, _expands}`.

`limit` defaults to 50 and is capped at 50 (JSM answers with the limit it used, so a client that asks for 1000
learns the cap from the answer); a negative `start` or a `limit` below 1 is a 400.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from .config import Defect
from .errors import bad_request
from .routing import Call

DEFAULT_LIMIT = 50
MAX_LIMIT = 50
MAX_INT = 2**31 - 1  # JSM reads start and limit as Java ints

T = TypeVar("T")


def _int_param(call: Call, name: str, default: int) -> int:
    raw = call.query.get(name)
    if raw is None or raw == "":
        return default
    text = raw.strip()
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 10 or abs(int(text)) > MAX_INT:
        raise bad_request(
            f"Query parameter {name}={raw[:40]!r} is not a whole number (a Java int).",
            "sd.paging.error.not.number",
            name,
        )
    return int(text)


def window(call: Call, cap: int = MAX_LIMIT) -> tuple[int, int]:
    """(start, limit) from the query, checked and capped."""
    start = _int_param(call, "start", 0)
    limit = _int_param(call, "limit", DEFAULT_LIMIT)
    if start < 0:
        raise bad_request(f"The start parameter must be 0 or more, not {start}.", "sd.paging.error.start.negative")
    if limit < 1:
        raise bad_request(f"The limit parameter must be 1 or more, not {limit}.", "sd.paging.error.limit.positive")
    return start, min(limit, cap)


def _link(call: Call, start: int, limit: int) -> str:
    params = [(k, v) for k, v in call.query.multi_items() if k not in ("start", "limit")]
    params += [("start", str(start)), ("limit", str(limit))]
    return f"{call.site.base_url}{call.request.url.path}?{urlencode(params)}"


def page(
    call: Call,
    items: Sequence[T],
    render: Callable[[T], Any],
    *,
    cap: int = MAX_LIMIT,
    expands: Sequence[str] = (),
) -> dict[str, Any]:
    """One page of `items` (all of them, filtered and ordered) as JSM answers it."""
    start, limit = window(call, cap)
    chunk = items[start : start + limit]
    last = start + len(chunk) >= len(items)
    links: dict[str, Any] = {"base": call.site.base_url, "context": "", "self": _link(call, start, limit)}
    if not last:
        links["next"] = _link(call, start + limit, limit)
    if start > 0:
        links["prev"] = _link(call, max(0, start - limit), limit)
    return {
        "_expands": list(expands),
        "size": len(chunk),
        "start": start,
        "limit": limit,
        "isLastPage": last and Defect.NO_LAST_PAGE not in call.site.defects,
        "_links": links,
        "values": [render(item) for item in chunk],
    }
