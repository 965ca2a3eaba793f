"""Start a mock JSM on a free loopback port, wait until it answers, hand back what a client needs, stop it cleanly.

    from jsm_openapi.mock import run_mock

    with run_mock("cloud") as mock:
        mock.base_url            # http://127.0.0.1:PORT (the site root, like https://your-domain.atlassian.net)
        mock.client_base_url     # what a generated client takes: the site root on Cloud, root + /rest on Server
        mock.admin.basic         # ("admin@example.com", "...") on Cloud, ("admin", "...") on Server
        mock.customer.bearer_headers
        mock.faults.update(rate_limit=1.0)   # a 429 storm, from now on
        mock.defects.add(Defect.CUSTOMER_FULLNAME)

Uvicorn runs in a background thread of this process, not a subprocess: it is up in well under a second, a test can
flip faults and defects on the running object and read its journal directly, the socket is bound before the server
starts (no race for the port), and nothing outlives the test process. A benchmark that wants the mock on its own
core runs the CLI (`jsm-openapi mock`) as a subprocess instead.
"""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn

from ..errors import InputError, ServerError
from .app import MockState, create_app, open_state
from .config import DEFAULT_SEED, Defect, Faults, MockConfig
from .control import is_loopback, new_admin_token
from .journal import Journal
from .model import User

START_TIMEOUT = 15.0
ROLES = ("admin", "agent", "customer")


@dataclass(frozen=True)
class Credentials:
    """A seeded user's identity and secrets (kept out of repr)."""

    role: str
    flavor: str
    display_name: str
    email: str
    username: str  # Server: the login name; Cloud: the accountId
    key: str
    account_id: str | None
    login: str  # what basic auth takes as user: Server username, Cloud email
    password: str = field(repr=False)
    token: str = field(repr=False)

    @property
    def basic(self) -> tuple[str, str]:
        return (self.login, self.password)

    @property
    def basic_headers(self) -> dict[str, str]:
        raw = base64.b64encode(f"{self.login}:{self.password}".encode()).decode()
        return {"Authorization": f"Basic {raw}"}

    @property
    def bearer_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def ref(self) -> str:
        """How request bodies name this user: accountId on Cloud, username on Server."""
        return self.account_id if self.flavor == "cloud" and self.account_id else self.username


@dataclass
class RunningMock:
    flavor: str
    base_url: str
    users: dict[str, Credentials]
    state: MockState = field(repr=False)
    admin_token: str | None = field(default=None, repr=False)  # for /_mock when it listens beyond loopback

    @property
    def control_headers(self) -> dict[str, str]:
        """What a `/_mock` call needs (nothing on loopback)."""
        return {"Authorization": f"Bearer {self.admin_token}"} if self.admin_token else {}

    @property
    def client_base_url(self) -> str:
        """The base URL a generated client takes (the documents' servers: Cloud the site, Server the site + /rest)."""
        return self.base_url if self.flavor == "cloud" else f"{self.base_url}/rest"

    def _role(self, role: str) -> Credentials:
        if role not in self.users:
            raise InputError(
                f"the mock's seed has no active {role} with both a password and a token",
                hint=f"give one {role} user `password` and `token` in the seed file",
            )
        return self.users[role]

    @property
    def admin(self) -> Credentials:
        return self._role("admin")

    @property
    def agent(self) -> Credentials:
        return self._role("agent")

    @property
    def customer(self) -> Credentials:
        return self._role("customer")

    @property
    def faults(self) -> Faults:
        """Live fault settings: `mock.faults.update(rate_limit=1.0)` takes effect on the next request."""
        return self.state.faults

    @property
    def defects(self) -> set[Defect]:
        """Live deliberate defects: add or discard a `Defect` to change answers from the next request."""
        return self.state.defects

    @property
    def journal(self) -> Journal:
        """Every API exchange, when started with `record=True`."""
        return self.state.journal


def seeded_credentials(state: MockState) -> dict[str, Credentials]:
    """The first active user of each role that has both a password and a token."""
    with state.store.transaction() as tx:
        users = tx.all(User)
    found: dict[str, Credentials] = {}
    for user in users:
        if user.role in found or not user.active or not user.password or not user.token:
            continue
        found[user.role] = Credentials(
            role=user.role,
            flavor=state.config.flavor,
            display_name=user.display_name,
            email=user.email,
            username=user.username,
            key=user.key,
            account_id=user.account_id,
            login=user.email if state.config.flavor == "cloud" else user.username,
            password=user.password,
            token=user.token,
        )
    return found


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket (port 0: a free one), handed to uvicorn so no one can take the port in between."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit TCP_NODELAY: without it a response split in two writes waits out delayed ACKs
    # (about 40 ms a request on loopback).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServerError(
            f"cannot listen on {host}:{port}: {exc.strerror}", hint="choose another --port, or 0 for any"
        ) from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


GRACEFUL_SHUTDOWN = 5  # seconds in-flight requests get after SIGTERM / Ctrl-C (a faulted one may wait a minute)


def uvicorn_config(app: object) -> uvicorn.Config:
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=30,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
    )


@contextmanager
def run_mock(
    flavor: str,
    *,
    seed: Path | None = None,
    db: Path | None = None,
    faults: Faults | None = None,
    defects: set[Defect] | frozenset[Defect] = frozenset(),
    record: bool = False,
    host: str = "127.0.0.1",
) -> Iterator[RunningMock]:
    """Run a mock of `flavor` ("server" or "cloud") for the duration of the `with` block. Beyond loopback (`host`),
    `/_mock` needs the admin token (`RunningMock.admin_token`, `control_headers`)."""
    config = MockConfig(
        flavor=flavor,
        seed=seed or DEFAULT_SEED,
        db=db,
        faults=faults or Faults(),
        defects=set(defects),
        record=record,
        admin_token=None if is_loopback(host) else new_admin_token(),
    )
    store = open_state(config)
    app = create_app(config, store)
    state: MockState = app.state.mock
    sock = bind_socket(host)
    server = uvicorn.Server(uvicorn_config(app))
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # surfaced to the caller below
            failure.append(exc)

    thread = threading.Thread(target=serve, name=f"jsm-mock-{flavor}", daemon=True)
    thread.start()
    port = sock.getsockname()[1]
    base_url = f"http://{host}:{port}"
    try:
        running = RunningMock(flavor, base_url, seeded_credentials(state), state, config.admin_token)
        _wait_until_ready(server, thread, failure, base_url, running.control_headers)
        yield running
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        store.close()


def _wait_until_ready(
    server: uvicorn.Server,
    thread: threading.Thread,
    failure: list[BaseException],
    base_url: str,
    headers: dict[str, str],
) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if failure or not thread.is_alive():
            raise ServerError(
                f"the mock at {base_url} stopped while starting: {failure[0] if failure else 'no reason given'}"
            )
        if time.monotonic() > deadline:
            raise ServerError(f"the mock at {base_url} did not start within {START_TIMEOUT:.0f}s")
        time.sleep(0.01)
    try:
        httpx.get(f"{base_url}/_mock/health", headers=headers, timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        raise ServerError(f"the mock at {base_url} started but does not answer: {exc}") from exc
