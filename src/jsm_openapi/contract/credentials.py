"""Credentials for a contract target, read from the environment; never printed.

Live sites: basic (`JSM_USER` + `JSM_API_TOKEN` on Cloud, `JSM_USER` + `JSM_PASSWORD` on Server/DC), a personal
access token (`JSM_PAT`, Server/DC; sent as Bearer) or an OAuth 2.0 access token (`JSM_OAUTH_TOKEN`; Bearer).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ..errors import InputError
from .redact import Redactor

CREDENTIAL_VARIABLES = ("JSM_USER", "JSM_API_TOKEN", "JSM_PASSWORD", "JSM_PAT", "JSM_OAUTH_TOKEN")


@dataclass(frozen=True)
class Credentials:
    """One way to authenticate: basic (user + secret) or bearer (a token). `repr` never shows the secret."""

    kind: Literal["basic", "bearer"]
    user: str = ""
    secret: str = field(default="", repr=False)
    source: str = ""  # which variables it came from (for messages)

    @classmethod
    def basic(cls, user: str, password: str, source: str = "") -> Credentials:
        return cls("basic", user, password, source)

    @classmethod
    def bearer(cls, token: str, source: str = "") -> Credentials:
        return cls("bearer", "", token, source)

    def authorization(self) -> str:
        """The value of the Authorization header."""
        if self.kind == "basic":
            return "Basic " + base64.b64encode(f"{self.user}:{self.secret}".encode()).decode()
        return f"Bearer {self.secret}"

    def headers(self) -> dict[str, str]:
        return {"Authorization": self.authorization()}

    def register(self, redactor: Redactor) -> None:
        """Tell a redactor every form in which this secret could appear."""
        if self.kind == "basic":
            redactor.add_basic(self.user, self.secret)
        else:
            redactor.add(self.secret)

    def describe(self) -> str:
        """What a person may see: the kind, the user, where it came from; never the secret."""
        who = f" as {self.user}" if self.user else ""
        return f"{self.kind}{who} (from {self.source})" if self.source else f"{self.kind}{who}"


def credentials_from_env(env: Mapping[str, str]) -> Credentials:
    """The live site's credentials: OAuth token, else PAT, else user + API token/password; an InputError if none."""
    if env.get("JSM_OAUTH_TOKEN"):
        return Credentials.bearer(env["JSM_OAUTH_TOKEN"], "JSM_OAUTH_TOKEN")
    if env.get("JSM_PAT"):
        return Credentials.bearer(env["JSM_PAT"], "JSM_PAT")
    user = env.get("JSM_USER", "")
    secret_name = "JSM_API_TOKEN" if env.get("JSM_API_TOKEN") else "JSM_PASSWORD"
    secret = env.get(secret_name, "")
    if user and secret:
        return Credentials.basic(user, secret, f"JSM_USER + {secret_name}")
    if user or secret:
        missing = "JSM_API_TOKEN (Cloud) or JSM_PASSWORD (Server/DC)" if user else "JSM_USER"
        raise InputError(
            f"live target: basic credentials are incomplete, {missing} is not set",
            hint="set both JSM_USER and JSM_API_TOKEN/JSM_PASSWORD, or use JSM_PAT / JSM_OAUTH_TOKEN",
        )
    raise InputError(
        "live target: no credentials in the environment",
        hint=(
            "set JSM_USER + JSM_API_TOKEN (Cloud), JSM_USER + JSM_PASSWORD or JSM_PAT (Server/DC), "
            "or JSM_OAUTH_TOKEN (an OAuth 2.0 access token)"
        ),
    )
