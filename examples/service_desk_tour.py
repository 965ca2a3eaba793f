"""The facade's tour: one script, unchanged, against JSM Server/DC or Cloud.

Creates a customer, makes them a customer of the first service desk, lists every customer of that desk across pages,
raises a request on their behalf and attaches a file to it, with a comment.

    # against the mock (no JSM needed): starts it, runs the tour, stops it
    python examples/service_desk_tour.py --mock cloud
    python examples/service_desk_tour.py --mock server

    # against a real site (an admin credential: creating customers needs the Jira administrator permission)
    export JSM_BASE_URL=https://example.atlassian.net JSM_USER=me@example.com JSM_API_TOKEN=...
    python examples/service_desk_tour.py
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsm


@dataclass
class Tour:
    """What the tour did (models are the site's flavor's generated models)."""

    customer: Any
    customers_of_desk: list[Any]
    request: Any
    attached: Any


def tour(client: jsm.Client, *, email: str, page_size: int = 1) -> Tour:
    """The same calls whatever the flavor: the facade sends `fullName` or `displayName`, usernames or accountIds."""
    desk = next(iter(client.service_desks.list(max_items=1)))
    request_type = next(iter(client.request_types.list(desk.id, max_items=1)))
    customer = client.customers.create(email=email, display_name="Grace Hopper")
    client.customers.add(desk.id, [customer])
    customers = list(client.customers.list(desk.id, page_size=page_size))
    request = client.requests.create(
        desk.id,
        request_type.id,
        summary="The printer on floor 3 prints blank pages",
        description="Since this morning, every page comes out blank.",
        on_behalf_of=customer,
    )
    attached = client.requests.attachments.attach(
        request.issue_key,
        [("printer-log.txt", b"E-42 drum unit empty\n", "text/plain")],
        public=True,
        comment="The printer's log, attached by the tour.",
    )
    return Tour(customer=customer, customers_of_desk=customers, request=request, attached=attached)


@contextlib.contextmanager
def _client(mock_flavor: str | None) -> Iterator[jsm.Client]:
    if mock_flavor is None:
        with jsm.Client.from_env() as client:
            yield client
        return
    from jsm_openapi.mock.runner import run_mock

    with run_mock(mock_flavor) as mock, jsm.Client(mock.base_url, auth=jsm.BasicAuth(*mock.admin.basic)) as client:
        yield client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mock", choices=["server", "cloud"], help="run against a mock JSM of this flavor")
    parser.add_argument("--email", default=f"grace-{uuid.uuid4().hex[:8]}@example.com", help="the new customer's email")
    args = parser.parse_args()
    with _client(args.mock) as client:
        done = tour(client, email=args.email)
        lines = [
            repr(client),
            f"customer:  {done.customer.email_address} ({done.customer.display_name})",
            f"customers of the desk: {', '.join(str(c.email_address) for c in done.customers_of_desk)}",
            f"request:   {done.request.issue_key}",
            f"attached:  {[a.filename for a in done.attached.attachments.values]}",
        ]
        sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
