"""The contract suite's options, its run (target started before collection, stopped after everything), reports.

    pytest contract_tests                                   # the mock, Cloud flavor
    pytest contract_tests --target mock --flavor server
    pytest contract_tests --target prism --flavor cloud     # Prism on the patched document, every operation
    JSM_BASE_URL=... JSM_USER=... JSM_API_TOKEN=... pytest contract_tests --target live   # GET only
    ... --target live --allow-writes --sandbox-service-desk SBX                             # writes in a sandbox desk

Every option has an environment variable (JSM_CONTRACT_TARGET, JSM_CONTRACT_FLAVOR, JSM_CONTRACT_EXAMPLES,
JSM_CONTRACT_SEED, JSM_CONTRACT_STATEFUL_STEPS, JSM_CONTRACT_ALLOW_WRITES, JSM_SANDBOX_SERVICE_DESK,
JSM_CONTRACT_BUDGET, JSM_CONTRACT_RATE, JSM_CONTRACT_REPORTS, JSM_CONTRACT_MOCK_DEFECTS, JSM_CONTRACT_EMAIL_DOMAIN,
JSM_CONTRACT_OPERATIONS); options win. Reports go to reports/contract/. A live run with writes first sweeps what
earlier runs left behind (jsm_openapi.contract.sweep).
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from jsm_openapi.contract.guard import BudgetExhausted
from jsm_openapi.contract.report import success_line
from jsm_openapi.contract.results import Failure
from jsm_openapi.contract.run import ContractRun
from jsm_openapi.contract.settings import ContractSettings, TargetKind
from jsm_openapi.errors import JsmOpenapiError
from jsm_openapi.project import Project

RUN_KEY = pytest.StashKey[ContractRun]()
NOT_HERE_KEY = pytest.StashKey[list[str]]()
# Modules whose tests need a target that keeps state and may be written to. They are not collected on Prism
# (stateless) nor on a read-only live site, and the report header says so; against the mock they always run.
NEEDS_WRITABLE_STATE = {
    "test_create_customer.py": "the create-customer properties (echo, duplicates)",
    "test_stateful.py": "the stateful runs over links",
}
# Modules enforced on the mock only (it has what every operation needs); elsewhere the reports show the same tallies.
NEEDS_MOCK = {"test_success_answers.py": "the success-answer checks (the coverage report still counts them)"}
OPTIONS = {
    "target": "--target",
    "flavor": "--flavor",
    "examples": "--examples",
    "seed": "--seed",
    "stateful_steps": "--stateful-steps",
    "allow_writes": "--allow-writes",
    "sandbox_service_desk": "--sandbox-service-desk",
    "budget": "--budget",
    "rate": "--rate",
    "reports": "--reports",
    "defects": "--mock-defect",
    "email_domain": "--email-domain",
    "operations": "--operation",
    "shard": "--shard",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "JSM contract suite")
    group.addoption("--target", choices=("mock", "prism", "live"), help="where requests go (default: mock)")
    group.addoption("--flavor", choices=("server", "cloud"), help="which patched document (live: detected)")
    group.addoption("--examples", help="generated examples per operation (mock 10, prism 3, live 5)")
    group.addoption("--seed", help="seed for every generated example (a failing run's report names it)")
    group.addoption(
        "--stateful-steps", help="most steps per stateful scenario (default: twice --examples, at least 20)"
    )
    group.addoption(
        "--allow-writes", action="store_const", const=True, help="live: also send writes (needs a sandbox desk)"
    )
    group.addoption("--sandbox-service-desk", help="live: the service desk (id or key) writes may touch")
    group.addoption("--budget", help="most requests the run may send (live default 2000)")
    group.addoption("--rate", help="most requests per second (live default 5)")
    group.addoption("--reports", help="folder for summary, coverage and JUnit reports (default reports/contract)")
    group.addoption(
        "--mock-defect", help="mock: switch on deliberate defects (comma-separated), e.g. customer-fullname"
    )
    group.addoption("--email-domain", help="domain of the tagged emails the run creates (default example.com)")
    group.addoption(
        "--operation", action="append", help="only this operation, as the report names it (repeatable): 'GET /x/{id}'"
    )
    group.addoption("--shard", help="only shard i of n of the operations in scope, e.g. 1/2 (a deterministic split)")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if config.option.help or config.option.showfixtures:
        return
    options = {name: config.getoption(flag.lstrip("-").replace("-", "_")) for name, flag in OPTIONS.items()}
    try:
        settings = ContractSettings.from_sources(options)
        run = ContractRun.open(settings, Project.discover())
    except JsmOpenapiError as exc:
        hint = f"\n  hint: {exc.hint}" if exc.hint else ""
        pytest.exit(f"contract suite: {exc.message}{hint}", returncode=int(exc.exit_code))
    config.stash[RUN_KEY] = run
    if not config.option.xmlpath:
        config.option.xmlpath = str(settings.reports / f"junit-{settings.target}-{run.target.flavor}.xml")
    config.addinivalue_line("markers", "operation(method, suffix): the operation a hand-written test exercises")


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(RUN_KEY, None)
    if run is not None:
        del config.stash[RUN_KEY]
        reports = run.close()
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None and reports:
            for path in reports.values():
                terminal.write_line(f"contract report: {path}")


def _cannot_hold_state(run: ContractRun) -> str | None:
    """Why this run's target cannot host NEEDS_WRITABLE_STATE tests, or None when it can."""
    if run.target.kind is TargetKind.prism:
        return "Prism is stateless"
    if not run.settings.writes_enabled:
        return "the live target is read-only (--allow-writes and --sandbox-service-desk enable writes)"
    return None


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    run = config.stash.get(RUN_KEY, None)
    if run is not None and collection_path.name in NEEDS_MOCK and run.target.kind is not TargetKind.mock:
        config.stash.setdefault(NOT_HERE_KEY, []).append(
            f"{NEEDS_MOCK[collection_path.name]}: enforced on the mock only"
        )
        return True
    if run is None or collection_path.name not in NEEDS_WRITABLE_STATE:
        return None
    reason = _cannot_hold_state(run)
    if reason is None:
        return None
    config.stash.setdefault(NOT_HERE_KEY, []).append(f"{NEEDS_WRITABLE_STATE[collection_path.name]}: {reason}")
    return True


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    for line in config.stash.get(NOT_HERE_KEY, []):
        terminalreporter.write_line(f"not collected here: {line}")
    run = config.stash.get(RUN_KEY, None)
    if run is not None:
        terminalreporter.write_line(f"contract {success_line(run.info(), run.results, run.exceptions)}")


def pytest_report_header(config: pytest.Config) -> list[str]:
    run = config.stash.get(RUN_KEY, None)
    if run is None:
        return []
    reason = _cannot_hold_state(run)
    not_here = [f"not collected here ({reason}): {', '.join(NEEDS_WRITABLE_STATE.values())}"] if reason else []
    return [
        f"contract target: {run.target.description}",
        *([f"contract sandbox (the only desk writes may touch): {run.sandbox.describe()}"] if run.sandbox else []),
        f"contract seed: {run.settings.seed} (replay with --seed {run.settings.seed}); "
        f"examples per operation: {run.settings.examples}",
        *not_here,
    ]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Hand-written tests first, then every operation, the stateful run, and the DELETEs (they remove the pinned
    entities the stateful run builds on; the DC organization clean-up, which removes every detached organization,
    last of them); the success-answer checks after everything.

    pytest 9.2 builds a node id from the function's original name, so schemathesis's items would all be
    `test_operation`: give each its operation back (`test_operation[POST /rest/servicedeskapi/customer]`).
    """
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and not item.nodeid.endswith("]") and isinstance(item, pytest.Function) and item.parent:
            item._id = item.parent.id.child(item.originalname).with_params(label)  # type: ignore[attr-defined]

    def order(item: pytest.Item) -> tuple[int, int]:
        label = getattr(item, "operation_label", None) or ""
        if "test_success_answers" in item.nodeid:
            return (4, 0)
        if "test_stateful" in item.nodeid:
            return (2, 0)
        if label.startswith("DELETE "):
            return (3, int(label.endswith("/organization/cleanup")))
        return (0 if label == "" else 1, 0)

    items.sort(key=order)
    run = config.stash.get(RUN_KEY, None)
    if run is not None and run.settings.shard is not None:  # `--shard i/n`: the other shards' tests go elsewhere
        mine = {op.label for op in run.scope()}
        shard = run.settings.shard
        kept = [i for i in items if (_label(i) in mine if _label(i) else shard.owns_unlabelled(i.nodeid))]
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


def _label(item: pytest.Item) -> str | None:
    label = getattr(item, "operation_label", None)
    if label:
        return str(label)
    marker = item.get_closest_marker("operation")
    run = ContractRun.current
    if marker is not None and run is not None:
        return run.label(*marker.args)
    return None


def _redacted(run: ContractRun, longrepr: Any) -> Any:
    """A report's text without secrets (a skip's (path, line, reason) tuple keeps its shape)."""
    if not longrepr:
        return longrepr
    if isinstance(longrepr, tuple):
        return (*longrepr[:-1], run.redactor.text(str(longrepr[-1])))
    return run.redactor.text(str(longrepr))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    run = ContractRun.current
    if run is None:
        return
    label = _label(item)
    if label and report.when == "call":
        item.user_properties.append(("operation", label))  # JUnit writes them with the teardown report
    report.longrepr = _redacted(run, report.longrepr)
    report.sections = [(name, run.redactor.text(text)) for name, text in report.sections]
    run.results.absorb(run.guard.journal)
    if report.when == "call" or report.failed or (report.when == "setup" and report.skipped):
        run.findings.settle(item.nodeid, label, report.outcome)
        if report.passed:
            run.results.passed(label)
        elif report.skipped:
            run.results.skipped()
        else:
            run.results.failed(
                label, Failure(item.nodeid, str(report.longrepr or ""), run.reproduce(item.nodeid, label))
            )
    if (call.excinfo is not None and call.excinfo.errisinstance(BudgetExhausted)) or (
        run.guard.budget is not None and run.guard.sent >= run.guard.budget
    ):
        run.stopped = f"the request budget of {run.guard.budget} was spent"
        item.session.shouldstop = run.stopped


@pytest.hookimpl(trylast=True)
def pytest_exception_interact(node: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    run = ContractRun.current
    if run is not None:
        report.longrepr = _redacted(run, report.longrepr)


@pytest.fixture(scope="session")
def contract_run() -> ContractRun:
    run = ContractRun.current
    assert run is not None, "the contract run was not opened (see pytest_configure)"
    return run
