"""The payload oracle: real answers captured by other projects, held against the patched documents and generated code.

Captured answers (other JSM/Insight/Jira clients' test fixtures and mock data, recorded from real sites) are not the
project's to commit. `tests/payloads/manifest.toml` keeps only where each one is (repository, commit, path), its
sha256, the operation and status it answers, and how to take the JSON out of the file (`select`: the JSON value that
follows a marker such as `withAttributes:` in a JavaScript module; without it the whole file is the JSON). When
online, `jsm-openapi payloads fetch` downloads each file at its commit into `.cache/payloads/` (or
`$JSM_PAYLOADS_DIR`) and verifies the sha256; `jsm-openapi payloads check` (and `tests/test_payload_oracle.py`)
validates every fetched payload against the schema of its operation and status in the patched document (OpenAPI 3.0
semantics, as the examples oracle) and parses it through the generated client's own `_parse_response`. Offline,
nothing is fetched: the document examples and the seed pages stand in (`jsm_openapi.examples`).

An entry without a sha256 is *unpinned*: `fetch --pin` records the sha256 of what it downloaded, for review in the
diff (a trust-on-first-use step, needed where the manifest was written without network access to the files).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from .documents import Json
from .errors import FetchError, InputError, IntegrityError
from .examples import Check, Example, Oracle

RAW_URL = "https://raw.githubusercontent.com/{repository}/{commit}/{path}"
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_OPERATION = re.compile(r"^(GET|PUT|POST|DELETE|PATCH) (/\S+)$")
MAX_BYTES = 8 << 20


@dataclass(frozen=True)
class Payload:
    """One manifest entry."""

    name: str
    flavor: str
    repository: str
    commit: str
    path: str
    operation: str
    status: str
    sha256: str = ""
    select: str = ""
    note: str = ""

    @property
    def url(self) -> str:
        return self.url_in(RAW_URL)

    def url_in(self, template: str) -> str:
        """The file's URL under a `{repository}/{commit}/{path}` template (a mirror, or a test server)."""
        return template.format(repository=self.repository, commit=self.commit, path=self.path)

    @property
    def method(self) -> str:
        return self.operation.split(" ", 1)[0]

    @property
    def api_path(self) -> str:
        return self.operation.split(" ", 1)[1]

    def cached(self, cache: Path) -> Path:
        """Where a fetched copy lives: named by commit and path, so a moved pin is a different file."""
        digest = hashlib.sha256(f"{self.repository}@{self.commit}:{self.path}".encode()).hexdigest()[:24]
        return cache / f"{self.name}-{digest}"


def load_manifest(path: Path) -> list[Payload]:
    """The manifest's entries, each checked; InputError naming the entry otherwise."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the payload manifest: {exc}") from None
    entries = []
    names: set[str] = set()
    for index, raw in enumerate(data.get("payload", []), start=1):
        where = f"{path}: [[payload]] #{index}"
        if not isinstance(raw, dict):
            raise InputError(f"{where} is not a table")
        try:
            entry = Payload(**{k: str(v) for k, v in raw.items()})
        except TypeError as exc:
            raise InputError(f"{where}: {exc}", hint="fields: name, flavor, repository, commit, path, operation, "
                             "status, sha256, select, note") from None  # fmt: skip
        problems = _problems(entry, names)
        if problems:
            raise InputError(f"{where} ({entry.name}): {'; '.join(problems)}")
        names.add(entry.name)
        entries.append(entry)
    return entries


def _problems(entry: Payload, names: set[str]) -> list[str]:
    problems = []
    if not re.match(r"^[a-z0-9][a-z0-9-]{0,63}$", entry.name) or entry.name in names:
        problems.append("name must be unique, lower case letters, digits and dashes")
    if entry.flavor not in ("server", "cloud"):
        problems.append("flavor must be server or cloud")
    if not _REPOSITORY.match(entry.repository):
        problems.append("repository must be owner/name")
    if not _COMMIT.match(entry.commit):
        problems.append("commit must be a full 40-hex commit id")
    if not entry.path or entry.path.startswith("/") or ".." in entry.path.split("/"):
        problems.append("path must be relative to the repository root")
    if not _OPERATION.match(entry.operation):
        problems.append("operation must be 'METHOD /path' as in the patched document")
    if not entry.status.isdigit():
        problems.append("status must be an HTTP status code")
    if entry.sha256 and not _SHA256.match(entry.sha256):
        problems.append("sha256 must be 64 lower-case hex digits (or absent: unpinned)")
    return problems


# --- fetching -----------------------------------------------------------------------------------------------------


def fetch(
    entries: list[Payload], cache: Path, *, client: httpx.Client | None = None, raw_url: str = RAW_URL
) -> dict[str, str]:
    """Download every entry not cached yet; verify sha256s. Returns the sha256 of each fetched (or cached) file."""
    cache.mkdir(parents=True, exist_ok=True)
    digests = {}
    own = client is None
    http = client or httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0), follow_redirects=True)
    try:
        for entry in entries:
            target = entry.cached(cache)
            data = target.read_bytes() if target.is_file() else _download(http, entry, entry.url_in(raw_url))
            digest = hashlib.sha256(data).hexdigest()
            if entry.sha256 and digest != entry.sha256:
                raise IntegrityError(
                    f"{entry.name}: {entry.url} has sha256 {digest}, the manifest pins {entry.sha256}",
                    hint="the file changed at that commit (it cannot) or the download was altered; do not use it",
                )
            if not target.is_file():
                tmp = target.with_suffix(".part")
                tmp.write_bytes(data)
                tmp.replace(target)
            digests[entry.name] = digest
    finally:
        if own:
            http.close()
    return digests


def _download(http: httpx.Client, entry: Payload, url: str) -> bytes:
    try:
        with http.stream("GET", url) as response:
            if response.status_code != 200:
                raise FetchError(f"{entry.name}: GET {url} answered {response.status_code}")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise FetchError(f"{entry.name}: {url} is larger than {MAX_BYTES} bytes")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise FetchError(f"{entry.name}: cannot fetch {url}: {type(exc).__name__}: {exc}") from None
    return b"".join(chunks)


def pin(manifest: Path, digests: dict[str, str]) -> int:
    """Write the sha256 of each fetched, unpinned entry into the manifest (its text kept otherwise); how many."""
    text = manifest.read_text(encoding="utf-8")
    pinned = 0
    for entry in load_manifest(manifest):
        if entry.sha256 or entry.name not in digests:
            continue
        marker = f'name = "{entry.name}"\n'
        if marker not in text:
            continue
        text = text.replace(marker, f'{marker}sha256 = "{digests[entry.name]}"\n', 1)
        pinned += 1
    tmp = manifest.with_suffix(".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(manifest)
    return pinned


# --- checking -------------------------------------------------------------------------------------------------------


def extract(entry: Payload, data: bytes) -> Json:
    """The payload's JSON: the whole file, or the JSON value after `select` (a marker like `withAttributes:`)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{entry.name}: {entry.path} is not UTF-8 text") from None
    start = 0
    if entry.select:
        found = text.find(entry.select)
        if found == -1:
            raise InputError(f"{entry.name}: {entry.select!r} does not occur in {entry.path}")
        start = found + len(entry.select)
    decoder = json.JSONDecoder()
    position = len(text) - len(text[start:].lstrip())
    try:
        value, _ = decoder.raw_decode(text, position)
    except (ValueError, RecursionError) as exc:
        raise InputError(
            f"{entry.name}: no JSON value at {entry.select or 'the start'} of {entry.path}: {exc}"
        ) from None
    return value


def check_payloads(
    entries: list[Payload], cache: Path, documents: dict[str, Json], packages: dict[str, Any]
) -> Iterator[tuple[Payload, Check | None]]:
    """Each entry and its verdict; None when it was never fetched (offline)."""
    oracles = {flavor: Oracle(flavor, documents[flavor], documents[flavor], packages[flavor]) for flavor in documents}
    for entry in entries:
        target = entry.cached(cache)
        if not target.is_file():
            yield entry, None
            continue
        value = extract(entry, target.read_bytes())
        operation = (entry.method, entry.api_path)
        paths = documents[entry.flavor].get("paths", {})
        if entry.api_path not in paths or entry.method.lower() not in paths[entry.api_path]:
            raise InputError(f"{entry.name}: {entry.operation} is not an operation of the {entry.flavor} document")
        responses = paths[entry.api_path][entry.method.lower()].get("responses", {})
        media = next(iter((responses.get(entry.status) or {}).get("content") or {"application/json": None}))
        at = ("paths", entry.api_path, entry.method.lower(), "responses", entry.status, "content", media, "schema")
        example = Example(
            entry.flavor, "captured response", (), value, at, operation, status=entry.status,
            source=f"{entry.repository}@{entry.commit[:8]}:{entry.path}",
        )  # fmt: skip
        yield entry, oracles[entry.flavor].check(example)


def default_cache(root: Path) -> Path:
    return Path(os.environ.get("JSM_PAYLOADS_DIR") or root / ".cache" / "payloads")
