"""The trash (soft delete, restore, purge by the app's clock) and published articles' pending
revisions, through the service and the API (ADR 0017)."""

from datetime import timedelta

import pytest

from titanium_common.api import ApiError
from webapp.articles import service
from webapp.clock import now_ms

from ..support import as_user, unique

RETENTION = timedelta(days=30)
FIELDS = {"description": "d", "body": "b"}


def later(monkeypatch, **delta):
    """Moves the app's clock (webapp.clock.now_ms, as the service reads it) forward."""
    moment = now_ms() + timedelta(**delta)
    monkeypatch.setattr(service, "now_ms", lambda: moment)


def status_of(call) -> int:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value.status


def test_a_trashed_article_is_gone_for_everyone_then_restored_as_it_was(
    app_context, author, reader, comment
):
    tag = unique("trashy")
    article = service.create_article(author.id, {**FIELDS, "title": unique("T"), "tagList": [tag]})
    service.favorite(article.slug, reader.id)
    comment(article, reader)

    service.delete_article(article.slug, author.id)

    for viewer in (author.id, reader.id, None):
        assert status_of(lambda v=viewer: service.get_article(article.slug, v)) == 404
    assert service.list_articles(None, tag=tag).total == 0
    assert tag not in service.all_tags()
    assert service.list_articles(None, author=author.username).total == 0
    assert service.list_articles(None, favorited=reader.username).total == 0
    assert status_of(lambda: service.favorite(article.slug, reader.id)) == 404
    assert status_of(lambda: service.delete_article(article.slug, author.id)) == 404
    assert [item.slug for item in service.trash(author.id, RETENTION)] == [article.slug]
    assert service.trash(reader.id, RETENTION) == []
    assert status_of(lambda: service.restore_article(article.slug, reader.id, RETENTION)) == 404

    restored = service.restore_article(article.slug, author.id, RETENTION)

    assert (restored.slug, restored.tags, restored.favorites_count) == (article.slug, [tag], 1)
    assert service.get_article(article.slug, None).title == article.title
    assert service.trash(author.id, RETENTION) == []


def test_a_trashed_slug_stays_taken(app_context, author):
    title = unique("Reserved")
    first = service.create_article(author.id, {**FIELDS, "title": title})
    service.delete_article(first.slug, author.id)

    second = service.create_article(author.id, {**FIELDS, "title": title})

    assert second.slug != first.slug
    assert service.restore_article(first.slug, author.id, RETENTION).slug == first.slug


def test_purge_deletes_only_what_was_trashed_more_than_30_days_ago(
    app_context, author, monkeypatch
):
    old = service.create_article(author.id, {**FIELDS, "title": unique("Old")})
    recent = service.create_article(author.id, {**FIELDS, "title": unique("Recent")})
    kept = service.create_article(author.id, {**FIELDS, "title": unique("Kept")})
    service.delete_article(old.slug, author.id)
    later(monkeypatch, days=10)
    service.delete_article(recent.slug, author.id)

    later(monkeypatch, days=30, minutes=1)  # old: 30 days and a minute ago; recent: 20 days
    assert status_of(lambda: service.restore_article(old.slug, author.id, RETENTION)) == 404
    assert [item.slug for item in service.trash(author.id, RETENTION)] == [recent.slug]
    purged = service.purge_trash(RETENTION)

    assert purged >= 1
    assert service.purge_trash(RETENTION) == 0
    assert service.restore_article(recent.slug, author.id, RETENTION).slug == recent.slug
    assert service.get_article(kept.slug, None).slug == kept.slug
    # Gone for good: the slug is free again.
    assert service.create_article(author.id, {**FIELDS, "title": old.title}).slug == old.slug


def test_a_pending_revision_is_kept_apart_until_publish_applies_it(app_context, author, reader):
    article = service.create_article(author.id, {**FIELDS, "title": unique("Live")})

    pending = service.save_pending_revision(
        article.slug, author.id, {"title": article.title, "description": "", "body": "Draft text"}
    )

    assert (pending.body, pending.description) == ("Draft text", "")
    for viewer in (author.id, reader.id, None):
        assert service.get_article(article.slug, viewer).body == "b"
    assert service.pending_revision(article.slug, author.id).body == "Draft text"
    assert status_of(lambda: service.pending_revision(article.slug, reader.id)) == 403
    assert status_of(lambda: service.save_pending_revision(article.slug, reader.id, {})) == 403

    published = service.update_article(
        article.slug, author.id, {"body": "Draft text", "description": "d2"}, draft=False
    )

    assert (published.body, published.description) == ("Draft text", "d2")
    assert service.pending_revision(article.slug, author.id) is None


def test_discarding_a_pending_revision_leaves_the_article(app_context, author):
    article = service.create_article(author.id, {**FIELDS, "title": unique("Live")})
    service.save_pending_revision(article.slug, author.id, {"body": "Second thoughts"})

    service.discard_pending_revision(article.slug, author.id)

    assert service.pending_revision(article.slug, author.id) is None
    assert service.get_article(article.slug, author.id).body == "b"


def test_autosaved_drafts_may_be_unfinished_but_need_a_title(app_context, author):
    draft = service.create_article(
        author.id,
        {"title": unique("Half"), "description": "", "body": ""},
        draft=True,
        autosave=True,
    )

    assert (draft.draft, draft.body) == (True, "")
    assert (
        status_of(
            lambda: service.create_article(
                author.id, {"title": " ", **FIELDS}, autosave=True, draft=True
            )
        )
        == 422
    )
    # Publishing still wants the whole article.
    assert (
        status_of(lambda: service.update_article(draft.slug, author.id, {"body": ""}, draft=False))
        == 422
    )


def test_api_delete_is_204_then_404_for_everyone_the_author_included(
    client, articles, user_service
):
    ada, bob = user_service.create(), user_service.create()
    slug = articles.create(ada)["slug"]

    response = client.delete(f"/api/articles/{slug}", headers=as_user(ada))

    assert (response.status_code, response.data) == (204, b"")
    for headers in (as_user(ada), as_user(bob), {}):
        assert client.get(f"/api/articles/{slug}", headers=headers).status_code == 404
        assert client.get(f"/api/articles/{slug}/comments", headers=headers).status_code == 404
    assert client.delete(f"/api/articles/{slug}", headers=as_user(ada)).status_code == 404
    assert (
        client.put(
            f"/api/articles/{slug}", json={"article": {"body": "x"}}, headers=as_user(ada)
        ).status_code
        == 404
    )
    listed = client.get("/api/articles", query_string={"author": ada.username}).json
    assert listed == {"articles": [], "articlesCount": 0}


def test_pending_revisions_never_reach_the_api(client, articles, user_service, app):
    ada = user_service.create()
    created = articles.create(ada)
    with app.app_context():
        service.save_pending_revision(
            created["slug"], ada.id, {"title": "Secret title", "body": "Secret body"}
        )

    for headers in (as_user(ada), {}):
        shown = client.get(f"/api/articles/{created['slug']}", headers=headers).json["article"]
        assert (shown["title"], shown["body"]) == (created["title"], created["body"])
        listed = client.get("/api/articles", query_string={"author": ada.username}, headers=headers)
        assert [a["title"] for a in listed.json["articles"]] == [created["title"]]
