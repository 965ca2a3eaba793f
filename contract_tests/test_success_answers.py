"""Every in-scope operation's success answer was checked: on the mock, one test per operation, run last.

The mock has what every operation needs (and the recipes pin ids, fill bodies, pick callers and set up state for
it: src/jsm_openapi/contract/recipes.py), so an operation without a 2xx answer to a generated example that passed
every check is a gap in the suite. Excused only by contract_tests/success-exceptions.toml, with a reason. Collected on
the mock only (conftest.NEEDS_MOCK); elsewhere the coverage report shows the same tally without failing the run.
"""

from __future__ import annotations

import pytest

from jsm_openapi.contract.run import ContractRun
from jsm_openapi.contract.success import verdict

run = ContractRun.current
assert run is not None, "run the contract suite with `pytest contract_tests`"


@pytest.mark.parametrize(
    "label",
    [pytest.param(op.label, marks=pytest.mark.operation(op.method, op.path), id=op.label) for op in run.scope()],
)
def test_success_answer_checked(label: str) -> None:
    assert run is not None
    result = run.results.by_label[label]
    if not result.tests_ran:
        pytest.skip(f"no test of {label} ran in this session (deselected)")
    problem = verdict(result, run.exceptions)
    assert problem is None, problem
    reason = run.exceptions.reason(label)
    if reason is not None:
        pytest.xfail(f"excused in contract_tests/success-exceptions.toml: {reason}")
