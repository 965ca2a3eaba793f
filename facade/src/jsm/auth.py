"""Credentials as httpx auth flows whose reprs never show the secret.

- `BasicAuth(user, secret)`: Server/DC username + password, or Cloud email + API token.
- `BearerToken(token)`: a Server/DC personal access token (the way in on Jira DC 10+, where basic auth is off).
- `OAuth2(token, cloud_id=...)`: a Cloud OAuth 2.0 (3LO) access token; calls go through
  `https://api.atlassian.com/ex/jira/{cloud_id}`.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Generator, Mapping

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


AuthArgument = httpx.Auth | tuple[str, str] | Callable[[httpx.Request], httpx.Request] | None
"""What a client's `auth=` takes: the facade's credentials, any httpx auth, a (user, secret) pair or a function."""


def as_auth(auth: AuthArgument) -> httpx.Auth | None:
    """`auth` as an httpx auth flow; a (user, secret) pair becomes `BasicAuth`, whose repr hides the secret."""
    if auth is None or isinstance(auth, httpx.Auth):
        return auth
    if isinstance(auth, tuple | list):
        if len(auth) == 2 and all(isinstance(part, str) for part in auth):
            return BasicAuth(auth[0], auth[1])
        raise ConfigurationError("auth as a pair must be (username or email, password or API token), both text")
    if callable(auth):
        return _FunctionAuth(auth)
    raise ConfigurationError(  # the value is not repeated: it may be a secret
        f"auth must be jsm.BasicAuth, jsm.BearerToken, jsm.OAuth2, an httpx.Auth or a (user, secret) pair, "
        f"not a {type(auth).__name__}"
    )


class _FunctionAuth(httpx.Auth):
    """A function that signs a request, as httpx takes it, wrapped so reprs show only its type."""

    def __init__(self, sign: Callable[[httpx.Request], httpx.Request]) -> None:
        self._sign = sign

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield self._sign(request)


def describe_auth(auth: httpx.Auth | None) -> str:
    """How reprs show an auth flow: the facade's credentials by their own (redacted) repr, any other by its type."""
    if auth is None or isinstance(auth, Credentials):
        return repr(auth)
    return f"<{type(auth).__module__}.{type(auth).__qualname__}>"


def credentials_from_env(env: Mapping[str, str] | None = None) -> Credentials | None:
    """Credentials from the environment, read as the contract suite reads them.

    `JSM_OAUTH_TOKEN` + `JSM_CLOUD_ID`: a Cloud OAuth 2.0 token (through api.atlassian.com); `JSM_PAT`: a Server/DC
    personal access token; `JSM_USER` + `JSM_API_TOKEN` (Cloud) or `JSM_PASSWORD` (Server/DC): basic auth. None
    when none is set; a `ConfigurationError` naming the missing variable when a set is incomplete.
    """
    env = os.environ if env is None else env
    if env.get("JSM_OAUTH_TOKEN"):
        if not env.get("JSM_CLOUD_ID"):
            raise ConfigurationError(
                "JSM_OAUTH_TOKEN is set but JSM_CLOUD_ID is not: OAuth 2.0 calls go through "
                "api.atlassian.com/ex/jira/{cloudId}; set JSM_CLOUD_ID (GET https://api.atlassian.com/oauth/token/"
                "accessible-resources lists it)"
            )
        return OAuth2(env["JSM_OAUTH_TOKEN"], cloud_id=env["JSM_CLOUD_ID"])
    if env.get("JSM_PAT"):
        return BearerToken(env["JSM_PAT"])
    user = env.get("JSM_USER") or ""
    secret = env.get("JSM_API_TOKEN") or env.get("JSM_PASSWORD") or ""
    if user and secret:
        return BasicAuth(user, secret)
    if user or secret:
        missing = "JSM_API_TOKEN (Cloud) or JSM_PASSWORD (Server/DC)" if user else "JSM_USER"
        raise ConfigurationError(f"basic credentials are incomplete: {missing} is not set")
    return None
