"""Which requests a contract run may send to a live site.

Read-only by default: only GET, HEAD and OPTIONS leave the machine. With writes allowed (an explicit flag *and* a
named sandbox service desk), a write must stay inside what the run is allowed to touch: the sandbox desk, entities
this run created (the cleanup registry adds them to `owned`), or a site-wide create of a tagged entity (customer,
organization, a request in the sandbox desk). Everything else is refused before it is sent.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Top-level creates whose product is tagged by the suite and removed by the cleanup registry.
_SITE_CREATES = frozenset({("POST", "customer"), ("POST", "organization"), ("POST", "request")})
# Resources whose id in a path names one entity; the entity must be the sandbox desk or owned by the run.
_ID_RESOURCES = frozenset({"servicedesk", "request", "organization", "issue"})
_USER_QUERY_KEYS = ("accountId", "username", "key")


@dataclass
class WritePolicy:
    """Decides, per request, whether it may be sent. Thread-safe for `own`."""

    allow_writes: bool = False
    unrestricted: bool = False  # a throwaway target (the mock, Prism): every request may be sent
    sandbox: frozenset[str] = frozenset()  # the sandbox desk's id and project key
    owned: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def read_only(self) -> bool:
        return not self.allow_writes

    def own(self, *identifiers: str | int | None) -> None:
        """Entities this run created (ids, keys, account ids): writes to them are allowed."""
        with self._lock:
            self.owned.update(str(i) for i in identifiers if i not in (None, ""))

    def disown(self, *identifiers: str | int | None) -> None:
        """No longer the run's to write to (a leftover the sweep could not remove)."""
        with self._lock:
            self.owned.difference_update(str(i) for i in identifiers if i not in (None, ""))

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
        if not self.sandbox:
            return f"{method} refused: writes need a named sandbox service desk (--sandbox-service-desk)"
        return self._scope_refusal(method, url, body)

    def _scope_refusal(self, method: str, url: str, body: bytes | str | None) -> str | None:
        parts = urlsplit(url)
        segments = [unquote(s) for s in parts.path.split("/") if s]
        try:
            api = segments.index("rest") + 1
        except ValueError:
            return f"{method} {parts.path} refused: not a JIRA REST path"
        resource_path = segments[api + 1 :] if api < len(segments) else []
        family = segments[api] if api < len(segments) else ""
        if family == "api" and resource_path[:1] and resource_path[0].isdigit():
            resource_path = resource_path[1:]
        elif family not in ("servicedeskapi",):
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
        if head not in _ID_RESOURCES:
            return f"{method} {parts.path} refused: {head} is outside the sandbox scope"
        identifier = resource_path[1]
        with self._lock:
            owned = identifier in self.owned
        if head == "servicedesk":
            if identifier in self.sandbox:
                return None
            return f"{method} {parts.path} refused: service desk {identifier} is not the sandbox desk"
        if head == "issue" and method != "DELETE":
            return f"{method} {parts.path} refused: platform writes are limited to cleanup deletes"
        if owned:
            return None
        return f"{method} {parts.path} refused: {head} {identifier} was not created by this run"

    def _site_create(self, resource: str, body: bytes | str | None, path: str) -> str | None:
        if resource != "request":
            return None
        desk = None
        try:
            parsed = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            parsed = None
        if isinstance(parsed, dict):
            desk = parsed.get("serviceDeskId")
        if desk is not None and str(desk) in self.sandbox:
            return None
        return f"POST {path} refused: a request may only be created in the sandbox desk (serviceDeskId={desk!r})"

    def _owned_user(self, query: str, path: str) -> str | None:
        values = parse_qs(query)
        for key in _USER_QUERY_KEYS:
            for value in values.get(key, []):
                with self._lock:
                    if value in self.owned:
                        return None
        return f"DELETE {path} refused: only users created by this run may be deleted"
