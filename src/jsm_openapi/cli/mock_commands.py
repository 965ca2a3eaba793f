"""`mock`: run the stateful mock JSM instance (Server or Cloud flavor) on uvicorn until interrupted."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .app import app, err, out


class MockFlavor(StrEnum):
    server = "server"
    cloud = "cloud"


@app.command()
def mock(  # noqa: PLR0917 - a command's options
    flavor: Annotated[MockFlavor, typer.Option("--flavor", "-f", help="Which product to behave like.")],
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).", min=0, max=65535)] = 8080,
    host: Annotated[
        str,
        typer.Option(help="Address to listen on; beyond loopback (e.g. 0.0.0.0) /_mock needs the printed admin token."),
    ] = "127.0.0.1",
    seed: Annotated[
        Path | None, typer.Option(help="Seed fixture (YAML); default: the bundled seed/default.yaml.", dir_okay=False)
    ] = None,
    db: Annotated[
        Path | None,
        typer.Option(help="SQLite file to keep state in (survives a restart); default: in memory.", dir_okay=False),
    ] = None,
    fault: Annotated[
        list[str] | None,
        typer.Option(help="Inject faults: 429=0.2, 503=0.05, latency=50ms, retry-after=2, seed=7 (repeatable)."),
    ] = None,
    defect: Annotated[
        list[str] | None,
        typer.Option(help="Deliberate contract break, e.g. customer-fullname (repeatable; see README)."),
    ] = None,
) -> None:
    """Run a mock JSM over HTTP with JSM's semantics: auth, paging, errors, experimental opt-in, state.

    Prints its base URL and the seeded credentials, then serves until Ctrl-C. Faults and defects can also be
    changed while it runs: PUT /_mock/faults {"rate_limit": 1.0} and PUT /_mock/defects ["customer-fullname"].
    """
    import uvicorn

    from ..mock.app import create_app, open_state
    from ..mock.config import DEFAULT_SEED, Faults, MockConfig, parse_defects, parse_fault_option
    from ..mock.control import is_loopback, new_admin_token
    from ..mock.runner import bind_socket, seeded_credentials, uvicorn_config

    faults = Faults()
    for text in fault or []:
        parse_fault_option(text, faults)
    config = MockConfig(
        flavor=flavor.value,
        seed=seed or DEFAULT_SEED,
        db=db,
        faults=faults,
        defects=set(parse_defects(defect or [])),
        admin_token=None if is_loopback(host) else new_admin_token(),
    )
    store = open_state(config)
    application = create_app(config, store)
    sock = bind_socket(host, port)
    base_url = f"http://{host}:{sock.getsockname()[1]}"
    client_base = base_url if flavor is MockFlavor.cloud else f"{base_url}/rest"
    out.print(f"mock JSM ({flavor.value}) at {base_url}  (generated client base URL: {client_base})")
    out.print(f"state: {db if db else 'in memory'}; seed: {config.seed}")
    for role, cred in seeded_credentials(application.state.mock).items():
        ident = f"accountId {cred.account_id}" if cred.account_id else f"key {cred.key}"
        out.print(f"  {role:<8} basic {cred.login}:{cred.password}  bearer {cred.token}  ({ident})")
    active = {k: v for k, v in faults.as_dict().items() if v and k != "retry_after"}
    if active or config.defects:
        out.print(f"faults: {active or 'none'}; defects: {sorted(d.value for d in config.defects) or 'none'}")
    if config.admin_token is not None:
        err.print(
            f"warning: the mock listens on {host}, beyond loopback: anyone who can reach it can use the seeded "
            "credentials printed here; listen on 127.0.0.1 unless others must reach it"
        )
        out.print(f"/_mock admin token: {config.admin_token}  (send Authorization: Bearer <token> to /_mock/...)")
    out.print("Ctrl-C to stop.")
    try:
        uvicorn.Server(uvicorn_config(application)).run(sockets=[sock])
    finally:
        sock.close()
        store.close()
