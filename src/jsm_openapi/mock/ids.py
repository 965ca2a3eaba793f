"""Identifiers shaped like each product's: Server user keys, Cloud account ids, temporary attachment ids.

All derived deterministically (from a sequence number and an email), so a seed gives the same ids every run and
two creates never share one (the sequence number comes from the store's transaction).
"""

from __future__ import annotations

import hashlib
import uuid

_NAMESPACE = uuid.UUID("5f0e3d2a-7a51-4c1e-9d3b-6a0c1f2e8b47")


def _hex(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def server_user_key(user_id: int) -> str:
    """`JIRAUSER10000`: the key Jira DC gives users created since 8.x."""
    return f"JIRAUSER{user_id}"


def cloud_customer_account_id(user_id: int, email: str) -> str:
    """`qm:<uuid>:<hex>`: the shape of a JSM Cloud portal-only customer's accountId."""
    return f"qm:{uuid.uuid5(_NAMESPACE, f'{user_id}:{email}')}:{_hex(f'{user_id}:{email}', 23)}"


def cloud_atlassian_account_id(email: str) -> str:
    """24 hex digits: the shape of an Atlassian account's accountId (agents, admins)."""
    return _hex(f"atlassian:{email}", 24)


def organization_uuid(org_id: int, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"organization:{org_id}:{name}"))


def temporary_attachment_id(sequence: int) -> str:
    """`temp<digits>`, as JSM names temporary attachments."""
    return f"temp{int(_hex(f'temp:{sequence}', 15), 16)}{sequence}"
