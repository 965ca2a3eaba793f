"""What a contract run did, per operation: requests on the wire, status codes, failing tests and their cases."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .guard import Exchange
from .operations import Operation, PathIndex


@dataclass
class Failure:
    """One failing test of an operation: which test, what it said (redacted), and how to replay it."""

    test: str  # pytest node id
    message: str
    reproduce: str


@dataclass
class OperationResult:
    operation: Operation
    in_scope: bool = False
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    tests_passed: int = 0
    failures: list[Failure] = field(default_factory=list)
    checked: Counter[int] = field(default_factory=Counter)  # status → answers to generated examples that passed
    nonconformant: Counter[int] = field(default_factory=Counter)  # status → ... that failed the checks

    @property
    def exercised(self) -> bool:
        return self.requests > 0

    @property
    def succeeded(self) -> bool:
        """At least one 2xx answer: the operation really worked at least once."""
        return any(200 <= status < 300 for status in self.statuses)

    @property
    def success_checked(self) -> bool:
        """A 2xx answer to a generated example passed every check: the document's success answer was checked."""
        return any(200 <= status < 300 for status in self.checked)

    @property
    def tests_ran(self) -> bool:
        return bool(self.tests_passed or self.failures)

    def definitions(self) -> dict[str, str]:
        """Each response definition of the document → "checked" (an answer passed against it), "failed" (answers
        against it only failed), or "not reached"; undocumented statuses that were answered appear as themselves."""
        seen: dict[str, str] = {}
        for status in sorted({*self.checked, *self.nonconformant}):
            name = self.operation.definition(status) or f"{status} (undocumented)"
            if status in self.checked:
                seen[name] = "checked"
            else:
                seen.setdefault(name, "failed")
        out = {name: seen.pop(name, "not reached") for name in self.operation.responses}
        return {**out, **seen}

    @property
    def outcome(self) -> str:
        if self.failures:
            return "failed"
        if self.tests_passed or self.exercised:
            return "passed"
        return "not run"

    def as_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation.label,
            "operation_id": self.operation.operation_id,
            "in_scope": self.in_scope,
            "requests": self.requests,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "checked": {str(k): v for k, v in sorted(self.checked.items())},
            "nonconformant": {str(k): v for k, v in sorted(self.nonconformant.items())},
            "definitions": self.definitions(),
            "success_checked": self.success_checked,
            "outcome": self.outcome,
            "failures": [f.__dict__ for f in self.failures],
        }


class Results:
    """Collects a run's results; fed by the guard's journal (requests) and pytest reports (outcomes)."""

    def __init__(self, operations: list[Operation], index: PathIndex) -> None:
        self.index = index
        self.by_label: dict[str, OperationResult] = {op.label: OperationResult(op) for op in operations}
        self.unmatched: Counter[str] = Counter()  # requests to paths outside the document
        self.other_failures: list[Failure] = []  # failing tests not tied to one operation
        self.tests: Counter[str] = Counter()  # outcome → count
        self._seen = 0

    def mark_in_scope(self, labels: set[str]) -> None:
        for label in labels:
            if label in self.by_label:
                self.by_label[label].in_scope = True

    def absorb(self, journal: list[Exchange]) -> None:
        """Count the requests the guard recorded since the last call."""
        for exchange in journal[self._seen :]:
            operation = self.index.find(exchange.method, exchange.path)
            if operation is None:
                self.unmatched[f"{exchange.method} {exchange.path}"] += 1
                continue
            result = self.by_label[operation.label]
            result.requests += 1
            result.statuses[exchange.status] += 1
        self._seen = len(journal)

    def checked(self, label: str, status: int, *, conformant: bool) -> None:
        """An answer to a generated example went through the checks (and passed them, or not)."""
        result = self.by_label.get(label)
        if result is not None:
            (result.checked if conformant else result.nonconformant)[status] += 1

    def passed(self, label: str | None) -> None:
        self.tests["passed"] += 1
        if label in self.by_label:
            self.by_label[label].tests_passed += 1

    def failed(self, label: str | None, failure: Failure) -> None:
        self.tests["failed"] += 1
        if label in self.by_label:
            self.by_label[label].failures.append(failure)
        else:
            self.other_failures.append(failure)

    def skipped(self) -> None:
        self.tests["skipped"] += 1

    @property
    def in_scope(self) -> list[OperationResult]:
        return [r for r in self.by_label.values() if r.in_scope]

    @property
    def failing(self) -> list[OperationResult]:
        return [r for r in self.by_label.values() if r.failures]

    @property
    def ok(self) -> bool:
        return not self.failing and not self.other_failures
