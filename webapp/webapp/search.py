"""Full-text search over title, description and body.

PostgreSQL: a generated tsvector column (title weighs most, then description, then body) with a
GIN index, matched with websearch_to_tsquery and ranked by ts_rank. The column exists only on
PostgreSQL, so the migrations create it and the models do not declare it.
SQLite: every word of the query must appear in the title, description or body (LIKE).

A page of results shows, under each preview, where the words matched (snippets): the body's
plain text (markup and HTML stripped first, so none of it is ever shown) around the match, with
the matched words in <mark>: ts_headline on PostgreSQL, the same idea in Python on SQLite.
"""

import html
import re
from collections.abc import Sequence

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.sql.elements import ColumnElement

from webapp.extensions import db
from webapp.models import Article

SEARCH_COLUMN = "search_vector"
SEARCH_INDEX = "ix_articles_search_vector"
LANGUAGE = "english"


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic: the search column and its index are managed by the migrations only."""
    return name not in (SEARCH_COLUMN, SEARCH_INDEX)


def matching(query: str, dialect: str) -> tuple[ColumnElement[bool], ColumnElement]:
    """The WHERE clause for `query` and the rank of a match (higher is better)."""
    if dialect == "postgresql":
        vector = sa.literal_column(f"articles.{SEARCH_COLUMN}")
        tsquery = sa.func.websearch_to_tsquery(LANGUAGE, query)
        return vector.op("@@")(tsquery), sa.func.ts_rank(vector, tsquery)
    words = query.split()
    clause = sa.and_(*(_contains_word(word) for word in words)) if words else sa.false()
    title_hits = sa.case((_in_title(words[0]), 1), else_=0) if words else sa.literal(0)
    return clause, title_hits


def _like_pattern(word: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", word.lower()) + "%"


def _in_title(word: str) -> ColumnElement[bool]:
    return sa.func.lower(Article.title).like(_like_pattern(word), escape="\\")


def _contains_word(word: str) -> ColumnElement[bool]:
    pattern = _like_pattern(word)
    return sa.or_(
        *(
            sa.func.lower(column).like(pattern, escape="\\")
            for column in (Article.title, Article.description, Article.body)
        )
    )


# --- snippets: where the words matched, highlighted ----------------------------------------

SNIPPET_WORDS = 30  # about two lines under a preview
WORDS_BEFORE = 8  # of the first match, for context (SQLite)
# Around a match while it is still plain text; never in it (plain_text removes them), and
# escaping leaves them be, so only they become <mark> once the text is escaped.
START, STOP = "\x02", "\x03"
HEADLINE_OPTIONS = (
    f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}, "
    "ShortWord=2, HighlightAll=FALSE, MaxFragments=0"
)
ELLIPSIS = "…"

INLINE_TAGS = [
    "a", "abbr", "b", "code", "del", "em", "i", "kbd", "mark", "s", "small", "span", "strong",
    "sub", "sup", "u",
]  # fmt: skip
# Every pattern runs in linear time on any body (none scans on past where it could end, an
# element left open is dropped to the end): a body is up to 100,000 characters of anyone's text.
_DROPPED = re.compile(
    r"<(script|style|iframe|object|embed|svg|math|template)\b(?:.*?</\1\s*>|.*)"
    r"|<!--(?:.*?-->|.*)",
    re.IGNORECASE | re.DOTALL,
)
_MARKUP = [
    # Any other HTML tag goes, its text stays: an inline one joins its neighbours ("<b>a</b>."
    # is "a."), any other separates them.
    (re.compile(rf"</?(?:{'|'.join(INLINE_TAGS)})\b[^<>]*>", re.IGNORECASE), ""),
    (re.compile(r"<[^<>]*>"), " "),
    (re.compile(r"^[ \t]*(```|~~~).*$", re.MULTILINE), " "),  # code fences (the code stays)
    (re.compile(r"^[ \t]*\[[^\[\]\n]+\]:[ \t]*\S+.*$", re.MULTILINE), " "),  # link definitions
    (re.compile(r"!?\[([^\[\]]*)\]\((?:[^()]|\([^()]*\))*\)"), r"\1"),  # links, images: text
    (re.compile(r"^[ \t]{0,3}(#{1,6}|>+|[-*+]|\d+[.)])[ \t]+", re.MULTILINE), ""),  # block marks
    (re.compile(r"[*`~]+"), ""),  # emphasis and code marks
    (re.compile(r"[\x00-\x08\x0b-\x1f\x7f]"), " "),  # control characters (and START, STOP)
]
_UNDERSCORES = re.compile(r"_+")


def _emphasis_underscores(match: re.Match) -> str:
    """A run of underscores at a word's edge is emphasis (dropped); inside one (snake_case), a
    character of the word."""
    text, begin, end = match.string, match.start(), match.end()
    inside = begin > 0 and end < len(text) and text[begin - 1].isalnum() and text[end].isalnum()
    return match.group() if inside else ""


def plain_text(markdown: str) -> str:
    """The words of a Markdown body as a reader sees them: no markup, no HTML (a script's or a
    style's text dropped), entities decoded. Plain text, not HTML: escape it to show it."""
    text = html.unescape(_DROPPED.sub(" ", markdown))
    text = _DROPPED.sub(" ", text)  # what was hidden behind entities
    for pattern, replacement in _MARKUP:
        text = pattern.sub(replacement, text)
    text = _UNDERSCORES.sub(_emphasis_underscores, text)
    return " ".join(text.split())


def snippets(query: str, rows: Sequence, dialect: str) -> dict[int, Markup]:
    """For each row (id, description, body), where `query` matched its body, else its
    description, as escaped HTML with the matched words in <mark>; rows matched only by their
    title have none. For a page of results only: each costs reading and scanning its body."""
    texts = {row.id: (plain_text(row.body), plain_text(row.description)) for row in rows}
    if not texts:
        return {}
    if dialect == "postgresql":
        headlines = _headlines(query, texts)
    else:
        words = [word.lower() for word in query.split()]
        headlines = {
            key: (_window(body, words), _window(description, words))
            for key, (body, description) in texts.items()
        }
    found = {}
    for article_id, pair in headlines.items():
        for source, headline in zip(texts[article_id], pair, strict=True):
            if headline and START in headline:
                found[article_id] = _marked(headline, source)
                break
    return found


def _headlines(query: str, texts: dict[int, tuple[str, str]]) -> dict[int, tuple[str, str]]:
    """ts_headline of each text, in one statement (its text sent as a parameter)."""
    tsquery = sa.func.websearch_to_tsquery(LANGUAGE, query)
    order = list(texts)
    columns = [
        sa.func.ts_headline(LANGUAGE, sa.literal(text, sa.Text), tsquery, HEADLINE_OPTIONS)
        for key in order
        for text in texts[key]
    ]
    values = db.session.execute(sa.select(*columns)).one()
    return {key: (values[2 * n], values[2 * n + 1]) for n, key in enumerate(order)}


def _window(text: str, words: list[str]) -> str | None:
    """SQLite's headline: about SNIPPET_WORDS words of `text` around the first word containing
    one of `words` (as the LIKE search matched), each occurrence between START and STOP."""
    if not words:
        return None
    tokens = list(re.finditer(r"\S+", text))
    first = next(
        (n for n, token in enumerate(tokens) if any(w in token.group().lower() for w in words)),
        None,
    )
    if first is None:
        return None
    begin = max(0, min(first - WORDS_BEFORE, len(tokens) - SNIPPET_WORDS))
    end = min(len(tokens), begin + SNIPPET_WORDS)
    window = text[tokens[begin].start() : tokens[end - 1].end()]
    pattern = re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))), re.I)
    return pattern.sub(lambda match: f"{START}{match.group()}{STOP}", window)


def _marked(headline: str, source: str) -> Markup:
    """The headline escaped, its matches in <mark>, with an ellipsis where the text goes on."""
    shown = headline.replace(START, "").replace(STOP, "").strip()
    escaped = str(escape(headline.strip()))
    escaped = escaped.replace(START, "<mark>").replace(STOP, "</mark>")
    before = "" if source.startswith(shown[:40]) else ELLIPSIS + " "
    after = "" if source.endswith(shown[-40:]) else " " + ELLIPSIS
    return Markup(f"{before}{escaped}{after}")  # noqa: S704 (escaped above, tags ours)
