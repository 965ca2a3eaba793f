"""Who is calling: HTTP basic or bearer against the seeded users, answered the way JSM answers.

Server: basic = username + password, bearer = personal access token.
Cloud: basic = email + API token (the seeded password plays it), bearer = OAuth access token.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from .errors import JsmError
from .model import User
from .seed import user_by_index
from .store import Transaction

LOGIN_FAILED = "AUTHENTICATED_FAILED"


class Refused(JsmError):
    """Credentials were sent but do not match a seeded, active user."""

    def __init__(self, flavor: str, why: str) -> None:
        headers = {"WWW-Authenticate": 'Basic realm="protected-area"'}
        if flavor == "server":
            headers["X-Seraph-LoginReason"] = LOGIN_FAILED
        super().__init__(
            401,
            f"Client must be authenticated to access this resource: {why}.",
            "sd.error.unauthenticated",
            headers=headers,
        )


def _same(given: str, expected: str | None) -> bool:
    return expected is not None and hmac.compare_digest(given.encode(), expected.encode())


def authenticate(authorization: str | None, tx: Transaction, flavor: str) -> User | None:
    """The user the Authorization header names; None without one; `Refused` when it names nobody."""
    if not authorization:
        return None
    scheme, _, credentials = authorization.strip().partition(" ")
    scheme = scheme.lower()
    credentials = credentials.strip()
    found: User | None = None
    if scheme == "basic":
        try:
            login, sep, secret = base64.b64decode(credentials, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise Refused(flavor, "the basic credentials are not base64 of user:password") from None
        if not sep:
            raise Refused(flavor, "the basic credentials have no ':' between user and password")
        user = user_by_index(tx, f"basic:{login.lower()}")
        found = user if user is not None and _same(secret, user.password) else None
    elif scheme == "bearer":
        user = user_by_index(tx, f"bearer:{credentials}")
        found = user if user is not None and _same(credentials, user.token) else None
    else:
        raise Refused(flavor, f"the {scheme!r} scheme is not supported (use Basic or Bearer)")
    if found is None:
        raise Refused(flavor, "the user name, password or token is wrong")
    if not found.active:
        raise Refused(flavor, "the user is inactive")
    return found
