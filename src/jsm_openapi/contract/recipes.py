"""What each operation needs for its generated examples to reach its success answer.

Generated data alone rarely gets past JSM's checks: a random `commentId` is a 404, a random account id a 400, the
seeded admin is nobody's approver. For every in-scope operation the run therefore

- pins path ids to entities that exist *for that operation* (a comment of that request, an SLA metric of that
  request, a property key that is set on that organization), drawn by Hypothesis from what discovery and
  provisioning found (`Arranger.pins`);
- draws the body fields JSM needs real values for from strategies over the target's entities (account ids or
  usernames of existing customers, an organization, a transition a new request offers, an issue type, a JQL the
  target runs), leaving every other field as schemathesis generated it (`Recipe.body`);
- sends as the caller the operation needs (a customer performs transitions and gives feedback, an approver answers
  an approval) where the target has that caller (the set-up says who);
- re-creates, before each example, what the operation consumes (a pending approval, a new request to transition, the
  users a removal removes, an organization to delete), so examples stay independent (`Recipe.setup`).

Pins and bodies are Hypothesis strategies (a `flatmap_case` hook on the run's schema): examples vary, shrink and
replay with the seed. Set-up steps run when an example is sent (`Arranger.arrange`), through the run's guard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import hypothesis
from hypothesis import strategies as st

from .cleanup import tagged_name
from .discovery import USER_ID, Inventory
from .setup import Setup, SetupFailed

if TYPE_CHECKING:
    from .run import ContractRun

Key = tuple[str, str]  # (METHOD, path from /servicedeskapi on): the same for both flavors
USERS_FIELD = {"cloud": "accountIds", "server": "usernames"}
MAX_USERS = 3
DECISIONS = ("approve", "decline")
FEEDBACK_TYPE = "csat"  # the only feedback type JSM Cloud takes
SIMPLEST = hypothesis.settings(database=None, max_examples=1, deadline=None, phases=[hypothesis.Phase.generate])


def key_of(method: str, path: str) -> Key:
    at = path.find("/servicedeskapi/")
    return method.upper(), path[at:] if at >= 0 else path


def _pairs(
    inventory: Inventory, params: set[str], method: str, path: str
) -> tuple[list[tuple[str, str]], str, str] | None:
    """(the inventory's pairs, parent parameter, child parameter) for an operation whose path ids must belong
    together (a comment of that request); None when its ids are independent."""
    if "commentId" in params:
        return inventory.comments, "issueIdOrKey", "commentId"
    if "attachmentId" in params:
        pairs = inventory.images if path.endswith("/thumbnail") else inventory.attachments
        return pairs, "issueIdOrKey", "attachmentId"
    if "slaMetricId" in params:
        return inventory.slas, "issueIdOrKey", "slaMetricId"
    if "approvalId" in params:
        return inventory.approvals, "issueIdOrKey", "approvalId"
    if "propertyKey" in params and method == "PUT":
        return None  # a generated key: setting a new property (201) and, now and then, an existing one (200)
    if "propertyKey" in params and "organizationId" in params:
        return inventory.organization_properties, "organizationId", "propertyKey"
    if "propertyKey" in params and "requestTypeId" in params:
        return inventory.request_type_properties, "requestTypeId", "propertyKey"
    return None


BodyRule = Callable[["Arranger", dict[str, Any]], st.SearchStrategy[dict[str, Any]]]
SetupRule = Callable[["Arranger", Any], str | None]  # returns the role to send the example as (None: the run's own)


@dataclass(frozen=True)
class Recipe:
    """What one operation needs beyond pinned path ids."""

    body: BodyRule | None = None  # real values where JSM needs them
    setup: SetupRule | None = None  # state the example consumes, made before it is sent; says who sends it


# --- bodies -----------------------------------------------------------------------------------------------------------


def users_body(a: Arranger, body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The flavor's user list (`accountIds` / `usernames`) drawn from existing customers none of the run's callers."""
    pool = a.inventory.users
    if not pool:
        return st.just(body)
    field = USERS_FIELD[a.flavor]
    users = st.lists(st.sampled_from(pool), min_size=1, max_size=min(MAX_USERS, len(pool)), unique=True)
    return users.map(lambda chosen: {**body, field: chosen})


def organization_body(a: Arranger, body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    pool = a.inventory.expendable_organizations
    if not pool:
        return st.just(body)
    return st.sampled_from(pool).map(lambda org: {**body, "organizationId": int(org)})


def new_request_type_body(a: Arranger, body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A tagged, unique name (JSM refuses a name the desk has) and an issue type the site has."""
    issue_types = a.inventory.issue_types
    issue_type = st.sampled_from(issue_types) if issue_types else st.just(body.get("issueTypeId"))
    return issue_type.map(lambda it: {**body, "name": a.tagged("request type", body.get("name")), "issueTypeId": it})


def update_request_type_body(a: Arranger, body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    types = [int(rt.id) for rt in a.inventory.request_types if rt.id.isdigit()]
    if not types:
        return st.just(body)

    def fill(rt: int) -> dict[str, Any]:
        changed = {**body, "requestTypeId": rt}
        if "name" in body:
            changed["name"] = a.tagged("request type", body.get("name"))
        return changed

    return st.sampled_from(types).map(fill)


def queue_body(a: Arranger, body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A tagged name and a JQL the target runs (one of its own queues')."""
    jqls = sorted({jql for _, jql in a.inventory.queues if jql})
    if not jqls:
        return st.just(body)
    return st.sampled_from(jqls).map(lambda jql: {**body, "name": a.tagged("queue", body.get("name")), "jql": jql})


def allowlist_body(a: Arranger, body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Who may raise requests of a type (Data Center): customers by username, organizations by id."""
    entries = []
    if a.inventory.users:
        entries.append(st.sampled_from(a.inventory.users).map(lambda user: {"entityId": user, "entityType": "USER"}))
    if a.inventory.organizations:
        orgs = st.sampled_from(a.inventory.organizations)
        entries.append(orgs.map(lambda org: {"entityId": org, "entityType": "ORGANIZATION"}))
    if not entries:
        return st.just(body)
    return st.lists(st.one_of(entries), max_size=MAX_USERS).map(lambda allowlist: {**body, "allowlist": allowlist})


def transition_body(a: Arranger, body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A transition a new request (made by the set-up) offers its reporter."""
    plain = a.inventory.request_type(approval=False)
    if plain is None or not plain.transitions:
        return st.just(body)
    return st.sampled_from(plain.transitions).map(lambda transition: {**body, "id": transition})


def feedback_body(a: Arranger, body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A rating from 1 to 5 and JSM's one feedback type (the document says only integer and string)."""
    return st.integers(min_value=1, max_value=5).map(
        lambda rating: {**body, "rating": rating, **({"type": FEEDBACK_TYPE} if "type" in body else {})}
    )


def approval_body(a: Arranger, body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(DECISIONS).map(lambda decision: {**body, "decision": decision})


# --- set-up steps -----------------------------------------------------------------------------------------------------


def _users_in(a: Arranger, case: Any) -> list[str]:
    users = case.body.get(USERS_FIELD[a.flavor]) if isinstance(case.body, dict) else None
    return [u for u in users if isinstance(u, str)] if isinstance(users, list) else []


def add_users_first(collection: str) -> SetupRule:
    """Before a removal of users: add the same users (so the removal removes someone)."""

    def setup(a: Arranger, case: Any) -> str | None:
        users = _users_in(a, case)
        if users:
            a.setup.call("POST", collection.format(**case.path_parameters), body={USERS_FIELD[a.flavor]: users})
        return None

    return setup


def link_organization_first(a: Arranger, case: Any) -> str | None:
    org = case.body.get("organizationId") if isinstance(case.body, dict) else None
    if isinstance(org, int) and not isinstance(org, bool):
        desk = case.path_parameters["serviceDeskId"]
        a.setup.call("POST", f"/servicedesk/{desk}/organization", body={"organizationId": org})
    return None


def fresh_organization(a: Arranger, case: Any) -> str | None:
    case.path_parameters["organizationId"] = a.setup.create_organization()
    return None


def property_first(a: Arranger, case: Any) -> str | None:
    """Before a property is removed: set it (at the pinned key)."""
    params = case.path_parameters
    key = params["propertyKey"]
    if "organizationId" in params:
        suffix = f"/organization/{params['organizationId']}/property/{key}"
    else:
        suffix = f"/servicedesk/{params['serviceDeskId']}/requesttype/{params['requestTypeId']}/property/{key}"
    a.setup.call("PUT", suffix, body={"source": "jsm-openapi contract suite"})
    return None


def fresh_request_type(a: Arranger, case: Any) -> str | None:
    issue_type = next(iter(a.inventory.issue_types), None)
    if issue_type is None:
        raise SetupFailed("no issue type found to make a request type of")
    desk = case.path_parameters["serviceDeskId"]
    body = {"name": a.setup.tag("request type"), "issueTypeId": issue_type}
    answer = a.setup.call("POST", f"/servicedesk/{desk}/requesttype", body=body)
    case.path_parameters["requestTypeId"] = _id(answer, "POST /servicedesk/{serviceDeskId}/requesttype")
    return None


def fresh_queue(a: Arranger, case: Any) -> str | None:
    jql = next((jql for _, jql in a.inventory.queues if jql), None)
    if jql is None:
        raise SetupFailed("no queue found whose JQL a new queue could take")
    desk = case.path_parameters["serviceDeskId"]
    answer = a.setup.call("POST", f"/servicedesk/{desk}/queue", body={"name": a.setup.tag("queue"), "jql": jql})
    case.path_parameters["queueId"] = _id(answer, "POST /servicedesk/{serviceDeskId}/queue")
    return None


def _reporter(a: Arranger) -> str | None:
    return "customer" if a.setup.has_caller("customer") else None


def _new_request(a: Arranger, case: Any, *, approval: bool) -> tuple[str, dict[str, Any], str | None]:
    request_type = a.inventory.request_type(approval=approval)
    if request_type is None:
        kind = "waits for an approval" if approval else "needs no approval"
        raise SetupFailed(f"no request type whose new requests {kind} (provisioning learns which do)")
    role = _reporter(a)
    answer = a.setup.create_request(request_type, role=role)
    key = str(answer["issueKey"])
    name = "requestIdOrKey" if "requestIdOrKey" in case.path_parameters else "issueIdOrKey"
    case.path_parameters[name] = key
    return key, answer, role


def new_request(a: Arranger, case: Any) -> str | None:
    """A new request (its reporter a customer): its transitions are the ones the body's strategy draws from."""
    return _new_request(a, case, approval=False)[2]


def resolved_request(a: Arranger, case: Any) -> str | None:
    """A new request its reporter has resolved: feedback comes after resolution."""
    key, _, role = _new_request(a, case, approval=False)
    a.setup.resolve(key, role=role)
    return role


def request_with_feedback(a: Arranger, case: Any) -> str | None:
    key, _, role = _new_request(a, case, approval=False)
    a.setup.resolve(key, role=role)
    a.setup.call("POST", f"/request/{key}/feedback", body={"rating": 5, "type": FEEDBACK_TYPE}, role=role)
    return role


def pending_approval(a: Arranger, case: Any) -> str | None:
    """A new request waiting for an approval; sent as one of its approvers."""
    key, _, role = _new_request(a, case, approval=True)
    answer = a.setup.call("GET", f"/request/{key}/approval", role=role)
    values = answer.get("values", []) if isinstance(answer, dict) else []
    pending = next((v for v in values if isinstance(v, dict) and v.get("finalDecision") == "pending"), None)
    if pending is None or pending.get("id") is None:
        raise SetupFailed(f"the new request {key} has no pending approval")
    case.path_parameters["approvalId"] = str(pending["id"])
    field = USER_ID[a.flavor]
    approvers = {
        str(entry["approver"].get(field))
        for entry in pending.get("approvers", [])
        if isinstance(entry, dict) and isinstance(entry.get("approver"), dict)
    }
    return next((caller.role for caller in a.run.target.callers.values() if caller.ref in approvers), None)


def _id(answer: Any, what: str) -> str:
    if not isinstance(answer, dict) or answer.get("id") is None:
        raise SetupFailed(f"set-up step {what} answered without an id: {answer!r}"[:500])
    return str(answer["id"])


SD = "/servicedeskapi"
RECIPES: dict[Key, Recipe] = {
    ("POST", f"{SD}/servicedesk/{{serviceDeskId}}/customer"): Recipe(body=users_body),
    ("DELETE", f"{SD}/servicedesk/{{serviceDeskId}}/customer"): Recipe(
        body=users_body, setup=add_users_first("/servicedesk/{serviceDeskId}/customer")
    ),
    ("POST", f"{SD}/organization/{{organizationId}}/user"): Recipe(body=users_body),
    ("DELETE", f"{SD}/organization/{{organizationId}}/user"): Recipe(
        body=users_body, setup=add_users_first("/organization/{organizationId}/user")
    ),
    ("POST", f"{SD}/request/{{issueIdOrKey}}/participant"): Recipe(body=users_body),
    ("DELETE", f"{SD}/request/{{issueIdOrKey}}/participant"): Recipe(
        body=users_body, setup=add_users_first("/request/{issueIdOrKey}/participant")
    ),
    ("POST", f"{SD}/servicedesk/{{serviceDeskId}}/organization"): Recipe(body=organization_body),
    ("DELETE", f"{SD}/servicedesk/{{serviceDeskId}}/organization"): Recipe(
        body=organization_body, setup=link_organization_first
    ),
    ("DELETE", f"{SD}/organization/{{organizationId}}"): Recipe(setup=fresh_organization),
    ("DELETE", f"{SD}/organization/{{organizationId}}/property/{{propertyKey}}"): Recipe(setup=property_first),
    (
        "DELETE",
        f"{SD}/servicedesk/{{serviceDeskId}}/requesttype/{{requestTypeId}}/property/{{propertyKey}}",
    ): Recipe(setup=property_first),
    ("POST", f"{SD}/servicedesk/{{serviceDeskId}}/requesttype"): Recipe(body=new_request_type_body),
    ("PUT", f"{SD}/servicedesk/{{serviceDeskId}}/requesttype"): Recipe(body=update_request_type_body),
    ("DELETE", f"{SD}/servicedesk/{{serviceDeskId}}/requesttype/{{requestTypeId}}"): Recipe(setup=fresh_request_type),
    # Restricting who may raise requests of a type would lock the run's customer out of it: a new type each time.
    ("PUT", f"{SD}/servicedesk/{{serviceDeskId}}/requesttype/{{requestTypeId}}/permission"): Recipe(
        body=allowlist_body, setup=fresh_request_type
    ),
    ("POST", f"{SD}/servicedesk/{{serviceDeskId}}/queue"): Recipe(body=queue_body),
    ("DELETE", f"{SD}/servicedesk/{{serviceDeskId}}/queue/{{queueId}}"): Recipe(setup=fresh_queue),
    ("POST", f"{SD}/request/{{issueIdOrKey}}/transition"): Recipe(body=transition_body, setup=new_request),
    ("POST", f"{SD}/request/{{issueIdOrKey}}/approval/{{approvalId}}"): Recipe(
        body=approval_body, setup=pending_approval
    ),
    ("POST", f"{SD}/request/{{requestIdOrKey}}/feedback"): Recipe(body=feedback_body, setup=resolved_request),
    ("DELETE", f"{SD}/request/{{requestIdOrKey}}/feedback"): Recipe(setup=request_with_feedback),
}


class Arranger:
    """Applies the recipes to one run: strategies when examples are generated, set-up steps when they are sent."""

    def __init__(self, run: ContractRun, inventory: Inventory, setup: Setup) -> None:
        self.run = run
        self.inventory = inventory
        self.setup = setup

    @property
    def flavor(self) -> str:
        return self.run.target.flavor

    def tagged(self, what: str, generated: Any) -> str:
        """A tagged name (unique within the run, found by the sweep) followed by what was generated."""
        return tagged_name(self.setup.tag(what), generated)

    def install(self, schema: Any) -> None:
        """Make `schema`'s examples draw pins and bodies from the recipes: the generated ones through a
        `flatmap_case` hook, the document's own examples (which no case hook reaches) as the strategy's simplest."""
        schema.hooks.register_hook_with_name(self._flatmap_case, "flatmap_case")
        schema.hooks.register_hook_with_name(self._before_add_examples, "before_add_examples")

    def _before_add_examples(self, context: Any, examples: list[Any]) -> None:
        for example in examples:
            hypothesis.find(self._flatmap_case(context, example), lambda _: True, settings=SIMPLEST)

    def pins(self, case: Any) -> st.SearchStrategy[dict[str, str]]:
        """Path ids for one example: each from an entity that exists, ids that belong together drawn together."""
        params = set(case.path_parameters or {})
        known = self.inventory.pins()
        fixed = {name: known[name] for name in params if name in known}
        path = case.operation.path
        pairs = _pairs(self.inventory, params, case.operation.method.upper(), path)
        if pairs is not None and pairs[0]:
            found, parent, child = pairs
            return st.sampled_from(found).map(lambda pair: {**fixed, parent: pair[0], child: pair[1]})
        if "requestIdOrKey" in params and path.endswith("/feedback") and self.inventory.feedback:
            return st.sampled_from(self.inventory.feedback).map(lambda key: {**fixed, "requestIdOrKey": key})
        return st.just(fixed)

    def _flatmap_case(self, context: Any, case: Any) -> st.SearchStrategy[Any]:
        recipe = RECIPES.get(key_of(case.operation.method, case.operation.path))
        body: st.SearchStrategy[Any] = st.just(case.body)
        if recipe is not None and recipe.body is not None and isinstance(case.body, dict):
            body = recipe.body(self, case.body)

        def apply(drawn: tuple[dict[str, str], Any]) -> Any:
            pins, case.body = drawn
            case.path_parameters = {**(case.path_parameters or {}), **pins}
            return case

        return st.tuples(self.pins(case), body).map(apply)

    def arrange(self, case: Any) -> dict[str, str]:
        """Before an example is sent: its set-up steps; the headers that send it as the caller it needs (to pass
        with the call: the session's own Authorization would win over the case's)."""
        recipe = RECIPES.get(key_of(case.operation.method, case.operation.path))
        if recipe is None or recipe.setup is None:
            return {}
        return self.setup.headers(recipe.setup(self, case))
