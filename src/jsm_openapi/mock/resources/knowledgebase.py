"""Knowledge base search (Cloud): articles whose title, excerpt or body hold the query, highlighted on request."""

from __future__ import annotations

from starlette.responses import Response

from ..access import can_see_desk, desk_by_id
from ..errors import bad_request
from ..model import Article, ServiceDesk
from ..paging import page
from ..render import article
from ..routing import CLOUD, Call
from . import routes


def _search(call: Call, desks: set[int]) -> Response:
    query = call.query.get("query")
    if not query or not query.strip():
        raise bad_request("The query parameter 'query' is required.", "sd.kb.error.query.required")
    highlight = call.flag("highlight")
    needle = query.strip().lower()
    found = [
        a
        for a in call.tx.all(Article)
        if a.service_desk_id in desks and any(needle in text.lower() for text in (a.title, a.excerpt, a.body))
    ]
    return call.reply(page(call, found, lambda a: article(call.site, a, query.strip(), highlight)))


@routes.op("GET", "/servicedeskapi/knowledgebase/article", flavors=CLOUD)
def get_articles(call: Call) -> Response:
    if call.query.get("highlight") is None:
        raise bad_request(
            "The query parameter 'highlight' is required (true or false).", "sd.kb.error.highlight.required"
        )
    return _search(call, {d.id for d in call.tx.all(ServiceDesk) if can_see_desk(call, d)})


@routes.op("GET", "/servicedeskapi/servicedesk/{serviceDeskId}/knowledgebase/article", flavors=CLOUD)
def get_service_desk_articles(call: Call) -> Response:
    return _search(call, {desk_by_id(call, call.path["serviceDeskId"]).id})
