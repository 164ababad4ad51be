"""`flask --app webapp seed-demo`: a living blog from the demo authors, created once."""

import pytest
import sqlalchemy as sa

from webapp.articles import service
from webapp.extensions import db
from webapp.models import Article, Comment, Favorite

from ..support import forget_author_copies

DEMO_AUTHORS = ("ada", "grace", "linus", "margaret")


@pytest.fixture
def demo_authors(user_service):
    existing = {data["username"] for data in user_service.profiles.values()}
    for name in DEMO_AUTHORS:
        if name not in existing:
            user_service.create(name)


def counts():
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Article, Comment, Favorite)
    )


def test_seed_creates_tagged_articles_with_comments_and_favorites_once(
    app, app_context, demo_authors
):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["seed-demo"])
    after_first = counts()
    second = runner.invoke(args=["seed-demo"])

    assert first.exit_code == 0, first.output
    assert "created" in first.output
    assert second.exit_code == 0 and "created" not in second.output
    assert counts() == after_first  # idempotent
    for name in DEMO_AUTHORS:
        page = service.list_articles(None, author=name)
        assert page.total >= 5
        assert all(2 <= len(article.tags) <= 4 for article in page.articles)
    days = {a.created_at.date() for a in service.list_articles(None, author="ada").articles}
    assert len(days) > 3  # spread over the past months
    assert service.all_tags()


def test_seed_explains_missing_demo_accounts(app, user_service, monkeypatch):
    without_margaret = {
        account_id: data
        for account_id, data in user_service.profiles.items()
        if data["username"] != "margaret"
    }
    monkeypatch.setattr(user_service, "profiles", without_margaret)
    forget_author_copies(app)

    result = app.test_cli_runner().invoke(args=["seed-demo", "--wait", "0"])

    assert result.exit_code != 0
    assert "margaret" in result.output and "auth_service seed-demo" in result.output


def test_seed_explains_an_unreachable_user_service(make_app):
    app = make_app(USER_SERVICE_URL="http://127.0.0.1:1")
    forget_author_copies(app)

    result = app.test_cli_runner().invoke(args=["seed-demo", "--wait", "0"])

    assert result.exit_code != 0
    assert "make run" in result.output
