"""Every item of a JSM list, page after page: `start += size` until `isLastPage`, never following `_links.next`.

`_links.next` is an absolute site URL (it escapes the OAuth gateway), so the facade never follows it. A page may
lack any field: without `isLastPage` the walk stops at the first empty page; without `size`, the number of values
counts. `max_items` bounds how many items are fetched (the last request asks only for what is still wanted). A site
that ignores `start` (answers another start, or the same page again) ends the walk with a JsmError, never a loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .errors import ConfigurationError, JsmError

T = TypeVar("T")

FetchPage = Callable[[int, int | None], Any]
"""Fetches the page starting at `start` with at most `limit` items (None: the site's default)."""
AsyncFetchPage = Callable[[int, int | None], Awaitable[Any]]


@dataclass(frozen=True)
class PageInfo:
    """What paging needs from one page (a generated page model or a plain dict)."""

    values: list[Any]
    start: int | None
    size: int
    is_last: bool | None

    @classmethod
    def read(cls, page: Any) -> PageInfo:
        def get(name: str) -> Any:
            if isinstance(page, dict):
                return page.get(name)
            return getattr(page, _ATTRS.get(name, name), None)

        values = get("values")
        if values is None or not isinstance(values, list):
            values = []  # absent (UNSET) or null
        start, size, is_last = get("start"), get("size"), get("isLastPage")
        return cls(
            values=values,
            start=start if isinstance(start, int) and not isinstance(start, bool) else None,
            size=size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else len(values),
            is_last=is_last if isinstance(is_last, bool) else None,
        )


_ATTRS = {"isLastPage": "is_last_page"}


@dataclass
class _Walk:
    """The state of one walk through the pages (shared by the sync and async paginators)."""

    start: int
    page_size: int | None
    max_items: int | None
    yielded: int = 0
    done: bool = False
    previous: list[Any] | None = None

    def limit(self) -> int | None:
        if self.max_items is None:
            return self.page_size
        remaining = self.max_items - self.yielded
        return remaining if self.page_size is None else min(self.page_size, remaining)

    def take(self, info: PageInfo, requested: int) -> list[Any]:
        if info.start is not None and info.start != requested:
            got = f"one starting at {info.start}"
        elif info.start is None and info.values and info.values == self.previous:
            got = "the previous page again"  # a site that neither echoes `start` nor heeds it
        else:
            got = ""
        if got:
            raise JsmError(
                f"asked for the page starting at {requested}, got {got}: the site ignores `start`, so paging cannot "
                "go on safely"
            )
        self.previous = info.values
        values = info.values
        if self.max_items is not None:
            values = values[: self.max_items - self.yielded]
        self.yielded += len(values)
        step = info.size or len(info.values)
        self.start = requested + step
        if info.is_last is True or not info.values or step == 0:
            self.done = True
        if self.max_items is not None and self.yielded >= self.max_items:
            self.done = True
        return values


class Paginator(Generic[T]):
    """Iterates every item of a list; `pages()` iterates the raw page models instead."""

    def __init__(
        self, fetch: FetchPage, *, page_size: int | None = None, max_items: int | None = None, start: int = 0
    ) -> None:
        _check(page_size, max_items, start)
        self._fetch = fetch
        self._page_size = page_size
        self._max_items = max_items
        self._start = start

    def __iter__(self) -> Iterator[T]:
        for _page, values in self._walk():
            yield from values

    def pages(self) -> Iterator[Any]:
        """The page models themselves (their `values` cut to `max_items` is what iteration yields)."""
        for page, _values in self._walk():
            yield page

    def to_list(self) -> list[T]:
        return list(self)

    def _walk(self) -> Iterator[tuple[Any, list[T]]]:
        walk = _Walk(self._start, self._page_size, self._max_items)
        while not walk.done and walk.limit() != 0:
            requested = walk.start
            page = self._fetch(requested, walk.limit())
            yield page, walk.take(PageInfo.read(page), requested)


class AsyncPaginator(Generic[T]):
    """`Paginator` for the async client: `async for item in ...`; `pages()` iterates the page models."""

    def __init__(
        self, fetch: AsyncFetchPage, *, page_size: int | None = None, max_items: int | None = None, start: int = 0
    ) -> None:
        _check(page_size, max_items, start)
        self._fetch = fetch
        self._page_size = page_size
        self._max_items = max_items
        self._start = start

    async def __aiter__(self) -> AsyncIterator[T]:
        async for _page, values in self._walk():
            for value in values:
                yield value

    async def pages(self) -> AsyncIterator[Any]:
        async for page, _values in self._walk():
            yield page

    async def to_list(self) -> list[T]:
        return [item async for item in self]

    async def _walk(self) -> AsyncIterator[tuple[Any, list[T]]]:
        walk = _Walk(self._start, self._page_size, self._max_items)
        while not walk.done and walk.limit() != 0:
            requested = walk.start
            page = await self._fetch(requested, walk.limit())
            yield page, walk.take(PageInfo.read(page), requested)


def _check(page_size: int | None, max_items: int | None, start: int) -> None:
    if page_size is not None and page_size < 1:
        raise ConfigurationError(f"page_size={page_size}: use 1 or more (or None for the site's default)")
    if max_items is not None and max_items < 0:
        raise ConfigurationError(f"max_items={max_items}: use 0 or more (or None for every item)")
    if start < 0:
        raise ConfigurationError(f"start={start}: use 0 or more")
