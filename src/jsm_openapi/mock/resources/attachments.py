"""Attachments: temporary files (multipart, XSRF-guarded), attaching them to a request, listing and downloading."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.responses import Response

from .. import ids
from ..access import desk_by_id, desk_of, is_agent, request_by_key
from ..dates import now_ms
from ..errors import JsmError, bad_request, forbidden, not_found
from ..model import Attachment, Request, TemporaryFile
from ..paging import page
from ..people import users_by_id
from ..render import attachment as render_attachment
from ..render import comment as render_comment
from ..routing import CLOUD, SERVER, Call, is_number
from ..seed import decode_content, encode_content
from ..wire import content_disposition, media_type
from . import routes
from .comments import add_comment
from .requests import embedded_page, visible_comments

MAX_FILE_BYTES = 10 * 1024 * 1024
XSRF_HEADER = "X-Atlassian-Token"


@routes.op("POST", "/servicedeskapi/servicedesk/{serviceDeskId}/attachTemporaryFile", multipart=True)
def attach_temporary_file(call: Call) -> Response:
    if (call.header(XSRF_HEADER) or "").lower() != "no-check":
        raise forbidden(
            "XSRF check failed: send the header X-Atlassian-Token: no-check with multipart uploads.",
            "sd.attachment.error.xsrf",
        )
    desk = desk_by_id(call, call.path["serviceDeskId"])
    if call.form is None:
        raise JsmError(
            415, "Send the files as multipart/form-data, in parts named 'file'.", "sd.error.unsupported.media.type"
        )
    parts = [part for part in call.form.getlist("file") if isinstance(part, UploadFile)]
    if not parts:
        raise bad_request(
            "No file was sent: put each file in a multipart part named 'file'.", "sd.attachment.error.no.file"
        )
    answers = []
    for part in parts:
        data = part.file.read()
        if len(data) > MAX_FILE_BYTES:
            raise JsmError(
                413, f"{part.filename} is larger than the {MAX_FILE_BYTES}-byte limit.", "sd.attachment.error.too.large"
            )
        temp = TemporaryFile(
            id=ids.temporary_attachment_id(call.tx.next_id("tempfile")),
            service_desk_id=desk.id,
            uploader_id=call.me.id,
            filename=part.filename or "file",
            mime_type=media_type(part.content_type),
            content_b64=encode_content(data),
            created=now_ms(),
        )
        call.tx.put(temp)
        answers.append({"temporaryAttachmentId": temp.id, "fileName": temp.filename})
    return call.reply({"temporaryAttachments": answers}, 201)


@routes.op("POST", "/servicedeskapi/request/{issueIdOrKey}/attachment")
def create_attachment(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    body = call.object()
    temp_ids = body.get("temporaryAttachmentIds")
    public = body.get("public", True)
    if not isinstance(temp_ids, list) or not temp_ids or not all(isinstance(t, str) for t in temp_ids):
        raise bad_request(
            "'temporaryAttachmentIds' is required: ids from attachTemporaryFile.", "sd.attachment.error.ids"
        )
    if not isinstance(public, bool):
        raise bad_request("'public' must be true or false.", "sd.attachment.error.public")
    if not public and not is_agent(call.me, desk_of(call, request)):
        raise forbidden("Only agents can add internal attachments.", "sd.attachment.error.internal.permission")
    comment_text = ""
    extra = body.get("additionalComment")
    if extra is not None:
        if not isinstance(extra, dict) or not isinstance(extra.get("body", ""), str):
            raise bad_request("'additionalComment' must be {body: text}.", "sd.attachment.error.comment")
        comment_text = extra.get("body", "")
    temps = []
    for temp_id in temp_ids:
        temp = call.tx.get(TemporaryFile, temp_id)
        if temp is None or temp.uploader_id != call.me.id or temp.service_desk_id != request.service_desk_id:
            raise bad_request(
                f"The temporary attachment {temp_id} does not exist, expired, or belongs to another service desk.",
                "sd.attachment.error.temporary.not.found",
                temp_id,
            )
        temps.append(temp)
    now = now_ms()
    made = []
    for temp in temps:
        data = decode_content(temp.content_b64)
        made.append(
            Attachment(
                id=call.tx.next_id("attachment"),
                request_id=request.id,
                comment_id=None,
                author_id=call.me.id,
                filename=temp.filename,
                mime_type=temp.mime_type,
                size=len(data),
                created=now,
                content_b64=temp.content_b64,
            )
        )
        call.tx.delete(TemporaryFile, temp.id)
    links = " ".join(f"[^{a.filename}]" for a in made)
    comment = add_comment(
        call, request, f"{comment_text}\n\n{links}".strip(), public=public, attachment_ids=[a.id for a in made]
    )
    for attachment in made:
        attachment.comment_id = comment.id
        call.tx.put(attachment)
    base = call.site.rest(f"/servicedeskapi/request/{request.id}/attachment")
    files = [render_attachment(call.site, a, call.me) for a in made]
    return call.reply(
        {"comment": render_comment(call.site, comment, call.me), "attachments": embedded_page(call.site, files, base)},
        201,
    )


def visible_attachments(call: Call, request: Request) -> list[Attachment]:
    comments = {c.id for c in visible_comments(call, request)}
    return [
        a
        for a in call.tx.all(Attachment)
        if a.request_id == request.id and (a.comment_id is None or a.comment_id in comments)
    ]


@routes.op("GET", "/servicedeskapi/request/{issueIdOrKey}/attachment", flavors=CLOUD)
def get_attachments_for_request(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    users = users_by_id(call)
    return call.reply(
        page(call, visible_attachments(call, request), lambda a: render_attachment(call.site, a, users[a.author_id]))
    )


def _attachment(call: Call, request: Request, raw: str) -> Attachment:
    found = next((a for a in visible_attachments(call, request) if str(a.id) == raw), None)
    if found is None:
        raise not_found("Attachment", raw, "sd.attachment.error.not.found")
    return found


def _download(attachment: Attachment) -> Response:
    return Response(
        decode_content(attachment.content_b64),
        media_type=media_type(attachment.mime_type),  # checked again: a database may predate the check
        headers={"Content-Disposition": content_disposition(attachment.filename)},
    )


@routes.op("GET", "/servicedeskapi/request/{issueIdOrKey}/attachment/{attachmentId}", flavors=CLOUD)
def get_attachment_content(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    return _download(_attachment(call, request, call.path["attachmentId"]))


@routes.op("GET", "/servicedeskapi/request/{issueIdOrKey}/attachment/{attachmentId}/thumbnail", flavors=CLOUD)
def get_attachment_thumbnail(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    attachment = _attachment(call, request, call.path["attachmentId"])
    if not attachment.mime_type.startswith("image/"):
        raise bad_request(
            f"{attachment.filename} is not an image, so it has no thumbnail.", "sd.attachment.error.no.thumbnail"
        )
    return _download(attachment)


@routes.op("GET", "/secure/attachment/{attachmentId}/{filename:path}", flavors=SERVER)
def get_server_attachment_content(call: Call) -> Response:
    """Data Center serves attachment bytes outside the REST API; `_links.content` points here. The name after the
    id is the file's (one encoded segment, `render.path_segment`; decoded it may hold `/`); the id decides."""
    raw = call.path["attachmentId"]
    attachment = call.tx.get(Attachment, int(raw)) if is_number(raw) else None
    if attachment is None:
        raise not_found("Attachment", raw, "sd.attachment.error.not.found")
    request = call.tx.get(Request, attachment.request_id)
    if request is None:
        raise not_found("Attachment", raw, "sd.attachment.error.not.found")
    return _download(_attachment(call, request_by_key(call, str(request.id)), raw))
