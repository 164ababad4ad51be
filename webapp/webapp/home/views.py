"""Home (Global Feed, Your Feed), tag pages and search: lists of article previews."""

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from webapp.articles import service as articles
from webapp.identity import viewer_id
from webapp.tags.names import normalized
from webapp.ui import (
    PAGE_SIZE,
    NotInList,
    is_partial_request,
    page_count,
    page_number,
    page_or_part,
    public_page,
    redirect_to,
    remember_destination,
    require_page,
)
from webapp.upstream import UpstreamUnavailable

bp = Blueprint("home", __name__)


@bp.get("/")
@public_page
def index():
    if request.args.get("feed") == "following":
        if current_user.is_anonymous:
            remember_destination()  # exactly /login, and back here after signing in
            return redirect_to(url_for("accounts.login"))
        page = page_number()
        unavailable = False
        try:
            result = articles.feed(current_user.id, following=False, **_window(page))
        except UpstreamUnavailable:
            # Whom the reader follows is user_service's to say: the page says it cannot.
            result, unavailable = articles.ArticlePage([], 0), True
        return _feed_page(
            result, page, view="following", base_url="/?feed=following", unavailable=unavailable
        )
    page = page_number()
    result = articles.list_articles(viewer_id(), following=False, **_window(page))
    return _feed_page(result, page, view="global", base_url="/")


def _window(page: int) -> dict[str, int]:
    return {"limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}


@bp.get("/tag/<tag>")
@public_page
def tag(tag: str):
    if (name := normalized(tag)) != tag and name:
        # One address per tag: /tag/My%20New%20Tag is /tag/my-new-tag (the page, its query kept).
        query = request.query_string.decode()
        return redirect(url_for("home.tag", tag=name) + (f"?{query}" if query else ""), 301)
    page = page_number()
    result = articles.list_articles(viewer_id(), tag=tag, following=False, **_window(page))
    if result.total == 0:
        raise NotInList(f"No published article is tagged “{tag}”.")
    return _feed_page(result, page, view="tag", tag=tag, base_url=url_for("home.tag", tag=tag))


def _feed_page(
    result, page: int, *, view: str, base_url: str, tag: str | None = None, unavailable=False
):
    pages = page_count(result.total)
    if not unavailable:  # an unanswered feed has no length to be past
        require_page(page, pages)
    context = {
        "articles": result.articles,
        "page": page,
        "pages": pages,
        "view": view,
        "tag": tag,
        "base_url": base_url,
        "feed_unavailable": unavailable,
    }
    if not is_partial_request():  # the sidebar is not part of a swap
        context["tags"] = articles.popular_tags()
    return page_or_part("home/index.html", "home/_feed.html", **context)


@bp.get("/search")
@public_page
def search():
    query = request.args.get("q", "").strip()
    page = page_number()
    result = None
    if query:
        result = articles.search(
            query, viewer_id(), following=False, snippets=True, **_window(page)
        )
        require_page(page, page_count(result.total))
    context = {
        "query": query,
        "articles": result.articles if result else [],
        "snippets": result.snippets if result else {},
        "total": result.total if result else 0,
        "page": page,
        "pages": page_count(result.total) if result else 1,
        "base_url": url_for("home.search", q=query),
    }
    return page_or_part("home/search.html", "home/_search_results.html", **context)
