"""/api/articles: list, feed, read, write, delete, favorite. Checks: 401, 404, 403, 422."""

from flask import Blueprint, Response, jsonify, request

from titanium_common.api import read_wrapped_json
from webapp.api import optional_viewer_id, paging, required_viewer_id
from webapp.articles import service
from webapp.idempotency import keys

bp = Blueprint("api_articles", __name__, url_prefix="/api/articles")


def _page_json(page: service.ArticlePage):
    return jsonify(
        articles=[article.to_json(with_body=False) for article in page.articles],
        articlesCount=page.total,
    )


def _article_json(article: service.ArticleView, status: int = 200) -> Response:
    response = jsonify(article=article.to_json())
    response.status_code = status
    return response


def _created(article: service.ArticleView) -> Response:
    return _article_json(article, 201)


@bp.get("")
def index():
    viewer_id = optional_viewer_id()
    limit, offset = paging()
    if (query := request.args.get("q")) is not None:
        return _page_json(service.search(query, viewer_id, limit=limit, offset=offset))
    return _page_json(
        service.list_articles(
            viewer_id,
            tag=request.args.get("tag"),
            author=request.args.get("author"),
            favorited=request.args.get("favorited"),
            limit=limit,
            offset=offset,
        )
    )


@bp.get("/feed")
def feed():
    viewer_id = required_viewer_id()
    limit, offset = paging()
    return _page_json(service.feed(viewer_id, limit=limit, offset=offset))


@bp.post("")
def create():
    """Idempotency-Key: a retry with the same key and body gets the first reply again."""
    author_id = required_viewer_id()
    fields = read_wrapped_json("article")
    claim = keys.claim(author_id)
    article = service.create_article(
        author_id, fields, before_commit=claim and claim.recording(_created)
    )
    return _created(article)


@bp.get("/<slug>")
def show(slug: str):
    return _article_json(service.get_article(slug, optional_viewer_id()))


@bp.put("/<slug>")
def update(slug: str):
    editor_id = required_viewer_id()
    service.check_editable(slug, editor_id)
    return _article_json(service.update_article(slug, editor_id, read_wrapped_json("article")))


@bp.delete("/<slug>")
def delete(slug: str):
    service.delete_article(slug, required_viewer_id())
    return "", 204


@bp.post("/<slug>/favorite")
def favorite(slug: str):
    return _article_json(service.favorite(slug, required_viewer_id()))


@bp.delete("/<slug>/favorite")
def unfavorite(slug: str):
    return _article_json(service.unfavorite(slug, required_viewer_id()))
