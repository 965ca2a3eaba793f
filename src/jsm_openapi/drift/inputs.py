"""Where drift reads documents from: a file, a URL, a pin's cached copy, or the newest copy of a pin in a folder.

An HTML page (a file or a URL) is searched for the OpenAPI document it embeds (`jsm_openapi.embedded`); the report
says so, and the digest is the extracted document's, as a pin's sha256 is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..documents import Json, parse_document, sha256_bytes
from ..embedded import looks_like_html
from ..errors import FetchError, InputError, IntegrityError
from ..urls import display_url
from .model import DocumentInfo

if TYPE_CHECKING:
    import httpx

    from ..fetch import Fetcher
    from ..sources import Pin

DOCUMENT_SUFFIXES = (".json", ".yaml", ".yml", ".html", ".htm")


@dataclass(frozen=True)
class Loaded:
    """A parsed document and how it is named in reports."""

    document: Json
    info: DocumentInfo


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def _info(data: bytes, document: Json, label: str, origin: str, note: str = "") -> DocumentInfo:
    version = ""
    if isinstance(document, dict) and isinstance(document.get("info"), dict):
        version = str(document["info"].get("version", ""))
    return DocumentInfo(label=label, origin=origin, sha256=sha256_bytes(data), version=version, note=note)


def load(spec: str, *, client: httpx.Client | None = None) -> Loaded:
    """Load a document from a file or an http(s) URL."""
    if is_url(spec):
        from ..fetch import DownloadError, download  # imported here: most runs compare files

        try:
            data = download(spec, client=client)
        except DownloadError as exc:
            check = "the URL" if exc.reason.startswith("HTTP ") else "the network"
            hint = f"check {check}, or give a file or a folder instead (`--latest FILE`)"
            raise FetchError(exc.message, hint=hint) from exc
        shown = display_url(spec)
        return _loaded(data, source=shown, label=shown.rstrip("/").rsplit("/", 1)[-1] or shown, origin=shown)
    path = Path(spec)
    if path.is_dir():
        raise InputError(
            f"{spec} is a folder; drift OLD NEW compares two files or URLs",
            hint="a folder works with `--pin NAME --latest FOLDER` (the newest file named like the pin)",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"{spec}: cannot read ({exc.strerror})", hint="give an existing file or an http(s) URL"
        ) from exc
    return _loaded(data, source=spec, label=path.name, origin=str(path))


def _loaded(data: bytes, *, source: str, label: str, origin: str) -> Loaded:
    if looks_like_html(data, source):
        from ..embedded import extract_document

        embedded = extract_document(data, source=source)
        return Loaded(embedded.document, _info(embedded.data, embedded.document, label, origin, embedded.note))
    document = parse_document(data, source=source)
    return Loaded(document, _info(data, document, label, origin))


def load_pinned(pin: Pin, fetcher: Fetcher) -> Loaded:
    """The pinned document (cache, mirror or URL; sha256-verified by the fetcher)."""
    try:
        fetched = fetcher.fetch(pin)
    except (FetchError, IntegrityError) as exc:
        hint = (
            "drift needs the pinned copy too: once Atlassian changed the URL's document, only the cache "
            f"({fetcher.cache_dir}) or a mirror folder ($JSM_SPEC_MIRROR) still has it; or compare two files with "
            "`jsm-openapi drift OLD NEW`"
        )
        error = IntegrityError if isinstance(exc, IntegrityError) else FetchError
        raise error(f"{exc.message} (the pinned copy of {pin.name})", hint=hint) from exc
    data = fetched.path.read_bytes()
    document = parse_document(data, source=f"{pin.name} ({fetched.path})")
    origin = fetched.origin if fetched.origin != "cache" else str(fetched.path)
    return Loaded(document, _info(data, document, f"{pin.name} (pinned)", origin))


def _natural(name: str) -> list[tuple[int, int | str]]:
    """Sort key that orders `10.10` after `10.9` and ISO dates chronologically."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", name)]


def newest_in_folder(pin: Pin, folder: Path) -> Path:
    """The newest file under `folder` named like the pin (`<name>.json`, `<name>-<version or date>.json`)."""
    pattern = re.compile(rf"{re.escape(pin.name)}(?:[-_.]\d[^/]*)?")
    candidates = [
        path
        for path in folder.rglob("*")
        if path.is_file() and path.suffix.lower() in DOCUMENT_SUFFIXES and pattern.fullmatch(path.stem)
    ]
    if not candidates:
        raise FetchError(
            f"{pin.name}: no file named like {pin.name}[-<version>].json (or .yaml, .html) under {folder}",
            hint=f"put the newest copy of {display_url(pin.url)} there, or pass the file itself with --latest",
        )
    return max(candidates, key=lambda p: (_natural(p.stem), str(p)))


def load_latest(pin: Pin, latest: str | None, *, client: httpx.Client | None = None) -> Loaded:
    """The newest upstream copy of a pin: its URL by default, else the given URL, file, or folder."""
    if latest is None or is_url(latest):
        return load(latest or pin.url, client=client)
    path = Path(latest)
    if path.is_dir():
        path = newest_in_folder(pin, path)
    return load(str(path))
