"""Stateful runs over the OpenAPI links the overlays add (overlays/<flavor>/900-links.yaml).

Schemathesis's state machine chains customer → organization → request → comment → participant and request →
temporary file → attachment, seeded by `--seed`, `--examples` scenarios (at least 10) of at most `--stateful-steps`
steps (default twice `--examples`, at least 20); every answer gets the same checks as the stateless tests. Stateful
runs write: never on Prism, on a live site only with --allow-writes and a sandbox desk (tagged entities, removed at
the end).
"""

from __future__ import annotations

import pytest

from jsm_openapi.contract.run import ContractRun
from jsm_openapi.contract.settings import TargetKind
from jsm_openapi.contract.stateful import StatefulFailure, run_chains

run = ContractRun.current
assert run is not None, "run the contract suite with `pytest contract_tests`"

pytestmark = [
    # collected only where state is kept and writes are allowed (conftest.NEEDS_WRITABLE_STATE)
    pytest.mark.skipif(
        bool(run.settings.operations) and not set(run.settings.operations) & {op.label for op in run.stateful_scope()},
        reason="--operation names none of the operations the links chain",
    ),
]


def test_stateful_links(request: pytest.FixtureRequest) -> None:
    assert run is not None
    try:
        chains = run_chains(run)
    except StatefulFailure as failure:
        request.node.operation_label = failure.label  # the summary files it under the failing operation
        raise
    if run.target.kind is TargetKind.mock:
        # The mock has what every chain needs: a link never followed to a 2xx means the chain itself is broken.
        assert not chains.unfollowed(), (
            f"links never followed to a 2xx answer in {chains.scenarios} scenarios of at most "
            f"{run.settings.scenario_steps} steps: {chains.unfollowed()} (a broken chain, or a run too short for it: "
            "more --examples or --stateful-steps)"
        )
