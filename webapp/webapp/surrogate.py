"""What a reply shows and what a write changes, named by surrogate keys for the gateway's edge
cache (titanium_common.caching, ADR 0023).

Views and services call `shows` where they assemble what a reader sees (an article, an author,
a list) and `changes` where a write commits; `shared_with_everyone` (webapp.ui) sends the first
with every reply the cache may keep, the hook below the second with every successful write. A
write that names nothing makes the gateway forget every page, so forgetting to call `changes`
costs speed, never correctness; forgetting `shows` on a page costs correctness: a page must
name everything it shows.
"""

import contextlib
from collections.abc import Iterable, Iterator

from flask import Flask, Response, g, has_request_context, request

from titanium_common.caching import (
    ARTICLES,
    PURGE_HEADER,
    SURROGATE_KEY_HEADER,
    TAGS,
    UNCHANGED_HEADER,
    article_key,
    author_key,
    comments_key,
    tag_key,
    username_key,
)

__all__ = [
    "ARTICLES",
    "TAGS",
    "article_key",
    "author_key",
    "comments_key",
    "tag_key",
    "username_key",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def shows(*keys: str) -> None:
    """This request's reply shows what `keys` name."""
    if has_request_context():  # a CLI command has no reply to tag
        g.setdefault("shown_keys", set()).update(keys)


@contextlib.contextmanager
def recording() -> Iterator[set[str]]:
    """The keys shown within the block (they count for the request too): a part kept for
    later requests (webapp.shared_parts) names them again each time it is used."""
    shown: set[str] = set()
    outer = g.get("shown_keys") if has_request_context() else None
    if has_request_context():
        g.shown_keys = shown
    try:
        yield shown
    finally:
        if has_request_context():
            g.shown_keys = shown if outer is None else outer | shown


def changes(*keys: str) -> None:
    """This request's write changes what `keys` name."""
    if has_request_context():
        g.setdefault("changed_keys", set()).update(keys)


def article_changed(article_id: int, author_id, tags: Iterable[str]) -> None:
    """An article was written, published, trashed or restored: its page, its author's, its tags'
    (give the tags before and after), the tag list and every list of articles."""
    changes(article_key(article_id), author_key(author_id), ARTICLES, TAGS, *map(tag_key, tags))


def tag_reply(response: Response) -> None:
    """Name what a reply the edge cache may keep shows."""
    if g.get("shown_keys"):
        response.headers[SURROGATE_KEY_HEADER] = " ".join(sorted(g.shown_keys))


def init_app(app: Flask) -> None:
    @app.before_request
    def start_recording():
        # Fresh per request, even where tests keep one app context across several.
        g.shown_keys, g.changed_keys = set(), set()

    @app.after_request
    def name_what_changed(response: Response) -> Response:
        if (
            request.method not in SAFE_METHODS
            and response.status_code < 400
            and g.get("changed_keys")
            and UNCHANGED_HEADER not in response.headers
        ):
            response.headers[PURGE_HEADER] = " ".join(sorted(g.changed_keys))
        return response
