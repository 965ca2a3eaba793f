"""What a document jsm-openapi reads or builds may hold: JSON values only, within documented bounds.

Every JSON or YAML file the pipeline, drift, the mock and the contract suite read goes through `documents.py`,
which applies these limits; the overlay engine applies them to the patched document before each action grows it.
A document over a limit is refused (exit 3) naming the file and the place, instead of exhausting memory or the
stack. The bounds are far above the pinned documents (the largest, Server's patched document: 43k values, 20 levels,
1.9 MB):

- `MAX_BYTES`: a file may be at most 32 MiB;
- `MAX_DEPTH`: values may nest at most 64 levels;
- `MAX_VALUES`: a document may hold at most 1,000,000 values, counted as written out: a YAML alias counts every
  value it repeats, every time (so an "alias bomb" is refused before it is expanded), and so does an overlay's
  `copy`/`update` for every node it targets;
- overlays may grow a document to at most twice its values or by 50,000 values, whichever is more (the pinned
  overlays add 5-15%): `patched_limit`;
- `MAX_INT_DIGITS`: an integer may have at most 4,300 digits (Python's own limit for turning one into text).

Lone surrogates, NaN and infinities have no JSON form and are refused too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 1_000_000
MAX_INT_DIGITS = 4300
GROWTH_FACTOR, GROWTH_ALLOWANCE = 2, 50_000
INT_BOUND = 10**MAX_INT_DIGITS  # an integer's magnitude must stay below this (also for hex or octal YAML literals)

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
"""A JSON `\\uD8xx`-`\\uDFxx` escape: where a lone surrogate can come from (json.loads joins proper pairs)."""

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Size:
    """How many values a JSON value holds (itself included) and how deep it nests (a scalar: 1), as written out.

    Counting stops once either bound is passed, so measuring a huge or cyclic value costs at most the bound.
    """

    values: int
    depth: int

    @property
    def too_deep(self) -> bool:
        return self.depth > MAX_DEPTH

    @property
    def too_large(self) -> bool:
        return self.values > MAX_VALUES


def measure(value: Any, *, max_values: int = MAX_VALUES, max_depth: int = MAX_DEPTH) -> Size:
    """The `Size` of a parsed value, level by level (no recursion); stops past `max_values` or `max_depth`."""
    level: list[Any] = [value]
    values = depth = 0
    while level and values <= max_values and depth <= max_depth:
        depth += 1
        values += len(level)
        below: list[Any] = []
        for mapping in [item for item in level if type(item) is dict]:  # the loaders build plain dicts and lists
            below += mapping.values()
        for items in [item for item in level if type(item) is list]:
            below += items
        level = below
    return Size(values, depth)


def patched_limit(values: int) -> int:
    """How many values overlays may make a document of `values` values hold."""
    return min(MAX_VALUES, max(GROWTH_FACTOR * values, values + GROWTH_ALLOWANCE))


def too_deep_at(value: Any, depth: int = MAX_DEPTH) -> Location:
    """The location of the first value nested deeper than `depth` levels (there must be one)."""
    stack: list[tuple[Location, Any]] = [((), value)]
    while stack:
        location, item = stack.pop()
        if len(location) >= depth:
            return location
        if isinstance(item, dict):
            stack.extend(((*location, key), child) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend(((*location, index), child) for index, child in enumerate(item))
    raise ValueError(f"no value is nested more than {depth} levels deep")


def lone_surrogate_at(value: Any) -> Location | None:
    """The location of the first string (or key) holding a lone surrogate, if any."""
    for location, text in _strings(value):
        if LONE_SURROGATE.search(text):
            return location
    return None


def _strings(value: Any) -> Iterator[tuple[Location, str]]:
    stack: list[tuple[Location, Any]] = [((), value)]
    while stack:
        location, item = stack.pop()
        if isinstance(item, str):
            yield location, item
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str):
                    yield (*location, key), key
                stack.append(((*location, key), child))
        elif isinstance(item, list):
            stack.extend(((*location, index), child) for index, child in enumerate(item))


def describe(location: Location, *, limit: int = 8) -> str:
    """A location as a short JSONPath (`$['paths']['/x'][0]…`, the first `limit` steps of a deep one); keys are
    shown as Python literals, so a lone surrogate or a control character in one prints as an escape."""
    steps = [f"[{step}]" if isinstance(step, int) else f"[{step!r}]" for step in location[:limit]]
    more = f"…({len(location)} levels)" if len(location) > limit else ""
    return "$" + "".join(steps) + more
