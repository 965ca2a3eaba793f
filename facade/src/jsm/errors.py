"""Typed errors of the facade, built from JSM's answers.

Every API error carries the HTTP status, JSM's `errorMessage` and i18n key (or the platform's `errorMessages`/`errors`),
the operation that failed and the raw `httpx.Response`. Messages name the operation and what to do next; they never
hold a credential (headers are never copied into them, and httpx redacts `Authorization` in its own reprs).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from .retry import parse_retry_after

SERAPH_LOGIN_REASON = "X-Seraph-LoginReason"
SERAPH_REFUSALS = frozenset({"AUTHENTICATED_FAILED", "AUTHENTICATION_DENIED"})
"""`X-Seraph-LoginReason` values meaning DC refused the credential (wrong secret; CAPTCHA demanded)."""


class JsmError(Exception):
    """Base of every error the facade raises."""


class ConfigurationError(JsmError, ValueError):
    """The client was given arguments it cannot work with (no URL, unknown flavor, wrong auth for the flavor)."""


class FlavorNotInstalled(ConfigurationError):
    """The site's flavor needs its generated package (jsm_cloud or jsm_server), which is not installed; the message
    names the extra that installs it (`pip install 'jsm-client[cloud]'`)."""


class FlavorDetectionError(JsmError):
    """The facade could not tell whether a site is Server/DC or Cloud; pass `flavor=` explicitly."""


class ConnectionFailed(JsmError):
    """The site could not be reached or the connection broke (DNS, refused, TLS, reset); the request may not have
    arrived."""


class TimedOut(ConnectionFailed):
    """The site did not answer within the client's timeout (a write may or may not have happened)."""


class NotSupported(JsmError):
    """The operation does not exist on this flavor (e.g. knowledge base search on Server/DC)."""


class UndocumentedStatus(JsmError):
    """A success status the API document does not declare for this operation, with a body the facade cannot read."""


class UnreadableResponse(JsmError):
    """A success answer whose body does not fit the generated model (the API document and the site disagree)."""


class SchemaMismatch(JsmError):
    """An answer disagreed with the API document (raised with `validate="raise"`).

    `deviations` lists every disagreement of this answer (`jsm.deviations.Deviation`: operation, status, JSON
    pointer, what the document expects, the shape of what was seen, flavor and site version); `parsed` is the
    decoded JSON body (None when it was not JSON) and `response` the raw `httpx.Response`.
    """

    def __init__(self, deviations: list[Any], *, response: httpx.Response, parsed: Any) -> None:
        self.deviations = deviations
        self.response = response
        self.parsed = parsed
        first = deviations[0]
        self.operation: str = first.operation
        self.status: int = first.status
        self.pointer: str = first.pointer
        more = f" (and {len(deviations) - 1} more)" if len(deviations) > 1 else ""
        super().__init__(first.describe() + more)

    def __repr__(self) -> str:
        return f"SchemaMismatch(operation={self.operation!r}, status={self.status}, pointer={self.pointer!r})"


class ApiError(JsmError):
    """JSM answered with an error status (or, on DC, refused the credential behind a 200)."""

    status: int
    operation: str
    error_message: str | None
    i18n_key: str | None
    i18n_parameters: list[str]
    error_messages: list[str]
    field_errors: dict[str, str]
    response: httpx.Response

    hint: str = ""

    def __init__(self, response: httpx.Response, *, operation: str, detail: str | None = None) -> None:
        self.response = response
        self.status = response.status_code
        self.operation = operation
        body = _json_body(response)
        self.error_message = _text(body.get("errorMessage"))
        i18n = body.get("i18nErrorMessage")
        i18n = i18n if isinstance(i18n, Mapping) else {}
        self.i18n_key = _text(i18n.get("i18nKey"))
        params = i18n.get("parameters")
        self.i18n_parameters = [str(p) for p in params] if isinstance(params, list) else []
        messages = body.get("errorMessages")
        self.error_messages = [str(m) for m in messages] if isinstance(messages, list) else []
        errors = body.get("errors")
        self.field_errors = {str(k): str(v) for k, v in errors.items()} if isinstance(errors, Mapping) else {}
        super().__init__(self._compose(detail))

    @property
    def messages(self) -> list[str]:
        """Everything JSM said, JSM's `errorMessage` first, then the platform's messages and field errors."""
        said = [self.error_message] if self.error_message else []
        said += self.error_messages
        said += [f"{field}: {text}" for field, text in self.field_errors.items()]
        return said

    def _compose(self, detail: str | None) -> str:
        reason = self.response.reason_phrase or ""
        head = f"{self.operation} answered {self.status} {reason}".rstrip()
        said = detail or "; ".join(self.messages) or _describe_body(self.response)
        text = f"{head}: {said}" if said else head
        if self.i18n_key:
            text += f" [{self.i18n_key}]"
        return f"{text}\n  hint: {self.hint}" if self.hint else text

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, operation={self.operation!r})"


class BadRequest(ApiError):
    """400: the request was malformed or a field was invalid (JSM also answers 400 for a duplicate customer)."""

    hint = "check the arguments against the message above"


class Unauthorized(ApiError):
    """401: no credential, or one the site does not accept."""

    hint = "check the credential (basic: user or email + API token/password; DC 10+: a personal access token)"


class CredentialRejected(Unauthorized):
    """DC refused the credential (`X-Seraph-LoginReason`), possibly behind a 200 on an anonymously readable page."""

    login_reason: str

    def __init__(self, response: httpx.Response, *, operation: str, login_reason: str) -> None:
        self.login_reason = login_reason
        detail = f"the site refused the credential (X-Seraph-LoginReason: {login_reason})"
        if login_reason == "AUTHENTICATION_DENIED":
            detail += "; too many failed logins: the account must pass a CAPTCHA in the browser first"
        super().__init__(response, operation=operation, detail=detail)


class PermissionDenied(ApiError):
    """403: the credential is valid but lacks the permission (admin, agent, or customer of this desk)."""

    hint = "the user needs the permission named above (Jira admin, agent, or customer of this service desk)"


class JsmNotLicensed(PermissionDenied):
    """403 with an HTML page on `/servicedeskapi`: Jira Service Management is not licensed (or not installed)."""

    hint = "license Jira Service Management on this site (only /servicedeskapi/info answers without a licence)"


class NotFound(ApiError):
    """404: the id or key does not exist, or the user may not see it."""

    hint = "check the id or key, and that this user can see it"


class Conflict(ApiError):
    """409: the object already exists (e.g. a customer with this email on Cloud) or changed meanwhile."""

    hint = "the object already exists or changed; fetch it instead of creating it"


class RateLimited(ApiError):
    """429: too many requests; `retry_after` is the wait the site asked for, in seconds (None if it gave none)."""

    retry_after: float | None
    hint = "slow down; the client retries idempotent calls by itself, writes only when asked (retry_writes)"

    def __init__(self, response: httpx.Response, *, operation: str, detail: str | None = None) -> None:
        self.retry_after = parse_retry_after(response.headers.get("Retry-After"))
        super().__init__(response, operation=operation, detail=detail)


class ServerError(ApiError):
    """5xx: the site failed."""

    hint = "a failure on the site's side; try again later or ask its administrator"


class ServiceUnavailable(ServerError):
    """503: the site is overloaded or in maintenance; `retry_after` as for RateLimited."""

    retry_after: float | None

    def __init__(self, response: httpx.Response, *, operation: str, detail: str | None = None) -> None:
        self.retry_after = parse_retry_after(response.headers.get("Retry-After"))
        super().__init__(response, operation=operation, detail=detail)


class UnexpectedResponse(ApiError):
    """An error status the facade has no better class for (405, 415, an unfollowed 3xx, ...)."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
    503: ServiceUnavailable,
}


def error_for(response: httpx.Response, *, operation: str) -> ApiError | None:
    """The error this (already read) response stands for, or None when it is a success."""
    refusal = seraph_refusal(response)
    if refusal:
        return CredentialRejected(response, operation=operation, login_reason=refusal)
    status = response.status_code
    if status < 400:
        return None
    if status == 403 and _is_html(response) and "/servicedeskapi/" in response.request.url.path:
        return JsmNotLicensed(
            response,
            operation=operation,
            detail="an HTML page instead of JSON: Jira Service Management is not licensed on this site",
        )
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else UnexpectedResponse)
    return cls(response, operation=operation)


def seraph_refusal(response: httpx.Response) -> str | None:
    """The refusal named by DC's `X-Seraph-LoginReason` header, if any."""
    header: str = response.headers.get(SERAPH_LOGIN_REASON) or ""
    for value in header.split(","):
        reason = value.strip().upper()
        if reason in SERAPH_REFUSALS:
            return reason
    return None


def _json_body(response: httpx.Response) -> Mapping[str, Any]:
    if _is_html(response) or not response.content:
        return {}
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, Mapping) else {}


def _is_html(response: httpx.Response) -> bool:
    content_type = response.headers.get("Content-Type", "").lower()
    return "html" in content_type or response.content.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html"))


def _describe_body(response: httpx.Response) -> str:
    if not response.content:
        return "no body"
    if _is_html(response):
        return "an HTML page instead of JSON"
    content_type = response.headers.get("Content-Type", "unknown type")
    return f"a {content_type} body JSM's error model does not describe"


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)
