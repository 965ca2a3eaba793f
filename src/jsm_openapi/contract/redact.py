"""Keep secrets out of every artefact the contract suite writes: reports, JUnit XML, failure messages, logs.

Two layers: header values by name (Authorization, cookies, tokens) and, as a backstop, any known secret value
(a password, a token, their Base64 basic-auth form) wherever it appears in text.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

REDACTED = "[REDACTED]"

SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-atlassian-token-secret",
        "x-api-key",
        "x-auth-token",
    }
)

# `Authorization: Basic abc=` / `authorization': 'Bearer x'` / `-H 'Cookie: a=b'` in free text (curl lines, reprs).
_HEADER_IN_TEXT = re.compile(
    r"(?P<name>\b(?:proxy-)?authorization|\bset-cookie|\bcookie)(?P<sep>['\"]?\s*[:=]\s*['\"]?)(?P<value>[^'\"\r\n]+)",
    re.IGNORECASE,
)
_MIN_SECRET_LENGTH = 4  # shorter "secrets" would redact ordinary words


def is_sensitive_header(name: str) -> bool:
    return name.lower() in SENSITIVE_HEADERS


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of `headers` with sensitive values replaced."""
    return {name: REDACTED if is_sensitive_header(name) else value for name, value in headers.items()}


@dataclass
class Redactor:
    """Removes sensitive headers and known secret values from text. Add secrets as they become known."""

    secrets: set[str] = field(default_factory=set)

    def add(self, *values: str | None) -> None:
        for value in values:
            if value and len(value) >= _MIN_SECRET_LENGTH:
                self.secrets.add(value)

    def add_basic(self, user: str, password: str) -> None:
        """A basic-auth pair: the password, and the Base64 header value that carries both."""
        self.add(password, base64.b64encode(f"{user}:{password}".encode()).decode())

    def text(self, text: str) -> str:
        """`text` with header values and every known secret replaced by [REDACTED]."""
        text = _HEADER_IN_TEXT.sub(lambda m: f"{m['name']}{m['sep']}{REDACTED}", text)
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def lines(self, lines: Iterable[str]) -> list[str]:
        return [self.text(line) for line in lines]

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {name: self.text(value) for name, value in redact_headers(headers).items()}
