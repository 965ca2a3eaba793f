"""Removing a user or a customer request, and what goes with each (the platform's DELETE user / DELETE issue).

A removed user loses every membership (service desk customer or agent, organization member, request participant,
notification subscriber, request-type allowlist entry) and every way to be found or to log in. What they wrote or
reported stays, as in Jira: when something still names them (a request they reported, a comment, an attachment, an
approval), the record stays as a `deleted` tombstone those answers can still render; otherwise it goes entirely.
"""

from __future__ import annotations

from .model import (
    Approval,
    Attachment,
    Comment,
    Organization,
    Request,
    RequestType,
    ServiceDesk,
    TemporaryFile,
    User,
    UserIndex,
)
from .store import Transaction


def _without(ids: list[int], user_id: int) -> list[int]:
    return [i for i in ids if i != user_id]


def _drop_memberships(tx: Transaction, user: User) -> None:
    for desk in tx.all(ServiceDesk):
        if user.id in desk.customer_ids or user.id in desk.agent_ids:
            desk.customer_ids, desk.agent_ids = _without(desk.customer_ids, user.id), _without(desk.agent_ids, user.id)
            tx.put(desk)
    for organization in tx.all(Organization):
        if user.id in organization.user_ids:
            organization.user_ids = _without(organization.user_ids, user.id)
            tx.put(organization)
    for request in tx.all(Request):
        lists = (request.participant_ids, request.subscriber_ids, request.unsubscribed_ids)
        if any(user.id in ids for ids in lists):
            request.participant_ids = _without(request.participant_ids, user.id)
            request.subscriber_ids = _without(request.subscriber_ids, user.id)
            request.unsubscribed_ids = _without(request.unsubscribed_ids, user.id)
            tx.put(request)
    names = {user.username, user.key, user.account_id}
    for request_type in tx.all(RequestType):
        kept = [e for e in request_type.allowlist if not (e["entityType"] == "USER" and e["entityId"] in names)]
        if len(kept) != len(request_type.allowlist):
            request_type.allowlist = kept
            tx.put(request_type)


def _still_named(tx: Transaction, user: User) -> bool:
    """Whether content someone else may read names the user (so the record must stay, as a tombstone)."""
    return (
        any(r.reporter_id == user.id for r in tx.all(Request))
        or any(c.author_id == user.id for c in tx.all(Comment))
        or any(a.author_id == user.id for a in tx.all(Attachment))
        or any(f.uploader_id == user.id for f in tx.all(TemporaryFile))
        or any(user.id in a.approver_ids or str(user.id) in a.decisions for a in tx.all(Approval))
    )


def remove_user(tx: Transaction, user: User) -> None:
    """Remove a user: memberships and lookups go; the record goes too, or stays as a tombstone (module docstring)."""
    _drop_memberships(tx, user)
    for entry in tx.all(UserIndex):
        if entry.user_id == user.id:
            tx.delete(UserIndex, entry.ident)
    if _still_named(tx, user):
        user.deleted, user.active, user.password, user.token = True, False, None, None
        tx.put(user)
    else:
        tx.delete(User, user.id)


def remove_request(tx: Transaction, request: Request) -> None:
    """Remove a customer request with its comments, attachments and approvals (participants live in the request)."""
    for comment in tx.all(Comment):
        if comment.request_id == request.id:
            tx.delete(Comment, comment.id)
    for attachment in tx.all(Attachment):
        if attachment.request_id == request.id:
            tx.delete(Attachment, attachment.id)
    for approval in tx.all(Approval):
        if approval.request_id == request.id:
            tx.delete(Approval, approval.id)
    tx.delete(Request, request.id)
