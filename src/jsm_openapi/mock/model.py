"""The mock's state: plain records, flavor-neutral; `render` turns them into each product's JSON.

Every record is an attrs class with a `KIND` (its table) and an `ident` (its key in that table), stored as JSON.
Timestamps are epoch milliseconds.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

import attrs


@attrs.define
class User:
    KIND: ClassVar[str] = "user"
    id: int
    role: str  # admin | agent | customer
    username: str  # Server login name (customers: their email); Cloud: the accountId
    key: str  # Server user key (JIRAUSER10000); Cloud: the accountId
    email: str
    display_name: str
    account_id: str | None = None  # Cloud only
    active: bool = True
    time_zone: str = "Etc/UTC"
    password: str | None = None
    token: str | None = None
    created: int = 0
    deleted: bool = False  # removed, but still named by what they wrote or reported (removal.py)

    @property
    def ident(self) -> str:
        return str(self.id)


@attrs.define
class UserIndex:
    """Finds a user fast: `email:<email>`, `basic:<login>`, `bearer:<token>` (all lower-case but the token)."""

    KIND: ClassVar[str] = "user-index"
    name: str
    user_id: int

    @property
    def ident(self) -> str:
        return self.name


@attrs.define
class Organization:
    KIND: ClassVar[str] = "organization"
    id: int
    name: str
    uuid: str
    user_ids: list[int] = attrs.field(factory=list)
    properties: dict[str, Any] = attrs.field(factory=dict)
    created: int = 0

    @property
    def ident(self) -> str:
        return str(self.id)


@attrs.define
class ServiceDesk:
    KIND: ClassVar[str] = "servicedesk"
    id: int
    project_id: int
    project_key: str
    project_name: str
    portal_name: str
    portal_description: str = ""
    agent_ids: list[int] = attrs.field(factory=list)
    customer_ids: list[int] = attrs.field(factory=list)
    organization_ids: list[int] = attrs.field(factory=list)
    archived: bool = False

    @property
    def ident(self) -> str:
        return str(self.id)


@attrs.define
class RequestTypeGroup:
    KIND: ClassVar[str] = "requesttypegroup"
    id: int
    service_desk_id: int
    name: str

    @property
    def ident(self) -> str:
        return str(self.id)


@attrs.define
class RequestType:
    KIND: ClassVar[str] = "requesttype"
    id: int
    service_desk_id: int
    name: str
    description: str = ""
    help_text: str = ""
    issue_type_id: str = "10001"
    group_ids: list[int] = attrs.field(factory=list)
    fields: list[dict[str, Any]] = attrs.field(factory=list)
    workflow: str = "default"
    approval: dict[str, Any] | None = None  # {name, approvers: [user id], approved: status, declined: status}
    restricted: bool = False
    allowlist: list[dict[str, Any]] = attrs.field(factory=list)  # Server request-type permissions
    properties: dict[str, Any] = attrs.field(factory=dict)
    icon_id: str = "10500"

    @property
    def ident(self) -> str:
        return str(self.id)


@attrs.define
class Request:
    KIND: ClassVar[str] = "request"
    id: int  # the issue id
    key: str  # the issue key, e.g. ITS-1
    service_desk_id: int
    request_type_id: int
    reporter_id: int
    created: int
    field_values: dict[str, Any]
    status: str
    status_history: list[dict[str, Any]] = attrs.field(factory=list)  # [{status, category, at}] newest last
    participant_ids: list[int] = attrs.field(factory=list)
    subscriber_ids: list[int] = attrs.field(factory=list)
    unsubscribed_ids: list[int] = attrs.field(factory=list)
    organization_ids: list[int] = attrs.field(factory=list)
    feedback: dict[str, Any] | None = None  # {rating, comment, type}
    first_response_at: int | None = None
    resolved_at: int | None = None

    @property
    def ident(self) -> str:
        return str(self.id)


@attrs.define
class Comment:
    KIND: ClassVar[str] = "comment"
    id: int
    request_id: int
    author_id: int
    body: str
    public: bool
    created: int
    attachment_ids: list[int] = attrs.field(factory=list)

    @property
    def ident(self) -> str:
        return str(self.id)


@attrs.define
class Attachment:
    KIND: ClassVar[str] = "attachment"
    id: int
    request_id: int
    comment_id: int | None
    author_id: int
    filename: str
    mime_type: str
    size: int
    created: int
    content_b64: str

    @property
    def ident(self) -> str:
        return str(self.id)


@attrs.define
class TemporaryFile:
    KIND: ClassVar[str] = "tempfile"
    id: str  # temp<digits>, as JSM names them
    service_desk_id: int
    uploader_id: int
    filename: str
    mime_type: str
    content_b64: str
    created: int

    @property
    def ident(self) -> str:
        return self.id


@attrs.define
class Approval:
    KIND: ClassVar[str] = "approval"
    id: int
    request_id: int
    name: str
    approver_ids: list[int]
    created: int
    decisions: dict[str, str] = attrs.field(factory=dict)  # user id → approved | declined
    final: str = "pending"  # pending | approved | declined
    completed: int | None = None

    @property
    def ident(self) -> str:
        return str(self.id)


@attrs.define
class Queue:
    KIND: ClassVar[str] = "queue"
    id: int
    service_desk_id: int
    name: str
    jql: str
    fields: list[str]
    position: int = 0

    @property
    def ident(self) -> str:
        return str(self.id)


@attrs.define
class Article:
    KIND: ClassVar[str] = "article"
    id: int
    service_desk_id: int
    title: str
    excerpt: str
    body: str
    space_key: str
    page_id: str

    @property
    def ident(self) -> str:
        return str(self.id)


@attrs.define
class Setting:
    """A small named value: queue settings, the catalog (workflows and SLA goals), the store's flavor."""

    KIND: ClassVar[str] = "setting"
    name: str
    value: Any

    @property
    def ident(self) -> str:
        return self.name


Record = (
    User
    | UserIndex
    | Organization
    | ServiceDesk
    | RequestTypeGroup
    | RequestType
    | Request
    | Comment
    | Attachment
    | TemporaryFile
    | Approval
    | Queue
    | Article
    | Setting
)
R = TypeVar("R", bound=Record)


def to_json(record: Record) -> dict[str, Any]:
    return attrs.asdict(record, recurse=True)


def from_json(cls: type[R], data: dict[str, Any]) -> R:
    return cls(**data)
