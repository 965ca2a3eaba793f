"""Stateful runs: schemathesis's state machine over the OpenAPI links the overlays add (overlays/*/900-links.yaml).

Chains: customer → organization (add the customer) → request (raised on its behalf) → comment → participant; a new
organization → add users to it; request → temporary file (in its desk) → attachment. Every step goes through the
run's guard (live safety, budget, Retry-After) and the run's checks (known gaps tolerated); a step the write policy
refuses is not sent.

What a link does not carry comes from the run, never from chance (random ids only ever meet a 404): path ids from
the target's own entities (the newest one this run created, else one discovery found), the request type's required
fields, tagged names and emails (so the cleanup, and a later run's sweep, find what was made), users from the newest
customer of the run. Everything else in each request is generated. Seeded (`--seed`) and bounded: `--examples`
scenarios (at least 10) of at most `--stateful-steps` steps (default: twice `--examples`, at least 20).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import hypothesis
import hypothesis.errors
import requests
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation

from .cleanup import tagged_name
from .guard import RequestRefused
from .operations import HTTP_METHODS

if TYPE_CHECKING:
    from .run import ContractRun

_USER_FIELDS = {"cloud": "accountIds", "server": "usernames"}
_USER_ID = {"cloud": "accountId", "server": "name"}


class StatefulFailure(AssertionError):
    """A scenario failed a check: the message names the failing step, the scenario's steps and the checks' findings."""

    def __init__(self, message: str, label: str | None) -> None:
        super().__init__(message)
        self.label = label


@dataclass
class Step:
    """One step of a scenario as it went: the operation, the link that led to it, the answer's status."""

    label: str
    link: str | None
    status: int | None  # None: refused by the live-safety guard, never sent

    def line(self) -> str:
        via = f" (link {self.link})" if self.link else ""
        answer = "refused by the live-safety guard (not sent)" if self.status is None else str(self.status)
        return f"{self.label}{via} → {answer}"


@dataclass
class LinkCount:
    """How often a link was followed (its values used), and how often the target then answered 2xx."""

    followed: int = 0
    succeeded: int = 0


def document_links(document: dict[str, Any]) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(source label, status, link name, link) for every link of the document."""
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                for name, link in (response.get("links") or {}).items() if isinstance(response, dict) else ():
                    yield f"{method.upper()} {path}", str(status), name, link


def link_target(link: dict[str, Any]) -> str | None:
    """The label of a link's target, from its operationRef (`#/paths/~1a~1{b}/post`)."""
    reference = str(link.get("operationRef", ""))
    if not reference.startswith("#/paths/"):
        return None
    pointer, _, method = reference[len("#/paths/") :].rpartition("/")
    return f"{method.upper()} {pointer.replace('~1', '/').replace('~0', '~')}"


def linked_labels(document: dict[str, Any]) -> set[str]:
    """Operations a stateful run exercises: every link's source and target."""
    labels = set()
    for source, _, _, link in document_links(document):
        labels.add(source)
        target = link_target(link)
        if target:
            labels.add(target)
    return labels


@dataclass
class Chains:
    """What the stateful run shares across its scenarios: pins, link tallies, the scenario being run."""

    run: ContractRun
    pins: dict[str, str] = field(default_factory=dict)
    user: str | None = None  # the newest customer this run created (account id on Cloud, username on Server)
    request_fields: dict[str, str] = field(default_factory=dict)  # required field id → its JSON type
    links: dict[str, LinkCount] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    scenarios: int = 0
    failed: str | None = None  # the label of the operation whose answer failed a check
    reproduce: str = ""  # the failing request as a curl line
    failing: list[Step] = field(default_factory=list)  # the steps of the scenario, up to the failing one
    failing_scenario: int = 0
    _serial: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def flavor(self) -> str:
        return self.run.target.flavor

    def prepare(self) -> None:
        """Pins from discovery; the required fields of the pinned request type (GET only)."""
        self.pins = dict(self.run.known_ids)
        desk, request_type = self.pins.get("serviceDeskId"), self.pins.get("requestTypeId")
        if desk and request_type:
            self.request_fields = _required_fields(self.run, desk, request_type)

    # --- before a step: what the link did not carry ---------------------------------------------------------------

    def fill(self, case: Any, applied: list[tuple[ParameterLocation, str | None]]) -> None:
        """Fill what the run owns: ids not given by the link, tagged names and emails, the users and fields a
        create needs. `applied` is what the link set (location, name); it is never overwritten."""
        linked = {(location, name) for location, name in applied}
        whole_body = (ParameterLocation.BODY, None) in linked
        for name in list(case.path_parameters or {}):
            if (ParameterLocation.PATH, name) not in linked and name in self.pins:
                case.path_parameters[name] = self.pins[name]
        if not isinstance(case.body, dict):
            return
        body: dict[str, Any] = case.body
        keep = {name for location, name in linked if location is ParameterLocation.BODY} | (
            set(body) if whole_body else set()
        )
        path = case.operation.path
        number = next(self._serial)
        tagger = self.run.tagger
        if path.endswith("/servicedeskapi/customer"):
            name_field = "displayName" if self.flavor == "cloud" else "fullName"
            body["email"] = tagger.email(f"s{number}")
            body[name_field] = tagged_name(tagger.name(f"s{number}"), body.get(name_field))
        elif path.endswith("/servicedeskapi/organization"):
            body["name"] = tagged_name(tagger.name(f"org {number}"), body.get("name"))
        elif path.endswith("/servicedeskapi/request"):
            for name in ("serviceDeskId", "requestTypeId"):
                if name in self.pins:
                    body[name] = self.pins[name]
            body["requestFieldValues"] = self._field_values(tagger.name(f"request {number}"))
            body.pop("requestParticipants", None)
            if "raiseOnBehalfOf" not in keep:
                body.pop("raiseOnBehalfOf", None)
        users = _USER_FIELDS[self.flavor]
        posts_users = path.endswith(("/user", "/participant")) and case.method.upper() == "POST"
        if posts_users and users not in keep and self.user is not None:
            body[users] = [self.user]

    def _field_values(self, summary: str) -> dict[str, Any]:
        values: dict[str, Any] = {"summary": summary}
        for field_id, kind in self.request_fields.items():
            if field_id not in values and kind == "string":
                values[field_id] = summary
        return values

    # --- after a step ----------------------------------------------------------------------------------------------

    def observe(self, case: Any, transition: Any, applied: bool, status: int | None, answer: Any) -> None:
        """Record the step; a 2xx create gives the run a new pin (and, on a live site, a cleanup)."""
        link = transition.id if transition is not None else None
        self.steps.append(Step(case.operation.label, _link_name(transition) if applied else None, status))
        if link is not None and applied:
            count = self.links.setdefault(link, LinkCount())
            count.followed += 1
            if status is not None and 200 <= status < 300:
                count.succeeded += 1
        if status not in (200, 201) or not isinstance(answer, dict) or case.method.upper() != "POST":
            return
        path = case.operation.path
        if path.endswith("/servicedeskapi/customer"):
            user = answer.get(_USER_ID[self.flavor])
            if user:
                self.user = str(user)
            self.run.adopt("customer", answer)
        elif path.endswith("/servicedeskapi/organization") and answer.get("id"):
            self.pins["organizationId"] = str(answer["id"])
            self.run.adopt("organization", answer)
        elif path.endswith("/servicedeskapi/request") and answer.get("issueKey"):
            self.pins["issueIdOrKey"] = str(answer["issueKey"])
            self.run.adopt("request", answer)

    def unfollowed(self) -> list[str]:
        """Links never followed to a 2xx answer."""
        return [name for name, count in self.links.items() if not count.succeeded]

    def scenario(self) -> str:
        """The failing scenario's steps, numbered."""
        return "\n".join(f"  {number}. {step.line()}" for number, step in enumerate(self.failing, start=1))


def _link_name(transition: Any) -> str | None:
    if transition is None:
        return None
    return str(transition.id).split("] ", 1)[-1].split(" -> ", 1)[0]


def _required_fields(run: ContractRun, desk: str, request_type: str) -> dict[str, str]:
    url = run.url(f"/servicedesk/{desk}/requesttype/{request_type}/field")
    try:
        response = run.session.get(url, timeout=30)
        body = response.json() if response.status_code == 200 else {}
    except (ValueError, requests.RequestException):
        body = {}
    fields = body.get("requestTypeFields", []) if isinstance(body, dict) else []
    return {
        str(item.get("fieldId")): str((item.get("jiraSchema") or {}).get("type", ""))
        for item in fields
        if isinstance(item, dict) and item.get("required")
    }


def state_machine(run: ContractRun, chains: Chains) -> type[Any]:
    """Schemathesis's state machine over the run's stateful schema, sending through the guard."""
    base: type[Any] = run.stateful_schema.as_state_machine()

    class ContractStateMachine(base):  # type: ignore[misc]
        def setup(self) -> None:
            super().setup()
            chains.steps = []
            chains.scenarios += 1
            self._input: Any = None

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": run.target.api_base, "session": run.session, "timeout": 60}

        def step(self, input: Any) -> Any:
            self._input = input
            chains.fill(input.case, input.applied_parameters)
            run.prepare_case(input.case)
            try:
                return super().step(input)
            except RequestRefused:
                chains.observe(input.case, input.transition, input.is_applied, None, None)
                return None

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            step = self._input
            try:
                answer = response.json() if response.content else None
            except ValueError:
                answer = None
            chains.observe(case, step.transition, step.is_applied, response.status_code, answer)

        def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
            try:
                run.check(case, response)
            except FailureGroup:
                chains.failed = case.operation.label
                chains.reproduce = case.as_curl_command(headers=dict(response.request.headers))
                chains.failing, chains.failing_scenario = list(chains.steps), chains.scenarios
                raise

    ContractStateMachine.rule_order_seed = run.settings.seed
    for operation in ContractStateMachine._transitions.operations.values():
        for link in operation.outgoing:
            chains.links.setdefault(link.full_name, LinkCount())
    return hypothesis.seed(run.settings.seed)(ContractStateMachine)


def run_chains(run: ContractRun) -> Chains:
    """Run the scenarios; raise StatefulFailure (naming the failing step and the scenario) when a check fails."""
    chains = Chains(run)
    run.chains = chains  # the summary counts the links, also when a scenario fails
    chains.prepare()
    machine = state_machine(run, chains)
    settings = run.settings
    hypothesis_settings = hypothesis.settings(
        max_examples=settings.stateful_scenarios,
        stateful_step_count=settings.scenario_steps,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[hypothesis.Phase.generate],
        report_multiple_bugs=False,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    try:
        machine.run(settings=hypothesis_settings)
    except FailureGroup as group:
        raise StatefulFailure(_failure_message(run, chains, group), chains.failed) from None
    except hypothesis.errors.FlakyFailure as flaky:
        # The failing scenario did not fail again when replayed: the target's state had moved on. Still a failure.
        groups = [error for error in flaky.exceptions if isinstance(error, FailureGroup)]
        if not groups:
            raise
        message = _failure_message(run, chains, groups[0])
        raise StatefulFailure(
            f"{message}\n(the scenario passed when replayed: the target's state had changed)", chains.failed
        ) from None
    return chains


def _failure_message(run: ContractRun, chains: Chains, group: FailureGroup) -> str:
    findings = []
    for failure in group.exceptions:
        findings.append(f"- {failure.title}: {failure.message}".rstrip())
    step = chains.failing[-1].line() if chains.failing else "?"
    return "\n".join(
        [
            f"stateful scenario failed at {step}",
            f"scenario {chains.failing_scenario} (seed {run.settings.seed}), its steps:",
            chains.scenario(),
            "findings:",
            *findings,
            "the failing request:",
            chains.reproduce,
        ]
    )
