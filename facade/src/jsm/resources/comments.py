"""`client.requests.comments`: a request's comments, public or internal."""

from __future__ import annotations

from .. import models
from ..calls import Plan
from ..paging import AsyncPaginator, Paginator
from ._base import AsyncResource, Resource, ident

COMMENTS = "/servicedeskapi/request/{issueIdOrKey}/comment"
COMMENT = "/servicedeskapi/request/{issueIdOrKey}/comment/{commentId}"


def plan_list(request: str | int, public: bool | None, internal: bool | None) -> Plan[models.Comment]:
    return Plan("GET", COMMENTS, {"issue_id_or_key": ident(request), "public": public, "internal": internal})


def plan_get(request: str | int, comment: str | int) -> Plan[models.Comment]:
    return Plan("GET", COMMENT, {"issue_id_or_key": ident(request), "comment_id": ident(comment)})


def plan_add(request: str | int, body: str, public: bool) -> Plan[models.Comment]:
    return Plan("POST", COMMENTS, {"issue_id_or_key": ident(request), "body": {"body": body, "public": public}})


class Comments(Resource):
    """Comments of a request: `list` (optionally only public or internal ones), `get`, `add`."""

    def list(
        self,
        request: str | int,
        *,
        public: bool | None = None,
        internal: bool | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[models.Comment]:
        return self._pages(plan_list(request, public, internal), page_size, max_items)

    def get(self, request: str | int, comment: str | int) -> models.Comment:
        return self._run(plan_get(request, comment))

    def add(self, request: str | int, body: str, *, public: bool = True) -> models.Comment:
        """Comment on a request; `public=False` makes an internal comment (agents only)."""
        return self._run(plan_add(request, body, public))


class AsyncComments(AsyncResource):
    """`Comments` for the async client."""

    def list(
        self,
        request: str | int,
        *,
        public: bool | None = None,
        internal: bool | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPaginator[models.Comment]:
        return self._pages(plan_list(request, public, internal), page_size, max_items)

    async def get(self, request: str | int, comment: str | int) -> models.Comment:
        return await self._run(plan_get(request, comment))

    async def add(self, request: str | int, body: str, *, public: bool = True) -> models.Comment:
        return await self._run(plan_add(request, body, public))
