"""URLs as they may be shown: in tables, errors, logs and reports a URL never carries its secrets.

A pin's URL (or `--latest URL`, or `JSM_BASE_URL`) may hold credentials (`user:secret@host`), a token in its query
(`?token=…`) or in its fragment; `display_url` keeps what tells the URL apart (scheme, host, port, path, the
names of query fields) and hides the rest, and `scrub` does the same to every such part wherever it appears in a text.
(The facade's `jsm.urls` follows the same rules; the two distributions do not depend on each other.)
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

HIDDEN = "***"

_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s]*@")


def display_url(url: str) -> str:
    """`url` with its user info, query values and fragment replaced by `***` (`https://***@host/p?token=***#***`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<a malformed URL>"
    authority = parts.netloc
    if "@" in authority:
        authority = f"{HIDDEN}@{authority.rpartition('@')[2]}"
    text = f"{parts.scheme}://{authority}{parts.path}" if parts.scheme or authority else parts.path
    if parts.query:
        fields = (field.partition("=") for field in parts.query.split("&"))
        text += "?" + "&".join(f"{name}={HIDDEN}" if sep else HIDDEN for name, sep, _ in fields)
    if parts.fragment:
        text += f"#{HIDDEN}"
    return text


def scrub(text: str, *urls: str) -> str:
    """`text` with each given URL shown as `display_url` shows it, and any `scheme://user:secret@` hidden."""
    for url in sorted(filter(None, urls), key=len, reverse=True):
        text = text.replace(url, display_url(url))
    return _USERINFO.sub(lambda m: f"{m['scheme']}{HIDDEN}@", text)


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """The URL without its `user:secret@`, and that pair (for an explicit auth, so no log line shows it)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    bare = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    return bare, (unquote(parts.username or ""), unquote(parts.password or ""))
