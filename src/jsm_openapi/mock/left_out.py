"""/servicedeskapi operations of the patched documents that the mock does not serve, and why (the README lists them)."""

from __future__ import annotations

LEFT_OUT: dict[tuple[str, str, str], str] = {
    ("server", "POST", "/servicedeskapi/servicedesk/{serviceDeskId}/queue/reorder"): (
        "the reconstructed DC document gives it a bare string body and one queue as the answer, which cannot be what "
        "reordering all of a service desk's queues takes and gives; JSM's real shapes are not known here, so the mock "
        "would only be guessing (an overlay with evidence comes first)"
    ),
}
