"""`client.requests.attachments`: attach files to a request in one call, list attachments, read their content."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import ExitStack
from typing import Any

from .. import models
from ..calls import FileParts, Plan
from ..errors import JsmError
from ..paging import AsyncPaginator, Paginator
from ..uploads import FileSpec, file_parts, temporary_ids
from ._base import AsyncResource, Resource, ident

TEMPORARY = "/servicedeskapi/servicedesk/{serviceDeskId}/attachTemporaryFile"
ATTACHMENTS = "/servicedeskapi/request/{issueIdOrKey}/attachment"
CONTENT = "/servicedeskapi/request/{issueIdOrKey}/attachment/{attachmentId}"
REQUEST = "/servicedeskapi/request/{issueIdOrKey}"


def plan_upload(desk: str | int, parts: FileParts) -> Plan[list[str]]:
    return Plan("POST", TEMPORARY, {"service_desk_id": ident(desk), "body": parts}, result=temporary_ids)


def plan_attach(request: str | int, ids: list[str], public: bool, comment: str | None) -> Plan[models.AttachmentResult]:
    body: dict[str, Any] = {"temporaryAttachmentIds": ids, "public": public}
    if comment:
        body["additionalComment"] = {"body": comment}
    return Plan("POST", ATTACHMENTS, {"issue_id_or_key": ident(request), "body": body})


def plan_desk_of(request: str | int) -> Plan[str | int]:
    return Plan("GET", REQUEST, {"issue_id_or_key": ident(request)}, result=_desk_id)


def plan_list(request: str | int) -> Plan[models.Attachment]:
    return Plan("GET", ATTACHMENTS, {"issue_id_or_key": ident(request)})


def plan_content(request: str | int, attachment: str | int) -> Plan[bytes]:
    return Plan("GET", CONTENT, {"issue_id_or_key": ident(request), "attachment_id": ident(attachment)}, result=_bytes)


def _desk_id(request: Any) -> str:
    desk = getattr(request, "service_desk_id", None)
    if not isinstance(desk, str | int) or desk == "":
        raise JsmError("the request carries no serviceDeskId; pass service_desk= to attach")
    return str(desk)


def _bytes(file: Any) -> bytes:
    payload = getattr(file, "payload", None)
    if payload is None or not hasattr(payload, "read"):
        raise JsmError("the attachment answer carried no content")
    data = payload.read()
    return bytes(data)


class Attachments(Resource):
    """Attachments of a request: `attach` (upload + attach in one call), `upload`, `list`, `content`."""

    def attach(
        self,
        request: str | int,
        files: FileSpec | Iterable[FileSpec],
        *,
        public: bool = True,
        comment: str | None = None,
        service_desk: str | int | None = None,
    ) -> models.AttachmentResult:
        """Upload files and attach them to the request, public (customers see them) or internal, with an optional
        comment. The request's service desk is looked up unless given."""
        with ExitStack() as stack:
            parts = file_parts(files, stack)
            desk = service_desk if service_desk is not None else self._run(plan_desk_of(request))
            ids = self._run(plan_upload(desk, parts))
        return self._run(plan_attach(request, ids, public, comment))

    def upload(self, service_desk: str | int, files: FileSpec | Iterable[FileSpec]) -> list[str]:
        """Upload files to a service desk as temporary attachments; their ids (attach them within the hour)."""
        with ExitStack() as stack:
            return self._run(plan_upload(service_desk, file_parts(files, stack)))

    def list(
        self, request: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[models.Attachment]:
        """The request's attachments (Cloud)."""
        return self._pages(plan_list(request), page_size, max_items)

    def content(self, request: str | int, attachment: str | int) -> bytes:
        """The bytes of an attachment (Cloud)."""
        return self._run(plan_content(request, attachment))


class AsyncAttachments(AsyncResource):
    """`Attachments` for the async client."""

    async def attach(
        self,
        request: str | int,
        files: FileSpec | Iterable[FileSpec],
        *,
        public: bool = True,
        comment: str | None = None,
        service_desk: str | int | None = None,
    ) -> models.AttachmentResult:
        with ExitStack() as stack:
            parts = file_parts(files, stack)
            desk = service_desk if service_desk is not None else await self._run(plan_desk_of(request))
            ids = await self._run(plan_upload(desk, parts))
        return await self._run(plan_attach(request, ids, public, comment))

    async def upload(self, service_desk: str | int, files: FileSpec | Iterable[FileSpec]) -> list[str]:
        with ExitStack() as stack:
            return await self._run(plan_upload(service_desk, file_parts(files, stack)))

    def list(
        self, request: str | int, *, page_size: int | None = None, max_items: int | None = None
    ) -> AsyncPaginator[models.Attachment]:
        return self._pages(plan_list(request), page_size, max_items)

    async def content(self, request: str | int, attachment: str | int) -> bytes:
        return await self._run(plan_content(request, attachment))
