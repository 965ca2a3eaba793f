"""Credentials as httpx auth flows whose reprs never show the secret.

- `BasicAuth(user, secret)`: Server/DC username + password, or Cloud email + API token.
- `BearerToken(token)`: a Server/DC personal access token (the way in on Jira DC 10+, where basic auth is off).
- `OAuth2(token, cloud_id=...)`: a Cloud OAuth 2.0 (3LO) access token; calls go through
  `https://api.atlassian.com/ex/jira/{cloud_id}`.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Generator, Mapping

import httpx

from .errors import ConfigurationError

OAUTH_GATEWAY = "https://api.atlassian.com"


class Credentials(httpx.Auth):
    """Base of the facade's credentials: sets `Authorization` on every request, keeps the secret out of reprs."""

    __slots__ = ("_header",)

    _header: str

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def secrets(self) -> tuple[str, ...]:
        """Every string that must never be shown (for redaction checks)."""
        return (self._header,)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError(f"{type(self).__name__} holds a secret and is not picklable")


class BasicAuth(Credentials):
    """HTTP basic: username (Server/DC) or email (Cloud), with a password or API token."""

    __slots__ = ("_secret", "username")

    def __init__(self, username: str, secret: str) -> None:
        if not username or not secret:
            raise ConfigurationError("BasicAuth needs a username (or email) and a password (or API token)")
        self.username = username
        self._secret = secret
        self._header = "Basic " + base64.b64encode(f"{username}:{secret}".encode()).decode("ascii")

    def secrets(self) -> tuple[str, ...]:
        return (self._secret, self._header, self._header.removeprefix("Basic "))

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, secret=<redacted>)"


class BearerToken(Credentials):
    """`Authorization: Bearer <token>`: a Server/DC personal access token."""

    __slots__ = ("_token",)

    def __init__(self, token: str) -> None:
        if not token:
            raise ConfigurationError(f"{type(self).__name__} needs a non-empty token")
        self._token = token
        self._header = f"Bearer {token}"

    def secrets(self) -> tuple[str, ...]:
        return (self._token, self._header)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token=<redacted>)"


class OAuth2(BearerToken):
    """A Cloud OAuth 2.0 access token for one site (`cloud_id`); calls go through the Atlassian API gateway."""

    __slots__ = ("cloud_id", "gateway")

    def __init__(self, token: str, *, cloud_id: str, gateway: str = OAUTH_GATEWAY) -> None:
        super().__init__(token)
        if not cloud_id or "/" in cloud_id:
            raise ConfigurationError(f"OAuth2 needs the site's cloud id (a UUID), got {cloud_id!r}")
        self.cloud_id = cloud_id
        self.gateway = gateway.rstrip("/")

    @property
    def base_url(self) -> str:
        """The site as seen through the gateway: `https://api.atlassian.com/ex/jira/{cloudId}`."""
        return f"{self.gateway}/ex/jira/{self.cloud_id}"

    def __repr__(self) -> str:
        return f"OAuth2(cloud_id={self.cloud_id!r}, token=<redacted>)"


def credentials_from_env(env: Mapping[str, str] | None = None) -> Credentials | None:
    """Credentials from the environment: `JSM_USERNAME` (or `JSM_EMAIL`) + `JSM_TOKEN` is basic auth, `JSM_TOKEN`
    alone a bearer token, `JSM_TOKEN` + `JSM_CLOUD_ID` a Cloud OAuth 2.0 token; None without `JSM_TOKEN`."""
    env = os.environ if env is None else env
    token = env.get("JSM_TOKEN") or ""
    username = env.get("JSM_USERNAME") or env.get("JSM_EMAIL") or ""
    if not token:
        return None
    if username:
        return BasicAuth(username, token)
    if env.get("JSM_CLOUD_ID"):
        return OAuth2(token, cloud_id=env["JSM_CLOUD_ID"])
    return BearerToken(token)
