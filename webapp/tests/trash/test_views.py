"""Delete asks first (page without JavaScript, dialog with it), goes to the trash with an Undo,
and the trash page restores; the purge command (ADR 0017)."""

from datetime import timedelta

from webapp.articles import service
from webapp.clock import now_ms

from ..support import unique


def test_delete_asks_on_a_page_then_trashes_with_an_undo(client, people, sign_in, write):
    author = sign_in(people("writer"))
    article = write(author)

    article_page = client.get(f"/article/{article.slug}").data
    confirm = client.get(f"/article/{article.slug}/delete")
    deleted = client.post(f"/article/{article.slug}/delete")
    home = client.get("/").data

    assert b'<form class="delete-form" method="get"' in article_page
    assert b'<dialog id="delete-dialog"' in article_page
    assert confirm.status_code == 200 and b"Delete Article</button>" in confirm.data
    assert (deleted.status_code, deleted.headers["Location"]) == (303, "/")
    assert client.get(f"/article/{article.slug}").status_code == 404
    assert f'action="/trash/{article.slug}/restore"'.encode() in home
    assert b">Undo</button>" in home

    undone = client.post(f"/trash/{article.slug}/restore")

    assert undone.headers["Location"] == f"/article/{article.slug}"
    assert client.get(f"/article/{article.slug}").status_code == 200


def test_only_the_author_sees_the_confirmation(client, people, sign_in, write):
    article = write(people("owner"))
    sign_in(people("other"))

    assert client.get(f"/article/{article.slug}/delete").status_code == 403
    assert client.post(f"/article/{article.slug}/delete").status_code == 403
    assert client.get(f"/article/{article.slug}").status_code == 200


def test_the_trash_lists_and_restores_only_ones_own(client, people, sign_in, write, app):
    other = people("other")
    theirs = write(other)
    author = sign_in(people("writer"))
    mine = write(author, title=unique("Mine"))
    with app.app_context():
        service.delete_article(mine.slug, author.id)
        service.delete_article(theirs.slug, other.id)

    html = client.get("/trash").data

    assert mine.title.encode() in html and theirs.title.encode() not in html
    assert client.post(f"/trash/{theirs.slug}/restore").status_code == 404
    assert client.post(f"/trash/{mine.slug}/restore").status_code == 303
    assert b"Your trash is empty." in client.get("/trash").data


def test_the_trash_needs_a_sign_in(client):
    assert client.get("/trash").headers["Location"] == "/login"


def test_purge_command_uses_the_retention_setting(cli_runner, app, people, write, monkeypatch):
    author = people("writer")
    article = write(author)
    service.delete_article(article.slug, author.id)
    monkeypatch.setattr(service, "now_ms", lambda: now_ms() + timedelta(days=31))

    result = cli_runner.invoke(args=["trash", "purge"])

    assert result.exit_code == 0, result.output
    assert "trashed more than 30 days ago" in result.output
    monkeypatch.undo()
    assert service.trash(author.id, timedelta(days=30)) == []
    assert (
        service.create_article(
            author.id, {"title": article.title, "description": "d", "body": "b"}
        ).slug
        == article.slug
    )
