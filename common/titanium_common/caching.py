"""The contract between the services and the gateway's edge page cache (ADR 0005, ADR 0023).

A reply the cache may keep names what it shows in SURROGATE_KEY_HEADER: space-separated keys
such as `article-12`, `author-<uuid>`, `articles` (any list of articles), `tags` (the tag list),
as Fastly's Surrogate-Key or Varnish's xkey. A successful write names what it changed in
PURGE_HEADER, with the same keys: the gateway then forgets only the pages that show one of them.
A write that changes nothing any page shows (a sign-in, a markdown preview) answers with
UNCHANGED_HEADER, and the cache keeps every page. Any other write, or a write answered with an
error or not at all, makes the gateway forget every page. The gateway drops all three headers
before the client sees them.
"""

from urllib.parse import quote

SURROGATE_KEY_HEADER = "Surrogate-Key"
PURGE_HEADER = "X-Titanium-Purge"
UNCHANGED_HEADER = "X-Titanium-Unchanged"


def split_keys(value: str | None) -> frozenset[str]:
    """The keys of a SURROGATE_KEY_HEADER or PURGE_HEADER value."""
    return frozenset((value or "").split())


# The keys. An article's key stands for what its previews and page show of it (its comments have
# their own key, its author's profile too). Any list of articles (home, tag pages, profiles,
# feeds, search, the API's lists) shows ARTICLES: a new article or a favorite count can move or
# change any of them.
ARTICLES = "articles"
# The tag list (home's popular tags, the sitemap, GET /api/tags).
TAGS = "tags"


def article_key(article_id: int) -> str:
    return f"article-{article_id}"


def comments_key(article_id: int) -> str:
    """An article's comments: they show on its own page (and API reply) only, never in lists."""
    return f"comments-{article_id}"


def author_key(account_id) -> str:
    """Whatever shows this author's profile (name, bio, image)."""
    return f"author-{account_id}"


def tag_key(name: str) -> str:
    return "tag-" + quote(name, safe="")  # keys are space-separated: none holds a space


def username_key(name: str) -> str:
    """A list filtered by a username nobody has (yet): a profile change may give it to someone."""
    return "username-" + quote(name, safe="")
