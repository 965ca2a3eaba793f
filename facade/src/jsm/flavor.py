"""Server/DC or Cloud: what differs between the two for the facade, and how to tell which one a site is.

The display-name field is the one the patched documents mark `x-jsm-concept: customer.display-name`
(Server `fullName`, Cloud `displayName`; a test holds these traits to the documents).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

import httpx

from .errors import ConfigurationError, FlavorDetectionError

CLOUD_HOST_SUFFIXES = (".atlassian.net", ".jira.com", ".jira-dev.com")
CLOUD_PLATFORM_PREFIX = "1001."
"""Jira Cloud reports platform version 1001.0.0-SNAPSHOT; Server/DC reports its release (e.g. 10.3.4)."""


class Flavor(StrEnum):
    SERVER = "server"
    CLOUD = "cloud"

    @classmethod
    def parse(cls, value: str | Flavor) -> Flavor:
        try:
            return cls(str(value).lower())
        except ValueError:
            raise ConfigurationError(
                f"unknown flavor {value!r}: use 'server' (Server/Data Center) or 'cloud'"
            ) from None


@dataclass(frozen=True)
class Traits:
    """Everything the facade does differently per flavor."""

    flavor: Flavor
    package: str
    rest_prefix: str
    """What the generated package's paths start with, before `/servicedeskapi`."""
    base_suffix: str
    """What the generated client's base URL adds to the site URL."""
    display_name_field: str
    user_id_field: str
    """The JSON field naming a user in lists and bodies: `name` (username) on Server, `accountId` on Cloud."""
    users_field: str
    """The body field listing users: `usernames` on Server, `accountIds` on Cloud."""

    def api_path(self, path: str) -> str:
        """A flavor-neutral path (`/servicedeskapi/...`) as the generated package writes it."""
        return self.rest_prefix + path


TRAITS = {
    Flavor.SERVER: Traits(
        flavor=Flavor.SERVER,
        package="jsm_server",
        rest_prefix="",
        base_suffix="/rest",
        display_name_field="fullName",
        user_id_field="name",
        users_field="usernames",
    ),
    Flavor.CLOUD: Traits(
        flavor=Flavor.CLOUD,
        package="jsm_cloud",
        rest_prefix="/rest",
        base_suffix="",
        display_name_field="displayName",
        user_id_field="accountId",
        users_field="accountIds",
    ),
}


def flavor_from_url(url: str) -> Flavor | None:
    """Cloud when the host is an Atlassian Cloud host (or the OAuth gateway); None when the URL cannot tell."""
    host = (urlsplit(url).hostname or "").lower()
    if host.endswith(CLOUD_HOST_SUFFIXES) or host == "api.atlassian.com":
        return Flavor.CLOUD
    return None


def flavor_from_info(info: dict[str, object]) -> Flavor:
    """Which flavor a `/rest/servicedeskapi/info` answer comes from."""
    platform = str(info.get("platformVersion") or "")
    links = info.get("_links")
    self_link = str(links.get("self") or "") if isinstance(links, dict) else ""
    if platform.startswith(CLOUD_PLATFORM_PREFIX) or flavor_from_url(self_link) is Flavor.CLOUD:
        return Flavor.CLOUD
    return Flavor.SERVER


def detect_flavor(site: str, http: httpx.Client) -> Flavor:
    """The flavor of `site`: from its host name, else from `GET {site}/rest/servicedeskapi/info`."""
    known = flavor_from_url(site)
    if known is not None:
        return known
    url = _info_url(site)
    try:
        response = http.get(url)
    except httpx.HTTPError as exc:
        raise _unreachable(site, url, exc) from exc
    return _flavor_from_answer(site, url, response)


async def adetect_flavor(site: str, http: httpx.AsyncClient) -> Flavor:
    """`detect_flavor` for an async client."""
    known = flavor_from_url(site)
    if known is not None:
        return known
    url = _info_url(site)
    try:
        response = await http.get(url)
    except httpx.HTTPError as exc:
        raise _unreachable(site, url, exc) from exc
    return _flavor_from_answer(site, url, response)


def _info_url(site: str) -> str:
    return site.rstrip("/") + "/rest/servicedeskapi/info"


def _unreachable(site: str, url: str, exc: httpx.HTTPError) -> FlavorDetectionError:
    return FlavorDetectionError(
        f"cannot tell the flavor of {site}: GET {url} failed ({type(exc).__name__}); pass flavor='server' or "
        "flavor='cloud'"
    )


def _flavor_from_answer(site: str, url: str, response: httpx.Response) -> Flavor:
    try:
        info = json.loads(response.content) if response.status_code == 200 else None
    except ValueError:
        info = None
    if not isinstance(info, dict):
        raise FlavorDetectionError(
            f"cannot tell the flavor of {site}: GET {url} answered {response.status_code} "
            f"{response.headers.get('Content-Type', '')} instead of JSM's info; is this a Jira site with JSM? "
            "Pass flavor='server' or flavor='cloud' to skip detection"
        )
    return flavor_from_info(info)
