"""The mock's operations, one module per JSM resource; importing this package registers them all."""

from __future__ import annotations

from ..routing import Registry

routes = Registry()

from . import (  # noqa: E402 - each module registers its operations on `routes`
    attachments,
    comments,
    customers,
    issues,
    knowledgebase,
    organizations,
    platform,
    queues,
    requests,
    requesttypes,
    servicedesks,
    users,
)

__all__ = [
    "attachments",
    "comments",
    "customers",
    "issues",
    "knowledgebase",
    "organizations",
    "platform",
    "queues",
    "requests",
    "requesttypes",
    "routes",
    "servicedesks",
    "users",
]
