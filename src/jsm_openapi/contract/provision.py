"""What discovery did not find, made by the run before the checks start (writable targets only).

Some ids only exist once someone made them: an attachment (with a thumbnail), a property key, customers the run may
add and remove without locking its own callers out, an organization it may detach, and what a *new* request of each
request type does (does it wait for an approval? which transitions does its reporter get?). On the mock, and on a
live site with writes (inside the write policy: new tagged entities, the sandbox desk), the run makes them through
set-up steps; what the policy refuses or the target will not do is listed in `notes` and the run goes on with less.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from .discovery import Inventory, RequestType, attachment_id
from .guard import BudgetExhausted
from .settings import TargetKind
from .setup import Setup, SetupFailed

if TYPE_CHECKING:
    from .run import ContractRun

NEW_CUSTOMERS = 2
PROPERTY_VALUE = {"source": "jsm-openapi contract suite"}
# A one-pixel transparent PNG: an image attachment has a thumbnail.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def writable(run: ContractRun) -> bool:
    """Whether set-up steps may be sent: always on the mock, on a live site only with writes (Prism keeps nothing)."""
    kind = run.target.kind
    return kind is TargetKind.mock or (kind is TargetKind.live and run.settings.writes_enabled)


class Provisioner:
    def __init__(self, run: ContractRun, setup: Setup, inventory: Inventory) -> None:
        self.run = run
        self.setup = setup
        self.found = inventory
        self.notes: list[str] = []
        self.made: list[str] = []  # requests the run made (plain ones: no approval)
        self.spent = False  # the request budget ran out: provision nothing more

    def step(self, what: str, action: Callable[[], None]) -> None:
        if self.spent:
            return
        try:
            action()
        except SetupFailed as exc:
            self.notes.append(f"{what}: {exc}")
        except BudgetExhausted as exc:
            self.spent = True
            self.notes.append(f"{what}: {exc.message} (nothing more was provisioned)")

    def run_all(self) -> list[str]:
        if self.found.desk is None:
            return ["no service desk found: nothing provisioned"]
        self.step("customers the run may add and remove", self.customers)
        self.step("an organization the run may detach", self.organization)
        for request_type in self.found.request_types:
            self.step(f"a new request of request type {request_type.id}", partial(self.probe, request_type))
        self.step("an image attachment", self.attachment)
        if self.run.target.flavor == "cloud" and self.run.target.kind is TargetKind.mock:
            # On a live site a request type is the desk's, not the run's: its properties are only read there.
            self.step("a request type property", self.request_type_property)
        return self.notes

    def customers(self) -> None:
        made = [self.setup.create_customer() for _ in range(NEW_CUSTOMERS)]
        self.found.users = made + [user for user in self.found.users if user not in made]

    def organization(self) -> None:
        org = self.setup.create_organization()
        self.found.expendable_organizations.insert(0, org)
        if self.run.target.flavor == "cloud":
            key = self.property_key()
            self.setup.call("PUT", f"/organization/{org}/property/{key}", body=PROPERTY_VALUE)
            self.found.organization_properties.insert(0, (org, key))

    def probe(self, request_type: RequestType) -> None:
        """A new request of a type, raised by the customer caller (the reporter a portal has): whether it waits for
        an approval, and the transitions its reporter is offered."""
        role = "customer" if self.setup.has_caller("customer") else None
        answer = self.setup.create_request(request_type, role=role)
        key = str(answer["issueKey"])
        approvals = self.setup.call("GET", f"/request/{key}/approval", role=role)
        values = approvals.get("values", []) if isinstance(approvals, dict) else []
        request_type.approval = any(isinstance(a, dict) and a.get("finalDecision") == "pending" for a in values)
        request_type.transitions = self.setup.transitions(key, role=role)
        if not request_type.approval:
            self.made.append(key)

    def attachment(self) -> None:
        """On a request the run made (on a live site the only kind it may write to), else the first one found."""
        key = next(iter(self.made + self.found.requests), None)
        if key is None:
            raise SetupFailed("no request to attach a file to")
        temporary = self.setup.call(
            "POST",
            f"/servicedesk/{self.found.desk}/attachTemporaryFile",
            files={"file": ("contract.png", PNG, "image/png")},
            headers={"X-Atlassian-Token": "no-check"},
        )
        ids = [t.get("temporaryAttachmentId") for t in (temporary or {}).get("temporaryAttachments", [])]
        answer = self.setup.call(
            "POST", f"/request/{key}/attachment", body={"temporaryAttachmentIds": ids, "public": True}
        )
        files = (answer or {}).get("attachments", {}).get("values", []) if isinstance(answer, dict) else []
        made = [a for a in (attachment_id(f) for f in files if isinstance(f, dict)) if a]
        self.found.attachments[:0] = [(key, a) for a in made]
        self.found.images[:0] = [(key, a) for a in made]
        comment = (answer or {}).get("comment") if isinstance(answer, dict) else None
        if isinstance(comment, dict) and comment.get("id") is not None:
            self.found.comments.insert(0, (key, str(comment["id"])))

    def request_type_property(self) -> None:
        if self.found.request_type_properties or not self.found.request_types:
            return
        rt = self.found.request_types[0].id
        key = self.property_key()
        suffix = f"/servicedesk/{self.found.desk}/requesttype/{rt}/property/{key}"
        self.setup.call("PUT", suffix, body=PROPERTY_VALUE)
        self.found.request_type_properties.append((rt, key))

    def property_key(self) -> str:
        return f"{self.run.tagger.prefix}-property"


def provision(run: ContractRun, setup: Setup, inventory: Inventory) -> list[str]:
    """Make what the checks need and discovery did not find; what could not be made, one line each."""
    if not writable(run):
        return []
    return Provisioner(run, setup, inventory).run_all()
