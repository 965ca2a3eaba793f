"""`jsm`: one ergonomic client for Jira Service Management Server/DC and Cloud, over the generated packages.

    import jsm
    client = jsm.Client("https://example.atlassian.net", auth=jsm.BasicAuth("me@example.com", api_token))
    customer = client.customers.create(email="ann@example.com", display_name="Ann Example")
    for user in client.customers.list(service_desk=1):
        print(user.display_name)

Results are the generated attrs models of the site's flavor (`jsm_server` or `jsm_cloud`); `jsm.models` names them
for annotations. Errors are `jsm.errors.ApiError` subclasses.
"""

from __future__ import annotations

from . import models
from .auth import BasicAuth, BearerToken, Credentials, OAuth2
from .client import AsyncClient, Client
from .errors import (
    ApiError,
    BadRequest,
    ConfigurationError,
    Conflict,
    ConnectionFailed,
    CredentialRejected,
    FlavorDetectionError,
    FlavorNotInstalled,
    JsmError,
    JsmNotLicensed,
    NotFound,
    NotSupported,
    PermissionDenied,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    TimedOut,
    Unauthorized,
    UndocumentedStatus,
    UnexpectedResponse,
    UnreadableResponse,
)
from .flavor import Flavor
from .paging import AsyncPaginator, Paginator
from .retry import RetryPolicy, retry_writes

__all__ = [
    "ApiError",
    "AsyncClient",
    "AsyncPaginator",
    "BadRequest",
    "BasicAuth",
    "BearerToken",
    "Client",
    "ConfigurationError",
    "Conflict",
    "ConnectionFailed",
    "CredentialRejected",
    "Credentials",
    "Flavor",
    "FlavorDetectionError",
    "FlavorNotInstalled",
    "JsmError",
    "JsmNotLicensed",
    "NotFound",
    "NotSupported",
    "OAuth2",
    "Paginator",
    "PermissionDenied",
    "RateLimited",
    "RetryPolicy",
    "ServerError",
    "ServiceUnavailable",
    "TimedOut",
    "Unauthorized",
    "UndocumentedStatus",
    "UnexpectedResponse",
    "UnreadableResponse",
    "models",
    "retry_writes",
]
