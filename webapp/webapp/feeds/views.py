"""RSS 2.0 feeds (all posts, per author, per tag) and the sitemap.

Templates are XML, so Jinja autoescapes every title, name and the sanitised HTML body.
"""

import uuid
from email.utils import format_datetime

from flask import Blueprint, Response, abort, render_template

from webapp import authors
from webapp.articles import service as articles
from webapp.ui import public_page, public_url

bp = Blueprint("feeds", __name__)

FEED_SIZE = 20
SITEMAP_BATCH = 100
SITEMAP_MAX_URLS = 50_000  # the sitemap protocol's limit per file


def _rss(title: str, link: str, self_link: str, items) -> Response:
    xml = render_template(
        "feeds/rss.xml", title=title, link=link, self_link=self_link, articles=items
    )
    return Response(xml, mimetype="application/rss+xml")


@bp.get("/feed.xml")
@public_page
def all_posts():
    page = articles.list_articles(None, limit=FEED_SIZE, following=False, with_body=True)
    return _rss(
        "All posts",
        public_url("home.index"),
        public_url(".all_posts"),
        page.articles,
    )


@bp.get("/profile/<username>/feed.xml")
@public_page
def author_posts(username: str):
    profile = authors.profile_by_username(username)
    if profile is None:
        abort(404)
    page = articles.list_articles(
        None, author=profile.username, limit=FEED_SIZE, following=False, with_body=True
    )
    return _rss(
        f"Posts by {profile.username}",
        public_url("profile.articles", username=profile.username),
        public_url(".author_posts", username=profile.username),
        page.articles,
    )


@bp.get("/tag/<tag>/feed.xml")
@public_page
def tag_posts(tag: str):
    page = articles.list_articles(None, tag=tag, limit=FEED_SIZE, following=False, with_body=True)
    return _rss(
        f"Posts tagged {tag}",
        public_url("home.tag", tag=tag),
        public_url(".tag_posts", tag=tag),
        page.articles,
    )


@bp.get("/sitemap.xml")
@public_page
def sitemap():
    published, offset = [], 0
    while offset < SITEMAP_MAX_URLS:
        batch = articles.list_articles(None, limit=SITEMAP_BATCH, offset=offset, following=False)
        published.extend(batch.articles)
        offset += SITEMAP_BATCH
        if offset >= batch.total:
            break
    authors = sorted({article.author.username for article in published})
    xml = render_template(
        "feeds/sitemap.xml", articles=published, authors=authors, tags=articles.all_tags()
    )
    return Response(xml, mimetype="application/xml")


@bp.app_template_filter("feed_entry_id")
def feed_entry_id(article: articles.ArticleView) -> str:
    """The same for an article whatever its title or slug becomes, so a feed reader that saw it
    once never shows it as new after an edit; distinct per site (PUBLIC_URL)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, public_url("home.index") + f"#article-{article.id}").urn


@bp.app_template_filter("rfc822")
def rfc822(value) -> str:
    return format_datetime(value, usegmt=True) if value.tzinfo else format_datetime(value)
