"""Fetch pinned upstream documents: cache, then mirror folder (matched by sha256), then URL; always verified.

A URL that answers with an HTML page (Atlassian's Data Center REST reference pages) is searched for the OpenAPI
document it embeds; the pin's sha256 then covers the extracted document (`embedded.serialized`), never the page.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .documents import Json, parse_document, sha256_bytes, sha256_file, write_atomic
from .embedded import extract_document, looks_like_html
from .errors import FetchError, IntegrityError
from .sources import Pin
from .urls import display_url, scrub, split_credentials

if TYPE_CHECKING:
    import httpx

MIRROR_ENV = "JSM_SPEC_MIRROR"
OFFLINE_ENV = "JSM_SPEC_OFFLINE"
CONNECT_TIMEOUT, READ_TIMEOUT = 10.0, 60.0

log = logging.getLogger(__name__)


@dataclass
class MirrorIndex:
    """sha256 → file for every readable file under a mirror folder, computed once, lazily.

    A file or folder that cannot be read (a bad sector, no permission) is skipped with a warning naming it: one
    broken file must not hide the rest of the mirror.
    """

    root: Path
    warn: Callable[[str], None] = field(default=log.warning, repr=False)
    _digests: dict[Path, str] | None = field(default=None, repr=False)

    def lookup(self, sha256: str) -> Path | None:
        """The first file (by name) whose bytes have this sha256."""
        return next((path for path, digest in self.digests().items() if digest == sha256), None)

    def digests(self) -> dict[Path, str]:
        """Every readable file under the folder (sorted) and the sha256 of its bytes."""
        if self._digests is None:
            self._digests = {}
            for path in self.files():
                try:
                    self._digests[path] = sha256_file(path)
                except OSError as exc:
                    self.skip(path, exc)
        return self._digests

    def files(self) -> list[Path]:
        """Every file under the folder, sorted (folders that cannot be listed are skipped with a warning)."""
        found: list[Path] = []
        for folder, _dirs, names in os.walk(self.root, onerror=lambda exc: self.skip(Path(exc.filename), exc)):
            found.extend(path for path in (Path(folder, name) for name in names) if path.is_file())
        return sorted(found)

    def skip(self, path: Path, exc: OSError) -> None:
        self.warn(f"mirror {self.root}: skipped {path}: cannot read it ({exc.strerror or exc})")


@dataclass(frozen=True)
class Fetched:
    pin: Pin
    path: Path  # the verified copy in the cache
    origin: str  # "cache", "mirror:<file>" or the URL
    note: str = ""  # how the bytes were obtained when not as served (an OpenAPI document extracted from a page)


class Fetcher:
    """Obtains the verified bytes of pins; one instance shares its mirror index across calls."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        mirror: Path | str | None = "env",
        offline: bool | None = None,
        client: httpx.Client | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.cache_dir = cache_dir
        if mirror == "env":
            env = os.environ.get(MIRROR_ENV)
            mirror = Path(env) if env else None
        self.mirror = MirrorIndex(Path(mirror), warn or log.warning) if isinstance(mirror, (str, Path)) else None
        if self.mirror is not None and not self.mirror.root.is_dir():
            raise FetchError(
                f"{MIRROR_ENV}={self.mirror.root} is not a folder",
                hint=f"point {MIRROR_ENV} at a folder of upstream documents (e.g. ../shared/upstream), or unset it",
            )
        self.offline = bool(os.environ.get(OFFLINE_ENV)) if offline is None else offline
        self._client = client

    def cached_path(self, pin: Pin) -> Path:
        return self.cache_dir / f"{pin.name}-{pin.sha256[:16]}.json"

    def fetch(self, pin: Pin) -> Fetched:
        """Return the verified cached copy of a pin, fetching it first if needed."""
        target = self.cached_path(pin)
        if _holds(target, pin.sha256):
            return Fetched(pin, target, "cache")
        found = self.mirror.lookup(pin.sha256) if self.mirror is not None else None
        if found is not None and self.mirror is not None:
            try:
                data = found.read_bytes()
            except OSError as exc:  # readable when it was indexed, not now
                self.mirror.skip(found, exc)
            else:
                if sha256_bytes(data) == pin.sha256:
                    write_atomic(target, data)
                    return Fetched(pin, target, f"mirror:{found}")
        if self.offline:
            raise self._unavailable(pin, reason=f"offline ({OFFLINE_ENV} is set)")
        data = self._download(pin)
        note = ""
        if looks_like_html(data, pin.url):
            embedded = extract_document(data, source=display_url(pin.url))
            data, note = embedded.data, embedded.note
        found_sha = sha256_bytes(data)
        if found_sha != pin.sha256:
            what = " (of the OpenAPI document extracted from the page)" if note else ""
            raise IntegrityError(
                f"{pin.name}: sha256 mismatch for {display_url(pin.url)}{what}\n"
                f"  expected {pin.sha256} (openapi/sources.toml)\n"
                f"  found    {found_sha}",
                hint=(
                    f"Atlassian changed the document. See what changed with `jsm-openapi drift --pin {pin.name}`, "
                    "then update the pin's sha256, version and retrieved date in openapi/sources.toml"
                ),
            )
        write_atomic(target, data)
        return Fetched(pin, target, display_url(pin.url), note)

    def load(self, pin: Pin) -> Json:
        """Fetch a pin and parse it (JSON or YAML), naming the pin and position on a parse error."""
        fetched = self.fetch(pin)
        return parse_document(fetched.path.read_bytes(), source=f"{pin.name} ({fetched.path})")

    def _unavailable(self, pin: Pin, *, reason: str) -> FetchError:
        if self.mirror is None:
            where = f"no mirror is set ({MIRROR_ENV})"
        else:
            where = f"no file under {self.mirror.root} has sha256 {pin.sha256}"
            lookalikes = [(p, digest) for p, digest in self.mirror.digests().items() if p.name.startswith(pin.name)]
            if lookalikes:
                listed = ", ".join(f"{p.name} ({digest[:12]}…)" for p, digest in lookalikes[:5])
                where += (
                    f"; files named like it hold other versions: {listed}. "
                    f"`jsm-openapi drift --pin {pin.name} --latest FILE` shows what changed"
                )
        return FetchError(
            f"{pin.name}: cannot fetch {display_url(pin.url)}: {reason}; {where}",
            hint=(
                f"set {MIRROR_ENV} to a folder holding a copy of the document (any file name; it is matched by "
                f"sha256), e.g. `export {MIRROR_ENV}=../shared/upstream`, or restore network access"
            ),
        )

    def _download(self, pin: Pin) -> bytes:
        try:
            return download(pin.url, client=self._client)
        except DownloadError as exc:
            raise self._unavailable(pin, reason=exc.reason) from exc


def _holds(path: Path, sha256: str) -> bool:
    """Whether `path` is a readable file with these bytes (an unreadable cache copy is fetched again)."""
    try:
        return path.is_file() and sha256_file(path) == sha256
    except OSError:
        return False


class DownloadError(FetchError):
    """A GET that failed: `reason` is the transport error or the HTTP status."""

    def __init__(self, url: str, reason: str) -> None:
        self.reason = scrub(reason, url)
        super().__init__(f"cannot fetch {display_url(url)}: {self.reason}")
        self.url = url


def download(url: str, *, client: httpx.Client | None = None) -> bytes:
    """GET a URL's bytes (timeouts, bounded retries of transport errors); DownloadError unless it answers 200."""
    import httpx  # imported here: most runs never download
    import stamina

    session = client or httpx.Client(timeout=httpx.Timeout(CONNECT_TIMEOUT, read=READ_TIMEOUT), follow_redirects=True)
    try:
        bare, credentials = split_credentials(url)  # sent as an Authorization header: httpx logs the URL it gets
        for attempt in stamina.retry_context(on=httpx.TransportError, attempts=3, timeout=30.0):
            with attempt:
                response = session.get(bare, auth=credentials or httpx.USE_CLIENT_DEFAULT)
    except httpx.HTTPError as exc:
        raise DownloadError(url, f"{type(exc).__name__}: {exc}") from exc
    finally:
        if client is None:
            session.close()
    if response.status_code != 200:
        raise DownloadError(url, f"HTTP {response.status_code}")
    return response.content
