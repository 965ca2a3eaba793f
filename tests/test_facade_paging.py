"""Paging: `start += size` until `isLastPage`, never `_links.next`, bounded by `max_items`, tolerant of missing
fields. The pages come from a plain function standing in for the site (the mock tests page over HTTP)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import jsm
from jsm.paging import AsyncPaginator, PageInfo, Paginator

ITEMS = [f"item-{i}" for i in range(7)]


class Site:
    """Serves ITEMS in pages of at most `cap`, JSM-style, and records every (start, limit) asked for."""

    def __init__(self, cap: int = 3, *, last_flag: bool = True, size_field: bool = True) -> None:
        self.cap = cap
        self.last_flag = last_flag
        self.size_field = size_field
        self.asked: list[tuple[int, int | None]] = []

    def __call__(self, start: int, limit: int | None) -> dict[str, Any]:
        self.asked.append((start, limit))
        count = min(self.cap, limit or self.cap)
        values = ITEMS[start : start + count]
        page: dict[str, Any] = {
            "start": start,
            "limit": count,
            "values": values,
            "_links": {"next": "https://elsewhere.example/rest/servicedeskapi/x?start=999"},
        }
        if self.size_field:
            page["size"] = len(values)
        if self.last_flag:
            page["isLastPage"] = start + len(values) >= len(ITEMS)
        return page


def test_every_item_across_pages_advancing_start_by_size() -> None:
    site = Site(cap=3)
    assert list(Paginator(site)) == ITEMS
    assert site.asked == [(0, None), (3, None), (6, None)]


def test_the_page_size_is_asked_for_and_the_site_cap_wins() -> None:
    site = Site(cap=2)
    assert Paginator(site, page_size=5).to_list() == ITEMS
    assert [start for start, _ in site.asked] == [0, 2, 4, 6]
    assert {limit for _, limit in site.asked} == {5}


def test_max_items_bounds_what_is_fetched() -> None:
    site = Site(cap=3)
    assert list(Paginator(site, page_size=3, max_items=4)) == ITEMS[:4]
    assert site.asked == [(0, 3), (3, 1)]
    nothing = Site()
    assert list(Paginator(nothing, max_items=0)) == []
    assert nothing.asked == []


def test_without_is_last_page_the_walk_ends_at_an_empty_page() -> None:
    site = Site(cap=3, last_flag=False)
    assert list(Paginator(site)) == ITEMS
    assert [start for start, _ in site.asked] == [0, 3, 6, 7]


def test_without_size_the_number_of_values_counts() -> None:
    site = Site(cap=4, size_field=False)
    assert list(Paginator(site)) == ITEMS
    assert [start for start, _ in site.asked] == [0, 4]


def test_a_site_ignoring_start_stops_the_walk_instead_of_looping() -> None:
    def stuck(start: int, limit: int | None) -> dict[str, Any]:
        return {"start": 0, "size": 2, "isLastPage": False, "values": ["a", "b"]}

    pages = iter(Paginator(stuck))
    assert [next(pages), next(pages)] == ["a", "b"]
    with pytest.raises(jsm.JsmError, match="ignores `start`"):
        next(pages)


def test_a_site_ignoring_start_without_saying_so_stops_the_walk_instead_of_looping() -> None:
    asked: list[int] = []

    def stuck(start: int, limit: int | None) -> dict[str, Any]:
        asked.append(start)
        return {"size": 2, "values": ["a", "b"]}  # no start, no isLastPage: the same page whatever is asked

    with pytest.raises(jsm.JsmError, match="the previous page again"):
        list(Paginator(stuck))
    assert asked == [0, 2]


def test_pages_gives_the_page_objects() -> None:
    pages = list(Paginator(Site(cap=3)).pages())
    assert [page["start"] for page in pages] == [0, 3, 6]


def test_page_info_reads_models_and_tolerates_nulls() -> None:
    class Page:
        values = None
        size = None
        start = 0
        is_last_page = None

    info = PageInfo.read(Page())
    assert (info.values, info.size, info.is_last) == ([], 0, None)


def test_nonsense_bounds_are_refused() -> None:
    with pytest.raises(jsm.ConfigurationError, match="page_size=0"):
        Paginator(Site(), page_size=0)
    with pytest.raises(jsm.ConfigurationError, match="max_items=-1"):
        Paginator(Site(), max_items=-1)


def test_the_async_paginator_walks_the_same_way() -> None:
    site = Site(cap=3)

    async def fetch(start: int, limit: int | None) -> dict[str, Any]:
        return site(start, limit)

    async def run() -> tuple[list[str], list[str]]:
        everything = await AsyncPaginator[str](fetch).to_list()
        bounded = [item async for item in AsyncPaginator[str](fetch, max_items=5)]
        return everything, bounded

    everything, bounded = asyncio.run(run())
    assert everything == ITEMS
    assert bounded == ITEMS[:5]
