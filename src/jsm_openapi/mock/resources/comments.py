"""Comments on customer requests: public (customers see them) and internal (agents only)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ..access import desk_of, is_agent, request_by_key
from ..dates import now_ms
from ..errors import bad_request, forbidden, not_found
from ..model import Attachment, Comment, Request
from ..paging import page
from ..people import users_by_id
from ..render import attachment as render_attachment
from ..render import comment as render_comment
from ..routing import CLOUD, Call
from . import routes
from .requests import embedded_page, visible_comments


def add_comment(
    call: Call, request: Request, body: str, *, public: bool, attachment_ids: list[int] | None = None
) -> Comment:
    """Store a comment by the caller; an agent's first public comment stops "time to first response"."""
    now = now_ms()
    comment = Comment(
        id=call.tx.next_id("comment"),
        request_id=request.id,
        author_id=call.me.id,
        body=body,
        public=public,
        created=now,
        attachment_ids=list(attachment_ids or []),
    )
    call.tx.put(comment)
    if public and request.first_response_at is None and is_agent(call.me, desk_of(call, request)):
        request.first_response_at = now
        call.tx.put(request)
    return comment


def _render(call: Call, comment: Comment) -> dict[str, Any]:
    expand = call.multi("expand")
    users = users_by_id(call)
    attachments = None
    if "attachment" in expand:
        files = [
            render_attachment(call.site, a, users[a.author_id])
            for a in call.tx.all(Attachment)
            if a.id in comment.attachment_ids
        ]
        url = call.site.rest(f"/servicedeskapi/request/{comment.request_id}/comment/{comment.id}/attachment")
        attachments = embedded_page(call.site, files, url)
    return render_comment(
        call.site, comment, users[comment.author_id], attachments=attachments, rendered="renderedBody" in expand
    )


@routes.op("GET", "/servicedeskapi/request/{issueIdOrKey}/comment")
def get_request_comments(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    public, internal = call.flag("public", True), call.flag("internal", True)
    found = [c for c in visible_comments(call, request) if (c.public and public) or (not c.public and internal)]
    return call.reply(page(call, found, lambda c: _render(call, c)))


@routes.op("POST", "/servicedeskapi/request/{issueIdOrKey}/comment")
def create_request_comment(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    body = call.object()
    text, public = body.get("body"), body.get("public", True)
    if not isinstance(text, str) or not text.strip():
        raise bad_request("'body' is required: the text of the comment.", "sd.comment.error.body.required")
    if not isinstance(public, bool):
        raise bad_request("'public' must be true or false.", "sd.comment.error.public")
    if not public and not is_agent(call.me, desk_of(call, request)):
        raise forbidden("Only agents can add internal comments.", "sd.comment.error.internal.permission")
    comment = add_comment(call, request, text, public=public)
    return call.reply(render_comment(call.site, comment, call.me), 201)


def comment_on(call: Call, request: Request) -> Comment:
    raw = call.path["commentId"]
    found = next((c for c in visible_comments(call, request) if str(c.id) == raw), None)
    if found is None:
        raise not_found("Comment", raw, "sd.comment.error.not.found")
    return found


@routes.op("GET", "/servicedeskapi/request/{issueIdOrKey}/comment/{commentId}")
def get_request_comment_by_id(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    return call.reply(_render(call, comment_on(call, request)))


@routes.op(
    "GET", "/servicedeskapi/request/{issueIdOrKey}/comment/{commentId}/attachment", flavors=CLOUD, experimental=CLOUD
)
def get_comment_attachments(call: Call) -> Response:
    request = request_by_key(call, call.path["issueIdOrKey"])
    comment = comment_on(call, request)
    users = users_by_id(call)
    files = [a for a in call.tx.all(Attachment) if a.id in comment.attachment_ids]
    return call.reply(page(call, files, lambda a: render_attachment(call.site, a, users[a.author_id])))
