"""`mock`: run the stateful mock JSM instance (Server or Cloud flavor) on uvicorn until interrupted."""

from __future__ import annotations

import argparse

from .app import command, err, file_path, out

MOCK_FLAVORS = ("server", "cloud")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not in the range 0 to 65535")
    return port


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command(commands, "mock", mock)
    parser.add_argument("--flavor", "-f", choices=MOCK_FLAVORS, required=True, help="Which product to behave like.")
    parser.add_argument("--port", type=_port, default=8080, help="Port to listen on (0: any free port).")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="Address to listen on; beyond loopback (e.g. 0.0.0.0) /_mock needs the printed admin token.",
    )
    parser.add_argument("--seed", type=file_path, help="Seed fixture (YAML); default: the bundled seed/default.yaml.")
    parser.add_argument(
        "--db", type=file_path, help="SQLite file to keep state in (survives a restart); default: in memory."
    )
    parser.add_argument(
        "--fault",
        action="append",
        help="Inject faults: 429=0.2, 503=0.05, latency=50ms, retry-after=2, seed=7 (repeatable).",
    )
    parser.add_argument(
        "--defect",
        action="append",
        help="Deliberate contract break, e.g. customer-fullname (repeatable; see README).",
    )


def mock(args: argparse.Namespace) -> None:
    """Run a mock JSM over HTTP with JSM's semantics: auth, paging, errors, experimental opt-in, state.

    Prints its base URL and the seeded credentials, then serves until Ctrl-C. Faults and defects can also be
    changed while it runs: PUT /_mock/faults {"rate_limit": 1.0} and PUT /_mock/defects ["customer-fullname"].
    """
    import uvicorn

    from ..mock.app import create_app, open_state
    from ..mock.config import DEFAULT_SEED, Faults, MockConfig, parse_defects, parse_fault_option
    from ..mock.control import is_loopback, new_admin_token
    from ..mock.runner import bind_socket, seeded_credentials, uvicorn_config

    flavor, host, port, seed, db, fault, defect = (
        args.flavor, args.host, args.port, args.seed, args.db, args.fault, args.defect
    )  # fmt: skip
    faults = Faults()
    for text in fault or []:
        parse_fault_option(text, faults)
    config = MockConfig(
        flavor=flavor,
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
    client_base = base_url if flavor == "cloud" else f"{base_url}/rest"
    out.print(f"mock JSM ({flavor}) at {base_url}  (generated client base URL: {client_base})")
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
