"""Everything a contract run creates is tagged, registered here, and removed at the end, also after a failure.

The registry undoes in reverse order (a comment before its request, a request before its organization); an undo
that fails is kept as a leftover with its tag so the report can say what to remove by hand.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from .policy import WritePolicy

TAG_PREFIX = "jsm-contract"
MAX_NAME = 120  # JSM's organization, customer and request type names stay well under its limits


def new_run_id() -> str:
    """A short id for one run: a time prefix (sorts) and random hex (unique)."""
    return f"{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Tagger:
    """Names and emails that mark an entity as made by one run (and findable later by `prefix`)."""

    run_id: str
    email_domain: str = "example.com"

    @property
    def prefix(self) -> str:
        return f"{TAG_PREFIX}-{self.run_id}"

    def name(self, text: str) -> str:
        return f"{self.prefix} {text}"

    def email(self, local: str) -> str:
        return f"{TAG_PREFIX}+{self.run_id}-{local}@{self.email_domain}"

    def tagged(self, text: str | None) -> bool:
        return bool(text) and self.prefix in str(text)


def tagged_name(tag: str, generated: Any) -> str:
    """The tag, then what was generated (names keep their unicode and length, up to a limit)."""
    text = generated.strip() if isinstance(generated, str) else ""
    return f"{tag} {text}".strip()[:MAX_NAME]


@dataclass
class Leftover:
    kind: str
    identifier: str
    description: str
    error: str


@dataclass
class CleanupItem:
    kind: str
    identifier: str
    description: str
    undo: Callable[[], None]


@dataclass
class CleanupRegistry:
    """Registered undos, run last-in first-out by `run()` (idempotent: each undo runs at most once)."""

    tagger: Tagger
    policy: WritePolicy | None = None
    items: list[CleanupItem] = field(default_factory=list)
    removed: list[CleanupItem] = field(default_factory=list)
    leftovers: list[Leftover] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(
        self,
        kind: str,
        identifier: str,
        undo: Callable[[], None],
        *,
        description: str = "",
        aliases: tuple[Any, ...] = (),
    ) -> None:
        """Register something the run created; its id (and aliases such as a key) become writable to the run."""
        if self.policy is not None:
            self.policy.own(kind, identifier, *aliases)
        with self._lock:
            self.items.append(CleanupItem(kind, str(identifier), description or f"{kind} {identifier}", undo))

    def run(self) -> list[Leftover]:
        """Undo everything registered, newest first; return what could not be removed."""
        while True:
            with self._lock:
                if not self.items:
                    break
                item = self.items.pop()
            try:
                item.undo()
            except Exception as exc:
                self.leftovers.append(Leftover(item.kind, item.identifier, item.description, f"{exc}"))
            else:
                self.removed.append(item)
        return list(self.leftovers)


@dataclass(frozen=True)
class Removal:
    """The one request that removes an entity; calling it is an undo (2xx, or 404: already gone, counts as done)."""

    session: requests.Session = field(repr=False)
    method: str
    url: str
    params: dict[str, str] | None = None

    def send(self) -> int:
        """Send it; the answer's status."""
        return self.session.request(self.method, self.url, params=self.params, timeout=30).status_code

    def __call__(self) -> None:
        status = self.send()
        if status != 404 and not 200 <= status < 300:
            raise RuntimeError(f"{self.method} {self.url} answered {status}")


def http_undo(session: requests.Session, method: str, url: str, *, params: dict[str, str] | None = None) -> Removal:
    """An undo that sends one request; 2xx, or 404 (already gone), counts as done."""
    return Removal(session, method, url, params)


# A tag in a name (`jsm-contract-<run id> ...`) or an email (`jsm-contract+<run id>-...@`); the run id starts with
# its UTC start time.
_TAG = re.compile(rf"{TAG_PREFIX}[-+](?P<run>(?P<started>\d{{14}})-[0-9a-f]{{6}})")


def tag_of(text: str | None) -> tuple[str, float] | None:
    """(run id, the run's start as a POSIX time) of the first suite tag in `text`; None when it has none."""
    match = _TAG.search(text or "")
    if match is None:
        return None
    try:
        started = datetime.strptime(match["started"], "%Y%m%d%H%M%S").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None
    return match["run"], started
