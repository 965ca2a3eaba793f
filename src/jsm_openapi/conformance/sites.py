"""The sites file (`conformance.toml`): which JSM sites the nightly conformance run checks, and how.

    [defaults]                      # optional; every site may override these
    examples = 5                    # generated examples per operation
    budget = 2000                   # most requests per night and site
    rate = 5                        # most requests per second to the site
    shards = 1                      # jobs the workflow splits the site into

    [[site]]
    name = "acme-cloud"             # lower case, digits and '-' (used in file and job names)
    base_url = "https://acme.atlassian.net"   # or base_url_env = "ACME_URL": the variable holding it
    flavor = "cloud"                # "server", "cloud" or "detect" (the default)
    credentials = { user = "ACME_CLOUD_USER", api_token = "ACME_CLOUD_API_TOKEN" }
    sandbox_service_desk = "SBX"    # writes go there; without it the site is read-only (GET only)
    environment = "acme-cloud"      # the GitHub environment holding its secrets (default: the name)
    observed = ["observed/acme-cloud.jsonl"]   # deviation files from the facade (validate="warn"), from this file

    [[site]]
    name = "demo-dc"
    target = "mock"                 # the project's mock JSM instead of a live site (no URL, no credentials)
    flavor = "server"
    defects = ["integer-ids"]       # the mock's deliberate defects

Credentials are the *names* of environment variables (upper case), never their values: `user` with `api_token`
(Cloud) or `password` (Server/DC), or `pat` (a DC personal access token), or `oauth_token`. Every mistake is an
InputError naming the file, the site and the key; a value that is not a variable name is refused without being
repeated (it may be a secret pasted by mistake).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..contract.shard import MAX_SHARDS
from ..errors import InputError
from .model import SITE_NAME

NAME = SITE_NAME

TARGETS = ("live", "mock")
FLAVOR_CHOICES = ("server", "cloud", "detect")
CREDENTIAL_ROLES = {  # role in the sites file → the contract suite's variable
    "user": "JSM_USER",
    "api_token": "JSM_API_TOKEN",
    "password": "JSM_PASSWORD",
    "pat": "JSM_PAT",
    "oauth_token": "JSM_OAUTH_TOKEN",
}
SCHEMES = ({"user", "api_token"}, {"user", "password"}, {"pat"}, {"oauth_token"})
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,99}$")
ENVIRONMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DEFAULT_EXAMPLES, DEFAULT_BUDGET, DEFAULT_RATE, DEFAULT_SHARDS = 5, 2000, 5.0, 1
DEFAULTS: dict[str, float] = {
    "examples": DEFAULT_EXAMPLES,
    "budget": DEFAULT_BUDGET,
    "rate": DEFAULT_RATE,
    "shards": DEFAULT_SHARDS,
}
_SITE_KEYS = {
    "name",
    "target",
    "base_url",
    "base_url_env",
    "flavor",
    "credentials",
    "sandbox_service_desk",
    "environment",
    "observed",
    "defects",
    "operations",
    *DEFAULTS,
}
_TOP_KEYS = {"defaults", "site"}
MAX_SITES = 100
MAX_JOBS = 256  # GitHub Actions' limit of jobs in one matrix


@dataclass(frozen=True)
class Site:
    """One site of the sites file, validated."""

    name: str
    target: str = "live"
    base_url: str | None = None
    base_url_env: str | None = None  # the variable holding the URL, for a site whose address is kept secret
    flavor: str = "detect"
    credentials: Mapping[str, str] = field(default_factory=dict)  # role → environment variable name
    sandbox_service_desk: str | None = None
    environment: str = ""
    observed: tuple[Path, ...] = ()
    defects: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()
    examples: int = DEFAULT_EXAMPLES
    budget: int = DEFAULT_BUDGET
    rate: float = DEFAULT_RATE
    shards: int = DEFAULT_SHARDS

    @property
    def access(self) -> str:
        """How the run may touch the site, in words."""
        if self.target == "mock":
            return "mock (every operation)"
        return f"writes in sandbox desk {self.sandbox_service_desk}" if self.sandbox_service_desk else "read-only"

    @property
    def where(self) -> str:
        if self.base_url_env:
            return f"the URL in ${self.base_url_env}"
        return self.base_url or f"the project's mock ({self.flavor})"

    @property
    def secret_names(self) -> list[str]:
        """Every environment variable the site's run reads (credentials, and the URL when it is kept secret)."""
        names = sorted(self.credentials.values())
        return [*names, self.base_url_env] if self.base_url_env else names

    def variables(self) -> dict[str, str]:
        """The contract suite's variable → the environment variable of this site that holds its value."""
        return {CREDENTIAL_ROLES[role]: name for role, name in self.credentials.items()}

    def describe(self) -> dict[str, Any]:
        """What reports may show about the site's configuration (no secret is in it)."""
        return {
            "name": self.name,
            "target": self.target,
            "where": self.where,
            "flavor": self.flavor,
            "access": self.access,
            "environment": self.environment,
            "examples": self.examples,
            "budget": self.budget,
            "rate": self.rate,
            "shards": self.shards,
            "defects": list(self.defects),
        }


@dataclass(frozen=True)
class SitesFile:
    path: Path
    sites: tuple[Site, ...]

    def site(self, name: str) -> Site:
        for site in self.sites:
            if site.name == name:
                return site
        raise InputError(
            f"{self.path}: no site named {name!r}", hint=f"sites in the file: {', '.join(self.names) or 'none'}"
        )

    @property
    def names(self) -> list[str]:
        return [site.name for site in self.sites]

    def select(self, names: list[str] | None) -> list[Site]:
        """The named sites (in the file's order), or all of them."""
        if not names:
            return list(self.sites)
        wanted = [self.site(name) for name in names]  # raises on an unknown name
        return [site for site in self.sites if site in wanted]


def load_sites(path: Path) -> SitesFile:
    """Read and validate a sites file; every problem is an InputError naming the file and the place."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"sites file {path} does not exist", hint="give --sites PATH (see README, Nightly)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"sites file {path} cannot be read: {exc}", hint="give a readable UTF-8 TOML file") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML: {exc}", hint="fix the syntax at the place named") from None
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise InputError(
            f"{path}: unknown top-level key {unknown[0]!r}", hint="the file holds [defaults] and [[site]] tables"
        )
    defaults = _defaults(path, data.get("defaults", {}))
    entries = data.get("site", [])
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{path}: no [[site]] table", hint="list each site in a [[site]] table with name, base_url …")
    if len(entries) > MAX_SITES:
        raise InputError(f"{path}: {len(entries)} sites, more than {MAX_SITES}", hint="split the file")
    sites = []
    for number, entry in enumerate(entries, start=1):
        sites.append(_site(path, number, entry, defaults))
    seen: dict[str, int] = {}
    for number, site in enumerate(sites, start=1):
        if site.name in seen:
            raise InputError(
                f"{path}: [[site]] #{number}: the name {site.name!r} is already used by [[site]] #{seen[site.name]}",
                hint="give every site its own name",
            )
        seen[site.name] = number
    jobs = sum(site.shards for site in sites)
    if jobs > MAX_JOBS:
        raise InputError(f"{path}: the sites' shards add up to {jobs} jobs", hint=f"GitHub runs at most {MAX_JOBS}")
    return SitesFile(path, tuple(sites))


def _defaults(path: Path, table: Any) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise InputError(f"{path}: [defaults] is not a table", hint="e.g. [defaults] then budget = 2000")
    unknown = sorted(set(table) - set(DEFAULTS))
    if unknown:
        raise InputError(f"{path}: [defaults]: unknown key {unknown[0]!r}", hint=f"known keys: {', '.join(DEFAULTS)}")
    merged = dict(DEFAULTS)
    for key, value in table.items():
        merged[key] = _limit(f"{path}: [defaults]", key, value)
    return merged


def _limit(where: str, key: str, value: Any) -> Any:
    """examples, budget, shards: whole numbers in range; rate: a positive number of requests per second."""
    if key == "rate":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 10_000:
            raise InputError(f"{where}: rate must be a number of requests per second above 0", hint="e.g. rate = 5")
        return float(value)
    bounds = {"examples": (1, 10_000), "budget": (1, 10_000_000), "shards": (1, MAX_SHARDS)}[key]
    if isinstance(value, bool) or not isinstance(value, int) or not bounds[0] <= value <= bounds[1]:
        raise InputError(
            f"{where}: {key} must be a whole number from {bounds[0]} to {bounds[1]}", hint=f"e.g. {key} = {bounds[0]}"
        )
    return value


def _site(path: Path, number: int, entry: Any, defaults: dict[str, Any]) -> Site:
    where = f"{path}: [[site]] #{number}"
    if not isinstance(entry, dict):
        raise InputError(f"{where} is not a table", hint="each [[site]] holds name, base_url, flavor, credentials …")
    name = entry.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise InputError(
            f"{where}: name must be 1-40 lower-case letters, digits and '-' (not at the ends)",
            hint='e.g. name = "acme-cloud"',
        )
    where = f"{where} ({name})"
    unknown = sorted(set(entry) - _SITE_KEYS)
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r}", hint=f"known keys: {', '.join(sorted(_SITE_KEYS))}")
    target = entry.get("target", "live")
    if target not in TARGETS:
        raise InputError(f"{where}: target must be one of {', '.join(TARGETS)}", hint='e.g. target = "live"')
    flavor = entry.get("flavor", "detect")
    if flavor not in FLAVOR_CHOICES:
        raise InputError(f"{where}: flavor must be one of {', '.join(FLAVOR_CHOICES)}", hint='e.g. flavor = "cloud"')
    limits = {key: _limit(where, key, entry[key]) if key in entry else defaults[key] for key in DEFAULTS}
    environment = entry.get("environment", name)
    if not isinstance(environment, str) or not ENVIRONMENT.match(environment):
        raise InputError(
            f"{where}: environment must be a GitHub environment name (letters, digits, '.', '_', '-')",
            hint=f'e.g. environment = "{name}"',
        )
    operations = _strings(where, "operations", entry.get("operations", []))
    observed = tuple((path.parent / item) for item in _strings(where, "observed", entry.get("observed", [])))
    common = {"name": name, "environment": environment, "operations": operations, "observed": observed, **limits}
    if target == "mock":
        for key in ("base_url", "base_url_env", "credentials", "sandbox_service_desk"):
            if key in entry:
                raise InputError(f"{where}: {key} does not apply to a mock site", hint="remove it, or use target live")
        if flavor == "detect":
            raise InputError(f"{where}: a mock site needs flavor server or cloud", hint='e.g. flavor = "server"')
        defects = _strings(where, "defects", entry.get("defects", []))
        _check_defects(where, defects)
        return Site(target="mock", flavor=flavor, defects=defects, **common)
    if "defects" in entry:
        raise InputError(f"{where}: defects apply only to mock sites", hint="remove defects, or use target mock")
    if ("base_url" in entry) == ("base_url_env" in entry):
        raise InputError(
            f"{where}: give base_url, or base_url_env (the variable that holds it), not both",
            hint='e.g. base_url = "https://acme.atlassian.net"',
        )
    base_url_env = entry.get("base_url_env")
    if base_url_env is not None and (not isinstance(base_url_env, str) or not ENV_NAME.match(base_url_env)):
        raise InputError(
            f"{where}: base_url_env must be the name of an environment variable (upper-case letters, digits, '_')",
            hint='e.g. base_url_env = "JSM_BASE_URL"',
        )
    return Site(
        target="live",
        base_url=_base_url(where, entry["base_url"]) if "base_url" in entry else None,
        base_url_env=base_url_env,
        flavor=flavor,
        credentials=_credentials(where, entry.get("credentials")),
        sandbox_service_desk=_sandbox(where, entry.get("sandbox_service_desk")),
        **common,
    )


def _strings(where: str, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(f"{where}: {key} must be a list of non-empty strings", hint=f'e.g. {key} = ["…"]')
    return tuple(v.strip() for v in value)


def _check_defects(where: str, defects: tuple[str, ...]) -> None:
    try:
        from ..mock.config import parse_defects
    except ImportError:  # the mock is not installed here (the merge job): the run that starts it checks the names
        return
    try:
        parse_defects(list(defects))
    except InputError as exc:
        raise InputError(f"{where}: defects: {exc.message}", hint=exc.hint) from None


def _base_url(where: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: base_url is missing", hint='e.g. base_url = "https://acme.atlassian.net"')
    url = value.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise InputError(f"{where}: base_url is not a URL", hint="e.g. https://acme.atlassian.net") from None
    if parts.username is not None or parts.password is not None:  # not repeated: it holds a secret
        raise InputError(
            f"{where}: base_url carries credentials (user:secret@host)",
            hint="give the bare site URL; credentials go in environment variables named under credentials",
        )
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        raise InputError(
            f"{where}: base_url must be an http(s) URL of the site, without query or fragment",
            hint="e.g. https://acme.atlassian.net or https://jira.example.com/jira",
        )
    return url


def _credentials(where: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise InputError(
            f"{where}: credentials is missing",
            hint='name the environment variables, e.g. credentials = { user = "ACME_USER", api_token = "ACME_TOKEN" }',
        )
    unknown = sorted(set(value) - set(CREDENTIAL_ROLES))
    if unknown:
        raise InputError(
            f"{where}: credentials.{unknown[0][:40]} is not a credential role",
            hint=f"roles: {', '.join(CREDENTIAL_ROLES)}",
        )
    for role, name in value.items():
        if not isinstance(name, str) or not ENV_NAME.match(name):
            raise InputError(  # the value is not repeated: it may be a secret pasted by mistake
                f"{where}: credentials.{role} must be the name of an environment variable (upper-case letters, "
                "digits and '_'), not a value",
                hint=f'e.g. {role} = "{name_hint(where, role)}"; never put a secret in the sites file',
            )
    if set(value) not in SCHEMES:
        raise InputError(
            f"{where}: credentials must be user + api_token, user + password, pat, or oauth_token "
            f"(got {' + '.join(sorted(value))})",
            hint="Cloud: user + api_token; Server/DC: user + password, or pat",
        )
    return dict(value)


def name_hint(where: str, role: str) -> str:
    site = where.rsplit("(", 1)[-1].rstrip(")") if "(" in where else "SITE"
    return f"{re.sub(r'[^A-Z0-9]', '_', site.upper())}_{role.upper()}"


def _sandbox(where: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.match(r"^[A-Za-z0-9_-]{1,64}$", value):
        raise InputError(
            f"{where}: sandbox_service_desk must be a service desk id or project key",
            hint='e.g. sandbox_service_desk = "SBX"',
        )
    return value
