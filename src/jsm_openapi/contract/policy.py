"""Which requests a contract run may send to a live site: the one place that decides.

Read-only by default: only GET, HEAD and OPTIONS leave the machine. With writes allowed (an explicit flag *and* a
sandbox service desk, `sandbox.SandboxDesk`), a write must stay inside what the run is allowed to touch:

- the sandbox desk, named by its id (`/servicedesk/{id}/...`, a request's `serviceDeskId`), nothing else: not its
  project id, not its key, not another desk whose id happens to equal either;
- entities this run created, by kind (`own("request", "ITS-4", "10004")`): an organization the run made is not a
  licence to write to a request with the same id;
- a site-wide create of a tagged entity (customer, organization; a request only in the sandbox desk).

A write whose target cannot be read unambiguously (dot segments, duplicate keys in its body, several users in one
delete) is refused. Everything refused is refused before it is sent.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .sandbox import SandboxDesk

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Top-level creates whose product is tagged by the suite and removed by the cleanup registry.
_SITE_CREATES = frozenset({("POST", "customer"), ("POST", "organization"), ("POST", "request")})
# Resources whose id in a path names one entity of a kind the run may own (`servicedesk`: the sandbox desk only).
_KIND_OF = {"request": "request", "issue": "request", "organization": "organization"}
_USER_QUERY_KEYS = frozenset({"accountId", "username", "key"})


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


@dataclass
class WritePolicy:
    """Decides, per request, whether it may be sent. Thread-safe for `own` and `disown`."""

    allow_writes: bool = False
    unrestricted: bool = False  # a throwaway target (the mock, Prism): every request may be sent
    sandbox: SandboxDesk | None = None  # the one desk writes may touch (live runs with writes)
    site: str | None = None  # scheme://host[:port] of the live site: writes go nowhere else
    owned: set[tuple[str, str]] = field(default_factory=set)  # (kind, id or key) of what the run created
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def read_only(self) -> bool:
        return not self.allow_writes

    def own(self, kind: str, *identifiers: str | int | None) -> None:
        """Entities of `kind` (customer, organization, request) this run created: writes to them are allowed."""
        with self._lock:
            self.owned.update((kind, str(i)) for i in identifiers if i not in (None, ""))

    def disown(self, kind: str, *identifiers: str | int | None) -> None:
        """No longer the run's to write to (a leftover the sweep could not remove)."""
        with self._lock:
            self.owned.difference_update((kind, str(i)) for i in identifiers if i not in (None, ""))

    def owns(self, kind: str, identifier: str) -> bool:
        with self._lock:
            return (kind, identifier) in self.owned

    def refusal(self, method: str, url: str, body: bytes | str | None = None) -> str | None:
        """Why this request may not be sent, or None when it may."""
        method = method.upper()
        if method in READ_METHODS or self.unrestricted:
            return None
        if not self.allow_writes:
            return (
                f"{method} refused: the live target is read-only (only GET/HEAD/OPTIONS are sent); "
                "pass --allow-writes with --sandbox-service-desk to run writes against a sandbox desk"
            )
        if self.sandbox is None:
            return f"{method} refused: writes need a named sandbox service desk (--sandbox-service-desk)"
        return self._scope_refusal(method, url, body)

    def _scope_refusal(self, method: str, url: str, body: bytes | str | None) -> str | None:
        parts = urlsplit(url)
        if self.site is not None and f"{parts.scheme}://{parts.netloc}".lower() != self.site.lower():
            return f"{method} {parts.scheme}://{parts.netloc} refused: writes go to the live site {self.site} only"
        segments = [unquote(s) for s in parts.path.split("/")[1:]]
        if any(s in ("", ".", "..") or "/" in s or ";" in s for s in segments):
            return f"{method} {parts.path} refused: the path is not plain (empty, dot or encoded segments)"
        try:
            api = segments.index("rest") + 1
        except ValueError:
            return f"{method} {parts.path} refused: not a JIRA REST path"
        resource_path = segments[api + 1 :] if api < len(segments) else []
        family = segments[api] if api < len(segments) else ""
        if family == "api" and resource_path[:1] and resource_path[0].isdigit():
            resource_path = resource_path[1:]
        elif family != "servicedeskapi":
            return f"{method} {parts.path} refused: writes go to /servicedeskapi only (and cleanup deletes)"
        if not resource_path:
            return f"{method} {parts.path} refused: no resource"
        head = resource_path[0]
        if len(resource_path) == 1:
            if family == "api" and method == "DELETE" and head == "user":
                return self._owned_user(parts.query, parts.path)
            if family == "servicedeskapi" and (method, head) in _SITE_CREATES:
                return self._site_create(head, body, parts.path)
            return f"{method} {parts.path} refused: not a write the sandbox scope allows"
        identifier = resource_path[1]
        if head == "servicedesk" and family == "servicedeskapi":
            assert self.sandbox is not None
            if self.sandbox.admits(identifier):
                return None
            return (
                f"{method} {parts.path} refused: service desk {identifier} is not the sandbox desk "
                f"({self.sandbox.describe()})"
            )
        kind = _KIND_OF.get(head)
        if kind is None or (family == "api") != (head == "issue"):
            return f"{method} {parts.path} refused: {head} is outside the sandbox scope"
        if head == "issue" and (method != "DELETE" or len(resource_path) != 2):
            return f"{method} {parts.path} refused: platform writes are limited to cleanup deletes"
        if self.owns(kind, identifier):
            return None
        return f"{method} {parts.path} refused: {kind} {identifier} was not created by this run"

    def _site_create(self, resource: str, body: bytes | str | None, path: str) -> str | None:
        if resource != "request":
            return None
        assert self.sandbox is not None
        try:
            parsed = json.loads(body or b"null", object_pairs_hook=_unique_keys)
        except _DuplicateKey as exc:
            return f"POST {path} refused: the body names {exc} twice"
        except (ValueError, UnicodeDecodeError, RecursionError):
            parsed = None
        desk = parsed.get("serviceDeskId") if isinstance(parsed, dict) else None
        if self.sandbox.admits(desk):
            return None
        return (
            f"POST {path} refused: a request may only be created in the sandbox desk "
            f"(serviceDeskId={desk!r}; the sandbox is {self.sandbox.describe()})"
        )

    def _owned_user(self, query: str, path: str) -> str | None:
        named = [(key, value) for key, value in parse_qsl(query, keep_blank_values=True) if key in _USER_QUERY_KEYS]
        if len(named) != 1:
            return f"DELETE {path} refused: name exactly one user (accountId, username or key), not {len(named)}"
        if self.owns("customer", named[0][1]):
            return None
        return f"DELETE {path} refused: only users created by this run may be deleted"
