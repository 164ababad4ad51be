"""With user_service down (issue 10: every page failed, and writes answered 503 although they
had committed): pages and the API serve authors from webapp's own copies, writes are answered
from what webapp holds, and whom a reader follows, which only user_service knows, is said to be
unknown rather than guessed."""

import pytest
import sqlalchemy as sa

from webapp import sessions
from webapp.models import Article, Comment

from .support import as_user, count_rows, forget_author_copies, unique

UNAVAILABLE = b"Following status is unavailable right now"


@pytest.fixture
def author(people):
    return people("author", bio="Writes things")


@pytest.fixture
def published(author, articles):
    """An article written while user_service was up, so its author is copied here."""
    return articles.create(author, title=unique("Written before"), tags=["resilience"])["slug"]


@pytest.fixture
def down(user_service):
    user_service.failure_status = 503
    return user_service


@pytest.mark.parametrize(
    "path",
    ["/", "/tag/resilience", "/article/{slug}", "/profile/{author}", "/feed.xml", "/sitemap.xml"],
)
def test_anonymous_pages_show_the_authors_copied_here(client, published, author, down, path):
    response = client.get(path.format(slug=published, author=author.username))

    assert response.status_code == 200
    assert author.username.encode() in response.data


def test_the_api_lists_and_shows_articles_with_their_authors(client, published, author, down):
    listed = client.get("/api/articles", query_string={"tag": "resilience"})
    shown = client.get(f"/api/articles/{published}")

    assert listed.status_code == shown.status_code == 200
    assert listed.json["articles"][0]["author"]["username"] == author.username
    assert shown.json["article"]["author"]["bio"] == "Writes things"


def test_a_signed_in_page_resolves_the_reader_without_user_service(
    client, people, sign_in, published, user_service
):
    reader = sign_in(people("reader"))
    client.get("/")  # the first page copies the reader here (it had no copy yet)
    user_service.calls.clear()

    html = client.get("/").data

    assert f'href="/profile/{reader.username}"'.encode() in html  # the navbar knows the reader
    assert user_service.calls == []


@pytest.mark.parametrize("path", ["/article/{slug}", "/profile/{author}"])
def test_where_following_matters_the_page_says_it_is_unknown(
    client, people, sign_in, published, author, down, path
):
    reader = sign_in(people("reader"))
    down.failure_status = None
    client.get("/")  # the reader's copy, made while user_service was still up
    down.failure_status = 503

    response = client.get(path.format(slug=published, author=author.username))

    assert response.status_code == 200
    assert UNAVAILABLE in response.data
    assert reader.username.encode() in response.data


def test_your_feed_says_it_is_unavailable(client, people, sign_in, down):
    sign_in(people("reader"))
    down.failure_status = None
    client.get("/")
    down.failure_status = 503

    response = client.get("/?feed=following")

    assert response.status_code == 200
    assert b"Your Feed is unavailable right now" in response.data


def test_creating_an_article_through_the_api_is_a_201_with_its_author(
    app, client, published, author, down
):
    title = unique("Written while down")

    response = client.post(
        "/api/articles",
        json={"article": {"title": title, "description": "d", "body": "b"}},
        headers=as_user(author),
    )

    assert response.status_code == 201
    assert response.json["article"]["author"]["username"] == author.username
    assert count_rows(app, Article, title=title) == 1


def test_commenting_and_favoriting_through_the_api_answer_with_what_webapp_holds(
    app, client, people, published, author, down
):
    reader = people("reader")

    comment = client.post(
        f"/api/articles/{published}/comments",
        json={"comment": {"body": "Still here"}},
        headers=as_user(author),
    )
    favorite = client.post(f"/api/articles/{published}/favorite", headers=as_user(reader))

    assert comment.status_code == 201
    assert comment.json["comment"]["author"]["username"] == author.username
    assert favorite.status_code == 200
    assert favorite.json["article"]["favorited"] is True
    assert favorite.json["article"]["author"]["following"] is False  # unknown: shown as false


def test_the_web_forms_publish_and_comment(app, client, sign_in, published, author, down):
    sign_in(author)
    title = unique("Form while down")

    published_form = client.post(
        "/editor", data={"title": title, "description": "d", "body": "b", "action": "publish"}
    )
    commented = client.post(f"/article/{published}/comments", data={"body": "From a form"})

    assert published_form.status_code == 303
    assert published_form.headers["Location"].startswith("/article/")
    assert commented.status_code == 303
    assert count_rows(app, Article, title=title) == 1
    assert count_rows(app, Comment, body="From a form") == 1


def test_an_author_known_nowhere_yet_writes_as_the_placeholder_then_shows_by_name(
    app, client, people, user_service
):
    newcomer = people("newcomer")  # their profile events have not reached webapp
    user_service.failure_status = 503

    created = client.post(
        "/api/articles",
        json={"article": {"title": unique("First post"), "description": "d", "body": "b"}},
        headers=as_user(newcomer),
    )
    user_service.failure_status = None
    later = client.get(f"/api/articles/{created.json['article']['slug']}")

    assert created.status_code == 201
    assert created.json["article"]["author"]["username"] == "unknown"
    assert later.json["article"]["author"]["username"] == newcomer.username


def test_a_session_older_than_the_copies_with_user_service_down_is_a_503_page(
    app, client, people, sign_in, down
):
    """The one thing that cannot be served: who the reader is, known neither here nor by a
    running user_service. An error page, rather than silently signing them out."""
    sign_in(people("old-session"))
    forget_author_copies(app)

    response = client.get("/")

    assert response.status_code == 503


def test_a_signed_in_page_with_the_database_gone_is_a_503_page_not_a_500(
    client, people, sign_in, monkeypatch
):
    """The fault suite's stopped PostgreSQL: reading the viewer fails, and so did the error
    page, whose navbar reads the viewer again (a 500). Now it is a 503 page, signed out."""
    sign_in(people("mid-outage"))

    def database_gone(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT", {}, ConnectionError("server closed"))

    monkeypatch.setattr(sessions, "live_account", database_gone)

    response = client.get("/")

    assert response.status_code == 503
    assert b"Sign in" in response.data
