"""/api/tags: every tag in use, once, sorted, immediately."""

from webapp.articles import service

from ..support import as_user, unique


def test_new_tags_show_up_at_once_sorted_and_unique(client, articles, user_service):
    author = user_service.create()
    first, second = unique("b-tag"), unique("a-tag")
    articles.create(author, tags=[first, second])
    articles.create(author, tags=[first])

    tags = client.get("/api/tags").json["tags"]

    assert tags == sorted(tags)
    assert tags.count(first) == 1 and second in tags


def test_tags_of_deleted_articles_and_drafts_are_not_listed(client, articles, user_service, app):
    author = user_service.create()
    gone, hidden = unique("gone"), unique("hidden")
    slug = articles.create(author, tags=[gone])["slug"]
    client.delete(f"/api/articles/{slug}", headers=as_user(author))
    with app.app_context():
        service.create_article(
            author.id,
            {"title": "t", "description": "d", "body": "b", "tagList": [hidden]},
            draft=True,
        )

    tags = client.get("/api/tags").json["tags"]

    assert gone not in tags and hidden not in tags
