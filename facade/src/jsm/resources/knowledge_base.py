"""`client.knowledge_base`: search knowledge base articles, site-wide or in one service desk (Cloud)."""

from __future__ import annotations

from .. import models
from ..calls import Plan
from ..paging import AsyncPaginator, Paginator
from ._base import AsyncResource, Resource, ident

ARTICLES = "/servicedeskapi/knowledgebase/article"
DESK_ARTICLES = "/servicedeskapi/servicedesk/{serviceDeskId}/knowledgebase/article"


def plan_search(query: str, desk: str | int | None, highlight: bool) -> Plan[models.Article]:
    args = {"query": query, "highlight": highlight or None}
    if desk is None:
        return Plan("GET", ARTICLES, args)
    return Plan("GET", DESK_ARTICLES, {"service_desk_id": ident(desk), **args})


class KnowledgeBase(Resource):
    """Knowledge base: `search`."""

    def search(
        self,
        query: str,
        *,
        service_desk: str | int | None = None,
        highlight: bool = False,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[models.Article]:
        """Articles matching `query` (in one service desk when given)."""
        return self._pages(plan_search(query, service_desk, highlight), page_size, max_items)


class AsyncKnowledgeBase(AsyncResource):
    """`KnowledgeBase` for the async client."""

    def search(
        self,
        query: str,
        *,
        service_desk: str | int | None = None,
        highlight: bool = False,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPaginator[models.Article]:
        return self._pages(plan_search(query, service_desk, highlight), page_size, max_items)
