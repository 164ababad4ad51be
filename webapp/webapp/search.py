"""Full-text search over title, description and body.

PostgreSQL: a generated tsvector column (title weighs most, then description, then body) with a
GIN index, matched with websearch_to_tsquery and ranked by ts_rank. The column exists only on
PostgreSQL, so the migrations create it and the models do not declare it.
SQLite: every word of the query must appear in the title, description or body (LIKE).
"""

import re

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

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
