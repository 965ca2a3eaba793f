"""Seed fixtures: a readable YAML file (see seed/default.yaml) checked against a schema, then written to a store."""

from __future__ import annotations

import base64
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jsonschema

from ..documents import parse_yaml
from ..errors import InputError
from . import ids
from .dates import parse_iso
from .errors import JsmError
from .fields import check_value
from .model import (
    Approval,
    Article,
    Comment,
    Organization,
    Queue,
    Request,
    RequestType,
    RequestTypeGroup,
    ServiceDesk,
    Setting,
    User,
    UserIndex,
)
from .routing import is_number
from .store import Store, Transaction, Unstorable

FIRST_USER_ID = 10000
FIRST_ISSUE_ID = 10000
FIRST_COMMENT_ID = 10000
FIRST_ATTACHMENT_ID = 10000

_ID = {"type": "integer", "minimum": 1}
_STR = {"type": "string"}
_TIME = {"type": ["string"]}
_STRS = {"type": "array", "items": _STR}
_IDS = {"type": "array", "items": _ID}
_CATEGORY = {"enum": ["NEW", "INDETERMINATE", "DONE", "UNDEFINED"]}


def _obj(required: list[str], /, **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "additionalProperties": False, "properties": props}


SEED_SCHEMA: dict[str, Any] = _obj(
    ["users", "statuses", "workflows", "servicedesks"],
    users={
        "type": "array",
        "items": _obj(
            ["ref", "role", "username", "displayName", "email"],
            ref=_STR,
            role={"enum": ["admin", "agent", "customer"]},
            username=_STR,
            key=_STR,
            accountId=_STR,
            displayName=_STR,
            email=_STR,
            password=_STR,
            token=_STR,
            timeZone=_STR,
            active={"type": "boolean"},
        ),
    },
    organizations={
        "type": "array",
        "items": _obj(["id", "name"], id=_ID, name=_STR, users=_STRS, created=_TIME, properties={"type": "object"}),
    },
    statuses={"type": "object", "additionalProperties": _CATEGORY, "minProperties": 1},
    workflows={
        "type": "object",
        "minProperties": 1,
        "additionalProperties": _obj(
            ["initial", "transitions"],
            initial=_STR,
            transitions={
                "type": "array",
                "items": _obj(["id", "name", "from", "to"], id=_STR, name=_STR, to=_STR, **{"from": _STRS}),
            },
        ),
    },
    servicedesks={
        "type": "array",
        "minItems": 1,
        "items": _obj(
            ["id", "projectId", "projectKey", "projectName", "requestTypes"],
            id=_ID,
            projectId=_ID,
            projectKey={"type": "string", "pattern": r"^[A-Z][A-Z0-9]+\Z"},
            projectName=_STR,
            portalName=_STR,
            portalDescription=_STR,
            agents=_STRS,
            customers=_STRS,
            organizations=_IDS,
            archived={"type": "boolean"},
            slas={
                "type": "array",
                "items": _obj(
                    ["id", "name", "goalMinutes", "stopsOn"],
                    id=_ID,
                    name=_STR,
                    goalMinutes={"type": "integer", "minimum": 1},
                    stopsOn={"enum": ["first-response", "resolution"]},
                ),
            },
            requestTypeGroups={"type": "array", "items": _obj(["id", "name"], id=_ID, name=_STR)},
            requestTypes={
                "type": "array",
                "items": _obj(
                    ["id", "name", "fields"],
                    id=_ID,
                    name=_STR,
                    description=_STR,
                    helpText=_STR,
                    issueTypeId=_STR,
                    groups=_IDS,
                    workflow=_STR,
                    restricted={"type": "boolean"},
                    approval=_obj(
                        ["name", "approvers", "approved", "declined"],
                        name=_STR,
                        approvers=_STRS,
                        approved=_STR,
                        declined=_STR,
                    ),
                    properties={"type": "object"},
                    fields={
                        "type": "array",
                        "items": _obj(
                            ["fieldId", "name", "schema"],
                            fieldId=_STR,
                            name=_STR,
                            description=_STR,
                            required={"type": "boolean"},
                            visible={"type": "boolean"},
                            schema={"type": "object", "required": ["type"]},
                            options={"type": "array", "items": _obj(["id", "value"], id=_STR, value=_STR)},
                        ),
                    },
                ),
            },
            queues={
                "type": "array",
                "items": _obj(["id", "name", "jql", "fields"], id=_ID, name=_STR, jql=_STR, fields=_STRS),
            },
            articles={
                "type": "array",
                "items": _obj(
                    ["id", "title", "excerpt", "body", "spaceKey", "pageId"],
                    id=_ID,
                    title=_STR,
                    excerpt=_STR,
                    body=_STR,
                    spaceKey=_STR,
                    pageId=_STR,
                ),
            },
        ),
    },
    requests={
        "type": "array",
        "items": _obj(
            ["id", "key", "serviceDesk", "requestType", "reporter", "created", "fields"],
            id=_ID,
            key=_STR,
            serviceDesk=_ID,
            requestType=_ID,
            reporter=_STR,
            created=_TIME,
            status=_STR,
            resolved=_TIME,
            fields={"type": "object", "required": ["summary"]},
            participants=_STRS,
            organizations=_IDS,
            comments={
                "type": "array",
                "items": _obj(
                    ["id", "author", "public", "body", "created"],
                    id=_ID,
                    author=_STR,
                    public={"type": "boolean"},
                    body=_STR,
                    created=_TIME,
                ),
            },
            approvals={
                "type": "array",
                "items": _obj(
                    ["id", "name", "approvers", "created"], id=_ID, name=_STR, approvers=_STRS, created=_TIME
                ),
            },
            feedback=_obj(["rating"], rating={"type": "integer", "minimum": 1, "maximum": 5}, comment=_STR),
        ),
    },
)


def load_seed(path: Path) -> dict[str, Any]:
    """Read and check a seed file; InputError naming the file and the place of the first problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot read mock seed {path}: {exc.strerror}", hint="pass --seed an existing YAML file"
        ) from exc
    data = _timestamps_as_text(parse_yaml(text, source=str(path)))
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(SEED_SCHEMA).iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise InputError(
            f"mock seed {path}: at {where}: {error.message}",
            hint="compare with src/jsm_openapi/mock/seed/default.yaml, which documents every field",
        )
    assert isinstance(data, dict)
    return data


def _timestamps_as_text(value: Any) -> Any:
    """YAML reads `2025-01-06T09:00:00Z` as a datetime; the schema (and parse_iso) take ISO text."""
    if isinstance(value, dict):
        return {k: _timestamps_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_timestamps_as_text(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _ts(value: object, where: str, default: int) -> int:
    return default if value is None else parse_iso(value, where=where)


class _Refs:
    """Resolves the seed's user handles to user ids, with errors that name the place."""

    def __init__(self, path: Path, users: dict[str, User]) -> None:
        self.path = path
        self.users = users

    def user(self, ref: str, where: str) -> User:
        if ref not in self.users:
            raise InputError(
                f"mock seed {self.path}: at {where}: unknown user {ref!r}",
                hint=f"use one of the users' refs: {', '.join(sorted(self.users))}",
            )
        return self.users[ref]

    def ids(self, refs: list[str], where: str) -> list[int]:
        return [self.user(ref, f"{where}/{i}").id for i, ref in enumerate(refs)]


def seed_store(store: Store, seed: dict[str, Any], flavor: str, path: Path, *, now: int) -> None:
    """Write a checked seed into an empty store (one transaction: all or nothing)."""
    try:
        with store.transaction() as tx:
            _seed(tx, seed, flavor, path, now)
    except Unstorable as exc:
        raise InputError(
            f"mock seed {path}: {exc}", hint="give the seed plain Unicode text and finite numbers"
        ) from None


def _seed(tx: Transaction, seed: dict[str, Any], flavor: str, path: Path, now: int) -> None:
    def fail(where: str, message: str, hint: str) -> InputError:
        return InputError(f"mock seed {path}: at {where}: {message}", hint=hint)

    users: dict[str, User] = {}
    for index, spec in enumerate(seed["users"]):
        user_id = FIRST_USER_ID + index
        if spec["ref"] in users:
            raise fail(f"users/{index}", f"duplicate ref {spec['ref']!r}", "give every user its own ref")
        if flavor == "cloud":
            account = spec.get("accountId") or (
                ids.cloud_customer_account_id(user_id, spec["email"])
                if spec["role"] == "customer"
                else ids.cloud_atlassian_account_id(spec["email"])
            )
            username, key = account, account
        else:
            account = None
            username, key = spec["username"], spec.get("key") or ids.server_user_key(user_id)
        user = User(
            id=user_id,
            role=spec["role"],
            username=username,
            key=key,
            email=spec["email"],
            display_name=spec["displayName"],
            account_id=account,
            active=spec.get("active", True),
            time_zone=spec.get("timeZone", "Etc/UTC"),
            password=spec.get("password"),
            token=spec.get("token"),
            created=now,
        )
        users[spec["ref"]] = user
        if any(u.email.lower() == user.email.lower() for u in list(users.values())[:-1]):
            raise fail(
                f"users/{index}/email", f"{user.email!r} is taken by another user", "give every user its own email"
            )
        put_user(tx, user, flavor)
    tx.reserve("user", FIRST_USER_ID + len(seed["users"]) - 1)
    refs = _Refs(path, users)

    statuses: dict[str, str] = seed["statuses"]
    for name, workflow in seed["workflows"].items():
        for status in [workflow["initial"], *(s for t in workflow["transitions"] for s in [*t["from"], t["to"]])]:
            if status not in statuses:
                raise fail(f"workflows/{name}", f"status {status!r} is not in `statuses`", "declare it under statuses")

    org_ids = set()
    for index, spec in enumerate(seed.get("organizations", [])):
        where = f"organizations/{index}"
        org_ids.add(spec["id"])
        tx.put(
            Organization(
                id=spec["id"],
                name=spec["name"],
                uuid=ids.organization_uuid(spec["id"], spec["name"]),
                user_ids=refs.ids(spec.get("users", []), f"{where}/users"),
                properties=dict(spec.get("properties", {})),
                created=_ts(spec.get("created"), f"{where}/created", now),
            )
        )
        tx.reserve("organization", spec["id"])

    slas: dict[str, list[dict[str, Any]]] = {}
    request_types: dict[int, RequestType] = {}
    for index, spec in enumerate(seed["servicedesks"]):
        where = f"servicedesks/{index}"
        for org in spec.get("organizations", []):
            if org not in org_ids:
                raise fail(f"{where}/organizations", f"unknown organization {org}", "declare it under organizations")
        tx.put(
            ServiceDesk(
                id=spec["id"],
                project_id=spec["projectId"],
                project_key=spec["projectKey"],
                project_name=spec["projectName"],
                portal_name=spec.get("portalName", spec["projectName"]),
                portal_description=spec.get("portalDescription", ""),
                agent_ids=refs.ids(spec.get("agents", []), f"{where}/agents"),
                customer_ids=refs.ids(spec.get("customers", []), f"{where}/customers"),
                organization_ids=list(spec.get("organizations", [])),
                archived=spec.get("archived", False),
            )
        )
        tx.reserve("servicedesk", spec["id"])
        slas[str(spec["id"])] = list(spec.get("slas", []))
        group_ids = set()
        for group in spec.get("requestTypeGroups", []):
            group_ids.add(group["id"])
            tx.put(RequestTypeGroup(id=group["id"], service_desk_id=spec["id"], name=group["name"]))
            tx.reserve("requesttypegroup", group["id"])
        for rt_index, rt in enumerate(spec["requestTypes"]):
            rt_where = f"{where}/requestTypes/{rt_index}"
            workflow = rt.get("workflow", "default")
            if workflow not in seed["workflows"]:
                raise fail(rt_where, f"unknown workflow {workflow!r}", "declare it under workflows")
            for group in rt.get("groups", []):
                if group not in group_ids:
                    raise fail(rt_where, f"unknown request type group {group}", "declare it under requestTypeGroups")
            approval = None
            if rt.get("approval"):
                spec_a = rt["approval"]
                for status in (spec_a["approved"], spec_a["declined"]):
                    if status not in statuses:
                        raise fail(f"{rt_where}/approval", f"status {status!r} is not in `statuses`", "declare it")
                approval = {
                    "name": spec_a["name"],
                    "approvers": refs.ids(spec_a["approvers"], f"{rt_where}/approval/approvers"),
                    "approved": spec_a["approved"],
                    "declined": spec_a["declined"],
                }
            request_type = RequestType(
                id=rt["id"],
                service_desk_id=spec["id"],
                name=rt["name"],
                description=rt.get("description", ""),
                help_text=rt.get("helpText", ""),
                issue_type_id=rt.get("issueTypeId", "10001"),
                group_ids=list(rt.get("groups", [])),
                fields=[dict(f) for f in rt["fields"]],
                workflow=workflow,
                approval=approval,
                restricted=rt.get("restricted", False),
                properties=dict(rt.get("properties", {})),
            )
            request_types[rt["id"]] = request_type
            tx.put(request_type)
            tx.reserve("requesttype", rt["id"])
        for position, queue in enumerate(spec.get("queues", [])):
            tx.put(
                Queue(
                    id=queue["id"],
                    service_desk_id=spec["id"],
                    name=queue["name"],
                    jql=queue["jql"],
                    fields=list(queue["fields"]),
                    position=position,
                )
            )
            tx.reserve("queue", queue["id"])
        for article in spec.get("articles", []):
            tx.put(
                Article(
                    id=article["id"],
                    service_desk_id=spec["id"],
                    title=article["title"],
                    excerpt=article["excerpt"],
                    body=article["body"],
                    space_key=article["spaceKey"],
                    page_id=article["pageId"],
                )
            )

    for index, spec in enumerate(seed.get("requests", [])):
        where = f"requests/{index}"
        chosen = request_types.get(spec["requestType"])
        if chosen is None or chosen.service_desk_id != spec["serviceDesk"]:
            raise fail(
                where, f"request type {spec['requestType']} is not in service desk {spec['serviceDesk']}", "fix the ids"
            )
        workflow = seed["workflows"][chosen.workflow]
        created = _ts(spec["created"], f"{where}/created", now)
        status = spec.get("status", workflow["initial"])
        if status not in statuses:
            raise fail(f"{where}/status", f"status {status!r} is not in `statuses`", "declare it under statuses")
        history = [{"status": workflow["initial"], "category": statuses[workflow["initial"]], "at": created}]
        resolved = _ts(spec.get("resolved"), f"{where}/resolved", created) if spec.get("resolved") else None
        if status != workflow["initial"]:
            history.append({"status": status, "category": statuses[status], "at": resolved or created})
        comments = spec.get("comments", [])
        first_response = None
        for c_index, comment in enumerate(comments):
            author = refs.user(comment["author"], f"{where}/comments/{c_index}/author")
            at = _ts(comment["created"], f"{where}/comments/{c_index}/created", created)
            tx.put(
                Comment(
                    id=comment["id"],
                    request_id=spec["id"],
                    author_id=author.id,
                    body=comment["body"],
                    public=comment["public"],
                    created=at,
                )
            )
            tx.reserve("comment", comment["id"])
            if comment["public"] and author.role != "customer" and first_response is None:
                first_response = at
        for a_index, approval in enumerate(spec.get("approvals", [])):
            tx.put(
                Approval(
                    id=approval["id"],
                    request_id=spec["id"],
                    name=approval["name"],
                    approver_ids=refs.ids(approval["approvers"], f"{where}/approvals/{a_index}/approvers"),
                    created=_ts(approval["created"], f"{where}/approvals/{a_index}/created", created),
                )
            )
            tx.reserve("approval", approval["id"])
        fields = {f["fieldId"]: f for f in chosen.fields}
        values: dict[str, Any] = {}
        for fid, value in spec["fields"].items():
            if fid not in fields:
                raise fail(f"{where}/fields/{fid}", f"not a field of request type {chosen.id}", "use its fieldIds")
            try:
                values[fid] = check_value(fields[fid], value)
            except JsmError as exc:
                raise fail(f"{where}/fields/{fid}", exc.message, "give a value of the field's type") from None
        feedback = spec.get("feedback")
        tx.put(
            Request(
                id=spec["id"],
                key=spec["key"],
                service_desk_id=spec["serviceDesk"],
                request_type_id=spec["requestType"],
                reporter_id=refs.user(spec["reporter"], f"{where}/reporter").id,
                created=created,
                field_values=values,
                status=status,
                status_history=history,
                participant_ids=refs.ids(spec.get("participants", []), f"{where}/participants"),
                organization_ids=list(spec.get("organizations", [])),
                feedback=None if feedback is None else {"type": "csat", "comment": None, **feedback},
                first_response_at=first_response,
                resolved_at=resolved,
            )
        )
        tx.reserve("issue", spec["id"])
        project_key, _, number = spec["key"].rpartition("-")
        if not is_number(number):
            raise fail(f"{where}/key", f"{spec['key']!r} is not PROJECT-NUMBER", "write e.g. ITS-1")
        tx.reserve(f"issuekey:{project_key}", int(number))

    tx.reserve("comment", FIRST_COMMENT_ID - 1)
    tx.reserve("issue", FIRST_ISSUE_ID - 1)
    tx.reserve("attachment", FIRST_ATTACHMENT_ID - 1)
    tx.put(Setting("catalog", {"statuses": statuses, "workflows": seed["workflows"], "slas": slas}))
    tx.put(Setting("queue-settings", {"global": {"includeCount": True, "useCountCache": False}, "projects": {}}))
    tx.put(Setting("flavor", flavor))


def put_user(tx: Transaction, user: User, flavor: str) -> None:
    """Store a user with its lookup entries: email, and its basic login and bearer token when it has them."""
    tx.put(user)
    tx.put(UserIndex(f"email:{user.email.lower()}", user.id))
    if user.password:
        login = user.email if flavor == "cloud" else user.username
        tx.put(UserIndex(f"basic:{login.lower()}", user.id))
    if user.token:
        tx.put(UserIndex(f"bearer:{user.token}", user.id))


def user_by_index(tx: Transaction, name: str) -> User | None:
    entry = tx.get(UserIndex, name)
    return None if entry is None else tx.get(User, entry.user_id)


def encode_content(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decode_content(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))
