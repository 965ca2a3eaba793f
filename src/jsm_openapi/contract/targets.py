"""Where a contract run sends its requests, and the lifecycle of that place: the mock, Prism, or a live site.

`open_target(settings, project, stack)` starts what needs starting (the mock on a free loopback port, Prism on the
patched document) and registers its stop on `stack`, so it stops whatever happens to the run.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from jsm.flavor import Flavor, flavor_from_url

from ..errors import ServerError
from ..project import Project
from .credentials import Credentials, credentials_from_env
from .settings import ContractSettings, TargetKind


@dataclass(frozen=True)
class Caller:
    """Someone the run may send a request as: a role, its credentials, and how request bodies name them."""

    role: str  # admin, agent or customer
    credentials: Credentials
    ref: str  # accountId (Cloud) or username (Server)


@dataclass
class Target:
    """A reachable JSM (or stand-in) of one flavor, with the credentials the run uses."""

    kind: TargetKind
    flavor: str
    root_url: str  # where `/rest/...` lives (the site, the mock); for Prism, its root
    api_base: str  # the base URL the patched document's paths (and the generated client) hang from
    credentials: Credentials
    description: str
    mock: Any = None  # the RunningMock when kind is mock (faults, defects, journal)
    # Who else the run may send as, by role (the mock's seeded admin, agent and customer); a live site has only
    # `credentials`, so an operation that needs another role is sent with those.
    callers: dict[str, Caller] = field(default_factory=dict)

    @property
    def base_path(self) -> str:
        return urlsplit(self.api_base).path.rstrip("/")

    @property
    def servicedesk_base(self) -> str:
        """The URL `/servicedeskapi` paths hang from (the document's prefix: Cloud's carry `/rest`)."""
        prefix = "/rest/servicedeskapi" if self.flavor == "cloud" else "/servicedeskapi"
        return f"{self.api_base}{prefix}"


def api_base_for(kind: TargetKind, flavor: str, root_url: str) -> str:
    """Cloud's paths carry `/rest`; Server's hang from `<site>/rest`. Prism ignores the servers' path."""
    root = root_url.rstrip("/")
    if kind is TargetKind.prism or flavor == "cloud":
        return root
    return f"{root}/rest"


def open_target(settings: ContractSettings, project: Project, stack: ExitStack) -> Target:
    if settings.target is TargetKind.mock:
        return _open_mock(settings, stack)
    if settings.target is TargetKind.prism:
        return _open_prism(settings, project, stack)
    return _open_live(settings)


def _open_mock(settings: ContractSettings, stack: ExitStack) -> Target:
    from ..mock import run_mock
    from ..mock.config import parse_defects

    assert settings.flavor is not None
    defects = set(parse_defects(list(settings.defects)))
    mock = stack.enter_context(run_mock(settings.flavor, defects=defects, record=True))
    admin = mock.admin
    credentials = Credentials.basic(admin.login, admin.password, "the mock's seeded admin")
    callers = {
        role: Caller(role, Credentials.basic(user.login, user.password, f"the mock's seeded {role}"), user.ref)
        for role, user in mock.users.items()
    }
    description = f"the project's mock JSM ({settings.flavor}) at {mock.base_url}"
    if defects:
        description += f" with deliberate defects: {', '.join(sorted(defects))}"
    return Target(
        TargetKind.mock,
        settings.flavor,
        mock.base_url,
        api_base_for(TargetKind.mock, settings.flavor, mock.base_url),
        credentials,
        description,
        mock=mock,
        callers=callers,
    )


def _open_prism(settings: ContractSettings, project: Project, stack: ExitStack) -> Target:
    from .. import prism

    assert settings.flavor is not None
    # Prism restarts when its document changes: it serves a snapshot, so a rebuild during the run cannot disturb it.
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="jsm-contract-")))
    document = folder / f"{settings.flavor}.openapi.json"
    shutil.copyfile(project.patched_document(settings.flavor), document)
    server = stack.enter_context(prism.running_prism(project, document))
    root = server.base_url
    # Prism only checks that credentials of the right scheme are present.
    credentials = (
        Credentials.bearer("prism-token", "a placeholder for Prism")
        if settings.flavor == "cloud"
        else Credentials.basic("prism", "prism-password", "a placeholder for Prism")
    )
    return Target(
        TargetKind.prism,
        settings.flavor,
        root,
        api_base_for(TargetKind.prism, settings.flavor, root),
        credentials,
        f"Prism on build/patched/{settings.flavor}.openapi.json at {root}",
    )


def _open_live(settings: ContractSettings) -> Target:
    assert settings.base_url is not None
    credentials = credentials_from_env(settings.env)
    flavor = settings.flavor
    return Target(
        TargetKind.live,
        flavor or "",
        settings.base_url,
        api_base_for(TargetKind.live, flavor, settings.base_url) if flavor else settings.base_url,
        credentials,
        f"the live site {settings.base_url} ({credentials.describe()})",
    )


def detect_flavor(root_url: str, session: requests.Session) -> str:
    """Cloud or Server/DC, from `/rest/api/2/serverInfo`'s deploymentType, else from the host name."""
    url = f"{root_url.rstrip('/')}/rest/api/2/serverInfo"
    try:
        response = session.get(url, timeout=30)
    except requests.RequestException as exc:
        raise ServerError(
            f"cannot reach {root_url} to detect its flavor: {type(exc).__name__}",
            hint="check JSM_BASE_URL and the network, or give --flavor",
        ) from exc
    info: Any = None
    if response.ok:
        try:
            info = response.json()
        except ValueError:
            info = None
    deployment = str(info.get("deploymentType") or "").lower() if isinstance(info, dict) else ""
    if deployment == "cloud":
        return "cloud"
    if deployment in ("server", "datacenter"):
        return "server"
    if flavor_from_url(root_url) is Flavor.CLOUD:
        return "cloud"
    if response.status_code in (401, 403):
        raise ServerError(
            f"{url} answered {response.status_code}: the credentials were refused, so the flavor is unknown",
            hint="check the credentials, or give --flavor server|cloud",
        )
    return "server"


def settle_live_flavor(target: Target, flavor: str) -> None:
    """Fix a live target's flavor once detected (its API base depends on it)."""
    target.flavor = flavor
    target.api_base = api_base_for(TargetKind.live, flavor, target.root_url)
