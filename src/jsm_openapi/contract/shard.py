"""One shard of a contract run: a deterministic split of the operations in scope, so a large run fits several jobs.

`--shard i/n` keeps every n-th operation of the run's scope sorted by label, starting with the i-th (1-based): the
split depends only on the scope, never on the machine, the order of collection or the seed, and shards together
cover each operation exactly once. A test tied to one operation goes with that operation; a test tied to none (the
stateful runs) goes to the shard chosen by a stable hash of its node id.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ..errors import InputError

MAX_SHARDS = 64
_SHARD = re.compile(r"^\s*(\d{1,6})\s*/\s*(\d{1,6})\s*$")


class Labelled(Protocol):
    @property
    def label(self) -> str: ...


T = TypeVar("T", bound=Labelled)


@dataclass(frozen=True, order=True)
class Shard:
    """Shard `index` of `count` (1 ≤ index ≤ count ≤ MAX_SHARDS)."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_SHARDS:
            raise InputError(
                f"--shard {self.index}/{self.count}: the number of shards must be from 1 to {MAX_SHARDS}",
                hint="e.g. --shard 1/2 and --shard 2/2",
            )
        if not 0 < self.index <= self.count:
            raise InputError(
                f"--shard {self.index}/{self.count}: the shard must be from 1 to {self.count} (0 < i ≤ n)",
                hint=f"run --shard 1/{self.count} … --shard {self.count}/{self.count}",
            )

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def slug(self) -> str:
        """For file and artefact names: `1of2`."""
        return f"{self.index}of{self.count}"

    def select(self, items: Iterable[T]) -> list[T]:
        """The items of this shard, in their original order: sorted by label, every `count`-th from `index`."""
        chosen = list(items)
        ordered = sorted({item.label for item in chosen})
        mine = {label for position, label in enumerate(ordered) if position % self.count == self.index - 1}
        return [item for item in chosen if item.label in mine]

    def owns_unlabelled(self, nodeid: str) -> bool:
        """Whether a test tied to no operation runs in this shard (a stable hash of its node id)."""
        return zlib.crc32(nodeid.encode("utf-8", "surrogatepass")) % self.count == self.index - 1


def parse_shard(text: object) -> Shard | None:
    """`"2/3"` → Shard(2, 3); None or "" → None; anything else an InputError naming the value."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, Shard):
        return text
    match = _SHARD.match(str(text))
    if match is None:
        raise InputError(
            f"--shard {str(text)[:40]!r} is not of the form i/n",
            hint="give the shard and the number of shards, e.g. --shard 1/2 (0 < i ≤ n)",
        )
    return Shard(int(match[1]), int(match[2]))
