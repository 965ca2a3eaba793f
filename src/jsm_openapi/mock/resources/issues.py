"""The platform's issue removal (`DELETE /rest/api/2/issue/{issueIdOrKey}`): a customer request is a Jira issue.

Jira's "delete issues" permission: a Jira admin or an agent of the request's service desk (JSM's default permission
scheme). Whoever cannot see the issue gets Jira's 404, whoever sees it without the permission a 403; errors are the
platform's `{errorMessages, errors}` (app.py answers so on `/rest/api/...`).
"""

from __future__ import annotations

from starlette.responses import Response

from ..access import can_see_request, desk_of, is_agent
from ..errors import JsmError, forbidden
from ..model import Request
from ..removal import remove_request
from ..routing import Call, is_number
from . import routes


def _issue(call: Call, raw: str) -> Request:
    """The issue by id or key; 404 as Jira words it when absent or out of the caller's sight."""
    if is_number(raw):
        found = call.tx.get(Request, int(raw))
    else:
        found = next((r for r in call.tx.all(Request) if r.key.lower() == raw.lower()), None)
    if found is None or not can_see_request(call, found):
        raise JsmError(404, "Issue Does Not Exist", "issue.does.not.exist", raw)
    return found


@routes.op("DELETE", "/api/2/issue/{issueIdOrKey}")
def delete_issue(call: Call) -> Response:
    """`deleteSubtasks` is accepted and has nothing to do: customer requests have no subtasks here."""
    request = _issue(call, call.path["issueIdOrKey"])
    if not is_agent(call.me, desk_of(call, request)):
        raise forbidden("You do not have permission to delete issues in this project.")
    remove_request(call.tx, request)
    return call.no_content()
