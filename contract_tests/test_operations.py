"""Every operation in the target's scope, with generated data: schemathesis's checks on every answer.

Scope: the mock, every `/servicedeskapi` operation of the flavor; Prism, every operation of the patched document;
a live site, the `/servicedeskapi` GETs. Checks: not_a_server_error, status_code_conformance,
content_type_conformance, response_schema_conformance; and, with invalid data, negative_data_rejection on the
operations whose input JSM validates (never on a live site).
"""

from __future__ import annotations

from typing import Any

from jsm_openapi.contract.run import ContractRun

run = ContractRun.current
assert run is not None, "run the contract suite with `pytest contract_tests` (its conftest opens the run)"


@run.schema.parametrize()
def test_operation(case: Any) -> None:
    assert run is not None
    run.call_and_check(case)


if run.validating():

    @run.negative_schema.parametrize()
    def test_invalid_input_is_rejected(case: Any) -> None:
        assert run is not None
        run.call_and_check(case, negative=True)
