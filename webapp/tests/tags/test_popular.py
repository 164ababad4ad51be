"""Popular Tags: every tag on a published article, the most used first (ties by name), while
/api/tags stays sorted by name."""

from webapp.articles import service

from ..support import as_user, unique


def test_popular_tags_are_ordered_by_use_over_published_articles(
    client, app, people, write, user_service
):
    author = people("popular")
    stem = unique("pop")
    once_b, once_a, twice, thrice = (f"{stem}-{n}" for n in ("b", "a", "twice", "thrice"))
    for tags in ([thrice, once_b], [thrice, twice], [thrice, twice], [once_a]):
        write(author, tagList=tags)
    # Unpublished uses do not count: drafts, and articles in the trash.
    for _ in range(3):
        write(author, draft=True, tagList=[once_b])
        trashed = write(author, tagList=[once_a])
        client.delete(f"/api/articles/{trashed.slug}", headers=as_user(author))

    html = client.get("/").data.decode()
    positions = [html.index(f'href="/tag/{tag}">{tag}</a>') for tag in (thrice, twice, once_a)]
    listed = client.get("/api/tags").json["tags"]

    assert positions == sorted(positions)
    assert html.index(f">{once_a}</a>") < html.index(f">{once_b}</a>")  # a tie: by name
    assert listed == sorted(listed) and {thrice, twice, once_a, once_b} <= set(listed)
    with app.app_context():
        popular = service.popular_tags()
    assert [tag for tag in popular if tag.startswith(stem)] == [thrice, twice, once_a, once_b]
