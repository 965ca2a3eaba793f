"""`jsm.Client` and `jsm.AsyncClient`: one client for JSM Server/DC and Cloud over the generated packages.

    import jsm
    with jsm.Client("https://example.atlassian.net", auth=jsm.BasicAuth("me@example.com", token)) as client:
        customer = client.customers.create(email="ann@example.com", display_name="Ann")
        for user in client.customers.list(1):
            ...

The client builds one httpx client (auth, timeouts, User-Agent, the retrying transport and the event hooks of
`jsm.transport`) and hands it to the flavor's generated `Client`; every call runs the generated code.
"""

from __future__ import annotations

import importlib
import os
import platform
from collections.abc import Mapping
from contextlib import AbstractContextManager
from types import ModuleType, TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import httpx

from . import models
from .auth import AuthArgument, OAuth2, as_auth, credentials_from_env, describe_auth
from .calls import AsyncCaller, Caller, Plan, Session
from .errors import ConfigurationError, FlavorNotInstalled, JsmError
from .flavor import TRAITS, Flavor, Traits, adetect_flavor, detect_flavor, flavor_from_url
from .operations import OperationIndex
from .resources.customers import AsyncCustomers, Customers
from .resources.knowledge_base import AsyncKnowledgeBase, KnowledgeBase
from .resources.organizations import AsyncOrganizations, Organizations
from .resources.queues import AsyncQueues, Queues
from .resources.request_types import AsyncRequestTypes, RequestTypes
from .resources.requests import AsyncRequests, Requests
from .resources.service_desks import AsyncServiceDesks, ServiceDesks
from .retry import RetryPolicy, retry_writes
from .transport import AsyncRetryingTransport, RequestHooks, RetryingTransport
from .urls import display_url
from .validation import Mode, ResponseValidation

DISTRIBUTION = "jsm-client"  # the facade's distribution (import name `jsm`)
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
INFO = "/servicedeskapi/info"


def user_agent(flavor: Flavor | None = None) -> str:
    """`jsm-client/<version> (<flavor>; python <x.y>; httpx <v>)`: the facade's own distribution and version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        own = version(DISTRIBUTION)
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
        own = "0"
    parts = [flavor.value] if flavor else []
    parts += [f"python {platform.python_version()}", f"httpx {httpx.__version__}"]
    return f"{DISTRIBUTION}/{own} ({'; '.join(parts)})"


def generated_package(traits: Traits) -> ModuleType:
    """The flavor's generated package, or `FlavorNotInstalled` naming the extra that installs it."""
    try:
        return importlib.import_module(traits.package)
    except ModuleNotFoundError as exc:
        if exc.name != traits.package:
            raise
        raise FlavorNotInstalled(
            f"the {traits.flavor.value} flavor needs the {traits.package} package, which is not installed: "
            f"pip install '{DISTRIBUTION}[{traits.flavor.value}]' (or '{DISTRIBUTION}[all]' for both flavors)"
        ) from None


def _site(url: str | None, auth: httpx.Auth | None, flavor: Flavor | None) -> tuple[str, Flavor | None]:
    """The URL calls go to (the site, or the OAuth gateway for OAuth2) and the flavor it implies."""
    if isinstance(auth, OAuth2):
        if flavor is Flavor.SERVER:
            raise ConfigurationError("OAuth2 (api.atlassian.com) is Cloud only; on Server/DC use BearerToken (a PAT)")
        if url is not None and url.rstrip("/") != auth.base_url:
            raise ConfigurationError(
                f"with OAuth2 the calls go through {auth.base_url}; omit the site URL ({display_url(url)}) or pass "
                "that one"
            )
        return auth.base_url, Flavor.CLOUD
    if not url:
        raise ConfigurationError("no site URL: pass e.g. 'https://example.atlassian.net' or 'https://jira.example.com'")
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError(  # the URL is not repeated: it holds a secret
            "the site URL carries credentials (user:secret@host): pass the bare URL and the credential as "
            "auth=jsm.BasicAuth(...) or jsm.BearerToken(...)"
        )
    shown = display_url(url)  # errors never repeat a query or fragment: either may hold a token
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"{shown!r} is not an http(s) URL of a Jira site")
    if parts.query or parts.fragment:
        raise ConfigurationError(f"{shown!r}: give the site's base URL, without a query or fragment")
    site = url.rstrip("/")
    for suffix in ("/rest/servicedeskapi", "/rest"):
        if site.endswith(suffix):
            raise ConfigurationError(f"{shown!r}: give the site's base URL, without {suffix}")
    return site, flavor or flavor_from_url(site)


class SiteUrls:
    """The generated code's URLs are paths below the site's base URL (`/servicedeskapi/...`): joining them to the base
    as text and parsing once gives the URL httpx's own merge gives (two parses), in half the time (bench_table.py,
    "facade"). Anything else (absolute URLs, `//host`, a query or fragment, no base yet) goes through httpx's merge;
    tests/test_facade_client.py holds the two to the same URL on generated paths."""

    site_prefix: str | None = None

    def _merge_url(self, url: httpx.URL | str) -> httpx.URL:
        if (
            self.site_prefix is not None
            and isinstance(url, str)
            and url[:1] == "/"
            and url[1:2] != "/"
            and "?" not in url
            and "#" not in url
        ):
            return httpx.URL(self.site_prefix + url)
        return super()._merge_url(url)  # type: ignore[misc,no-any-return]


class SiteClient(SiteUrls, httpx.Client):
    """The facade's httpx client (see SiteUrls)."""


class AsyncSiteClient(SiteUrls, httpx.AsyncClient):
    """The async facade's httpx client (see SiteUrls)."""


def _session(site: str, flavor: Flavor, http: httpx.Client | httpx.AsyncClient) -> tuple[Session, RequestHooks]:
    traits = TRAITS[flavor]
    package = generated_package(traits)
    operations = OperationIndex.of(traits.package)
    base = site + traits.base_suffix
    http.base_url = httpx.URL(base)
    if isinstance(http, SiteUrls):
        http.site_prefix = str(http.base_url).rstrip("/")
    http.headers["User-Agent"] = user_agent(flavor)
    generated = package.Client(base_url=base, raise_on_unexpected_status=True)
    hooks = RequestHooks(operations, urlsplit(base).path)
    return Session(traits=traits, operations=operations, generated=generated), hooks


def _validation(
    flavor: Flavor, validate: Mode, deviations_file: str | os.PathLike[str] | None
) -> ResponseValidation | None:
    """What checks answers against the document (None when `validate="off"`, the default)."""
    if isinstance(validate, str) and validate == "off":
        if deviations_file is not None:
            raise ConfigurationError(
                "deviations_file needs validation on: validate='warn', 'raise', or a callable (e.g. lambda d: None "
                "to record without logging)"
            )
        return None
    return ResponseValidation(
        package=TRAITS[flavor].package,
        flavor=flavor.value,
        mode=validate,
        deviations_file=os.fspath(deviations_file) if deviations_file is not None else None,
        source=_client_version(),
    )


def _client_version() -> str:
    """`jsm-client <version>`: which client wrote a deviation record."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"jsm-client {version('jsm-client')}"
    except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        return "jsm-client"


def _info_url(site: str, flavor: Flavor) -> str:
    traits = TRAITS[flavor]
    return site + traits.base_suffix + traits.api_path(INFO)


class _Common:
    """What both clients share: configuration, repr, flavor."""

    site: str
    flavor: Flavor
    _auth: httpx.Auth | None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.site!r}, flavor={self.flavor.value!r}, auth={describe_auth(self._auth)})"

    @staticmethod
    def retry_writes() -> AbstractContextManager[None]:
        """Within this block, POST/PATCH calls are retried on 429/503 too (only where a duplicate is harmless)."""
        return retry_writes()


class Client(_Common):
    """A synchronous JSM client for Server/DC or Cloud (given, or detected from the site).

    - `url`: the site (`https://example.atlassian.net`, `https://jira.example.com[/context]`); omit with OAuth2.
    - `auth`: `BasicAuth`, `BearerToken` (DC personal access token) or `OAuth2` (Cloud, through api.atlassian.com).
    - `flavor`: "server" or "cloud"; detected when omitted (Atlassian Cloud host names, else `/servicedeskapi/info`).
    - `timeout`, `retry` (`RetryPolicy`), `headers`, `verify`; `transport` replaces the network (tests).
    - `validate`: hold every answer to the API document: "off" (default), "warn" (log each distinct deviation once),
      "raise" (`jsm.errors.SchemaMismatch`) or a callable taking each distinct `jsm.deviations.Deviation`; needs
      `pip install 'jsm-client[validate]'`. `deviations_file`: also append them to this JSON Lines file.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        auth: AuthArgument = None,
        flavor: Flavor | str | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        verify: bool | str = True,
        transport: httpx.BaseTransport | None = None,
        validate: Mode = "off",
        deviations_file: str | os.PathLike[str] | None = None,
    ) -> None:
        wanted = Flavor.parse(flavor) if flavor is not None else None
        credentials = as_auth(auth)
        self.site, known = _site(url, credentials, wanted)
        self._auth = credentials
        self.retry = retry or RetryPolicy()
        inner = transport or httpx.HTTPTransport(verify=verify)
        self._http = SiteClient(
            auth=credentials,
            headers={"User-Agent": user_agent(), **(headers or {})},
            timeout=timeout,
            transport=RetryingTransport(inner, self.retry),
            follow_redirects=True,
        )
        try:
            self.flavor = known or detect_flavor(self.site, self._http)
            session, hooks = _session(self.site, self.flavor, self._http)
            hooks.validation = _validation(self.flavor, validate, deviations_file)
        except BaseException:
            self._http.close()
            raise
        hooks.probe = self._site_info
        self._http.event_hooks = hooks.sync_hooks()
        session.generated.set_httpx_client(self._http)
        self._caller = Caller(session)
        self.customers = Customers(self._caller)
        self.organizations = Organizations(self._caller)
        self.service_desks = ServiceDesks(self._caller)
        self.request_types = RequestTypes(self._caller)
        self.requests = Requests(self._caller)
        self.queues = Queues(self._caller)
        self.knowledge_base = KnowledgeBase(self._caller)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **options: Any) -> Client:
        """A client from `JSM_BASE_URL`, `JSM_FLAVOR` and the credentials of `jsm.auth.credentials_from_env`
        (the variables the contract suite's live mode reads)."""
        env = os.environ if env is None else env
        options.setdefault("auth", credentials_from_env(env))
        options.setdefault("flavor", env.get("JSM_FLAVOR") or None)
        return cls(env.get("JSM_BASE_URL") or None, **options)

    @property
    def generated(self) -> Any:
        """The flavor's generated `Client` (jsm_server or jsm_cloud), for operations the facade does not wrap."""
        return self._caller.session.generated

    @property
    def http(self) -> httpx.Client:
        """The httpx client every call goes through (with the facade's transport and hooks)."""
        return self._http

    def info(self) -> models.Info:
        """The JSM version and licence state of the site."""
        return self._caller.run(Plan[models.Info]("GET", INFO))

    def _site_info(self) -> dict[str, Any] | None:
        """`/servicedeskapi/info` as JSON, or None when the site will not say (for the version deviations carry)."""
        try:
            answer = self._http.get(_info_url(self.site, self.flavor)).json()
        except (JsmError, httpx.HTTPError, ValueError):
            return None
        return answer if isinstance(answer, dict) else None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(_Common):
    """The asynchronous twin of `Client`. Give `flavor` (or a Cloud URL), or create it with
    `await AsyncClient.connect(url, ...)`, which detects the flavor."""

    def __init__(
        self,
        url: str | None = None,
        *,
        auth: AuthArgument = None,
        flavor: Flavor | str | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
        validate: Mode = "off",
        deviations_file: str | os.PathLike[str] | None = None,
        _http: httpx.AsyncClient | None = None,
    ) -> None:
        wanted = Flavor.parse(flavor) if flavor is not None else None
        credentials = as_auth(auth)
        self.site, known = _site(url, credentials, wanted)
        if known is None:
            raise ConfigurationError(
                f"the flavor of {self.site} is not known: pass flavor='server' or 'cloud', or create the client with "
                "`await jsm.AsyncClient.connect(url, ...)`, which asks the site"
            )
        self.flavor = known
        self._auth = credentials
        self.retry = retry or RetryPolicy()
        validation = _validation(self.flavor, validate, deviations_file)
        self._http = _http or _async_http(
            credentials, timeout=timeout, policy=self.retry, headers=headers, verify=verify, transport=transport
        )
        session, hooks = _session(self.site, self.flavor, self._http)
        hooks.validation = validation
        hooks.probe = self._site_info
        self._http.event_hooks = hooks.async_hooks()
        session.generated.set_async_httpx_client(self._http)
        self._caller = AsyncCaller(session)
        self.customers = AsyncCustomers(self._caller)
        self.organizations = AsyncOrganizations(self._caller)
        self.service_desks = AsyncServiceDesks(self._caller)
        self.request_types = AsyncRequestTypes(self._caller)
        self.requests = AsyncRequests(self._caller)
        self.queues = AsyncQueues(self._caller)
        self.knowledge_base = AsyncKnowledgeBase(self._caller)

    @classmethod
    async def connect(
        cls,
        url: str | None = None,
        *,
        auth: AuthArgument = None,
        flavor: Flavor | str | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
        validate: Mode = "off",
        deviations_file: str | os.PathLike[str] | None = None,
    ) -> AsyncClient:
        """An AsyncClient whose flavor is detected from the site when not given."""
        wanted = Flavor.parse(flavor) if flavor is not None else None
        credentials = as_auth(auth)
        site, known = _site(url, credentials, wanted)
        policy = retry or RetryPolicy()
        http = _async_http(
            credentials, timeout=timeout, policy=policy, headers=headers, verify=verify, transport=transport
        )
        try:
            known = known or await adetect_flavor(site, http)
            return cls(
                url,
                auth=credentials,
                flavor=known,
                retry=policy,
                validate=validate,
                deviations_file=deviations_file,
                _http=http,
            )
        except BaseException:
            await http.aclose()
            raise

    @property
    def generated(self) -> Any:
        """The flavor's generated `Client`, for operations the facade does not wrap (use its `asyncio` functions)."""
        return self._caller.session.generated

    @property
    def http(self) -> httpx.AsyncClient:
        return self._http

    async def info(self) -> models.Info:
        """The JSM version and licence state of the site."""
        return await self._caller.run(Plan[models.Info]("GET", INFO))

    async def _site_info(self) -> dict[str, Any] | None:
        """`/servicedeskapi/info` as JSON, or None when the site will not say (for the version deviations carry)."""
        try:
            answer = (await self._http.get(_info_url(self.site, self.flavor))).json()
        except (JsmError, httpx.HTTPError, ValueError):
            return None
        return answer if isinstance(answer, dict) else None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def _async_http(
    auth: httpx.Auth | None,
    *,
    timeout: httpx.Timeout | float | None,
    policy: RetryPolicy,
    headers: Mapping[str, str] | None,
    verify: bool | str,
    transport: httpx.AsyncBaseTransport | None,
) -> httpx.AsyncClient:
    inner = transport or httpx.AsyncHTTPTransport(verify=verify)
    return AsyncSiteClient(
        auth=auth,
        headers={"User-Agent": user_agent(), **(headers or {})},
        timeout=timeout,
        transport=AsyncRetryingTransport(inner, policy),
        follow_redirects=True,
    )
