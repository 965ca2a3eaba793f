"""Set-up steps: the few requests a run sends to bring the target into the state an example needs.

A generated example of "answer an approval" needs a pending approval, "perform a transition" a request in a status
that offers it, "remove users from an organization" users that are in it. Set-up steps make that state (a new
request, the users added first), through the run's guarded session (so the live write policy, the budget and the
pacing apply), as a given caller. They are plain requests, not the operation under test: their answers must be 2xx
(else the step fails, naming itself), and what they create on a live site is removed at the end like everything the
run creates.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import requests

from .discovery import USER_ID, RequestType
from .guard import RequestRefused

if TYPE_CHECKING:
    from .run import ContractRun

DONE_STEPS = 3  # transitions tried to bring a new request to a resolved (DONE) status


class SetupFailed(AssertionError):
    """A set-up step did not get the state it needs (the target answered something other than 2xx)."""


class SetupRefused(SetupFailed):
    """The live write policy refused a set-up step (nothing was sent)."""


class Setup:
    """Sends set-up steps for one run: `call` one request, or make a request, an organization, resolve a request."""

    def __init__(self, run: ContractRun) -> None:
        self.run = run
        self.serial = 0

    @property
    def flavor(self) -> str:
        return self.run.target.flavor

    def headers(self, role: str | None) -> dict[str, str]:
        """The Authorization header of a caller by role; none (the run's own credentials) when the target has no
        such caller (a live site has only the run's)."""
        caller = self.run.target.callers.get(role or "")
        return caller.credentials.headers() if caller is not None else {}

    def has_caller(self, role: str) -> bool:
        return role in self.run.target.callers

    def tag(self, what: str) -> str:
        """A tagged name unique in the run (`#n`: the stateful run numbers its own names without one)."""
        self.serial += 1
        return self.run.tagger.name(f"{what} #{self.serial}")

    def call(
        self,
        method: str,
        suffix: str,
        *,
        body: Any = None,
        role: str | None = None,
        params: dict[str, str] | None = None,
        files: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """One set-up request to `/servicedeskapi{suffix}`: its answer's JSON (None when empty); SetupFailed unless
        the answer is 2xx, SetupRefused when the write policy kept it from being sent."""
        url = self.run.url(suffix)
        try:
            response = self.run.session.request(
                method,
                url,
                json=body if files is None else None,
                params=params,
                files=files,
                headers={**self.headers(role), **(headers or {})},
                timeout=60,
            )
        except RequestRefused as exc:
            raise SetupRefused(f"set-up step {method} {suffix} refused by the write policy: {exc.message}") from None
        except requests.RequestException as exc:
            raise SetupFailed(f"set-up step {method} {suffix} could not be sent: {type(exc).__name__}") from None
        if not 200 <= response.status_code < 300:
            raise SetupFailed(f"set-up step {method} {suffix} answered {response.status_code}: {response.text[:500]}")
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    # --- entities a step makes ---------------------------------------------------------------------------------------

    def field_values(self, request_type: RequestType, summary: str) -> dict[str, Any] | None:
        """Values for a request type's required fields (None when one is of a kind the run cannot fill)."""
        values: dict[str, Any] = {"summary": summary}
        for field_id, field in request_type.fields.items():
            if field_id in values:
                continue
            value = _field_value(field, summary)
            if value is None:
                return None
            values[field_id] = value
        return values

    def create_request(self, request_type: RequestType, *, role: str | None = None) -> dict[str, Any]:
        """A new request of `request_type` in the run's desk, raised by `role` (its reporter); adopted for cleanup."""
        values = self.field_values(request_type, self.tag("request"))
        if values is None:
            raise SetupFailed(f"request type {request_type.id} has a required field the run cannot fill")
        body = {
            "serviceDeskId": self.run.inventory.desk,
            "requestTypeId": request_type.id,
            "requestFieldValues": values,
        }
        answer = self.call("POST", "/request", body=body, role=role)
        if not isinstance(answer, dict) or not answer.get("issueKey"):
            raise SetupFailed(f"set-up step POST /request answered without an issueKey: {answer!r}"[:500])
        self.run.adopt("request", answer)
        return answer

    def create_organization(self) -> str:
        answer = self.call("POST", "/organization", body={"name": self.tag("org")})
        if not isinstance(answer, dict) or answer.get("id") is None:
            raise SetupFailed(f"set-up step POST /organization answered without an id: {answer!r}"[:500])
        self.run.adopt("organization", answer)
        return str(answer["id"])

    def create_customer(self) -> str:
        """A new customer (tagged email); how request bodies name them."""
        name = "displayName" if self.flavor == "cloud" else "fullName"
        self.serial += 1
        email = self.run.tagger.email(f"setup{self.serial}")
        answer = self.call("POST", "/customer", body={"email": email, name: self.tag("customer")})
        ref = answer.get(USER_ID[self.flavor]) if isinstance(answer, dict) else None
        if not isinstance(ref, str) or not ref:
            raise SetupFailed(f"set-up step POST /customer answered without {USER_ID[self.flavor]}: {answer!r}"[:500])
        self.run.adopt("customer", answer)
        return ref

    def transitions(self, key: str, *, role: str | None = None) -> list[str]:
        answer = self.call("GET", f"/request/{key}/transition", role=role)
        values = answer.get("values", []) if isinstance(answer, dict) else []
        return [str(t["id"]) for t in values if isinstance(t, dict) and t.get("id") is not None]

    def resolve(self, key: str, *, role: str | None = None) -> None:
        """Move a request to a resolved (DONE) status through the transitions its reporter is offered."""
        for _ in range(DONE_STEPS):
            offered = self.transitions(key, role=role)
            if not offered:
                break
            self.call("POST", f"/request/{key}/transition", body={"id": offered[0]}, role=role)
            answer = self.call("GET", f"/request/{key}", role=role)
            status = answer.get("currentStatus") if isinstance(answer, dict) else None
            if isinstance(status, dict) and status.get("statusCategory") == "DONE":
                return
        raise SetupFailed(f"set-up could not resolve {key} within {DONE_STEPS} transitions")


def _field_value(field: dict[str, Any], text: str) -> Any:
    """A valid value for one required request type field, from its Jira schema type and valid values."""
    schema = field.get("jiraSchema") or {}
    kind = schema.get("type") if isinstance(schema, dict) else None
    valid = [v.get("value") for v in field.get("validValues") or [] if isinstance(v, dict) and v.get("value")]
    if kind == "string":
        return text
    if kind == "option" and valid:
        return {"id": str(valid[0])}
    if kind == "array" and valid:
        return [{"id": str(valid[0])}]
    if kind == "date":
        return (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d")
    if kind == "number":
        return 1
    return None
