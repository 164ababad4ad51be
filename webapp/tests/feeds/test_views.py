"""RSS feeds and the sitemap: well-formed, escaped, sanitised."""

import xml.etree.ElementTree as ET

from webapp.articles import service as articles_service

from ..support import PUBLIC_URL, XSS_BODY, XSS_TITLE

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def test_the_feeds_list_published_posts_escaped_and_sanitised(client, people, write):
    author = people("feeder")
    title = f"{XSS_TITLE} {author.username}"
    article = write(author, title=title, body=XSS_BODY, tagList=["rss-tag"])
    write(author, draft=True, title="Hidden draft")

    for path in ("/feed.xml", f"/profile/{author.username}/feed.xml", "/tag/rss-tag/feed.xml"):
        response = client.get(path)
        channel = ET.fromstring(response.data)  # noqa: S314 (our own output).find("channel")
        items = {item.findtext("title"): item for item in channel.iter("item")}

        assert response.mimetype == "application/rss+xml"
        assert title in items  # the title is text, escaped in the XML
        assert "Hidden draft" not in items
        description = items[title].findtext("description")
        assert "<script" not in description and "onerror" not in description
        assert "javascript:" not in description
        assert items[title].findtext("link").endswith(f"/article/{article.slug}")


def test_pages_point_at_their_feeds(client, people, write):
    author = people("linked")
    article = write(author, tagList=["linked-tag"])

    assert b'rel="alternate" type="application/rss+xml"' in client.get("/").data
    assert b'href="/tag/linked-tag/feed.xml"' in client.get("/tag/linked-tag").data
    assert (
        f'href="/profile/{author.username}/feed.xml"'.encode()
        in client.get(f"/article/{article.slug}").data
    )


def test_an_unknown_author_has_no_feed(client):
    assert client.get("/profile/nobody-here/feed.xml").status_code == 404


def test_the_sitemap_lists_articles_authors_and_tags(client, people, write):
    author = people("mapped")
    article = write(author, tagList=["mapped-tag"])

    response = client.get("/sitemap.xml")
    tree = ET.fromstring(response.data)  # noqa: S314 (our own output)
    locations = [element.text for element in tree.iter(f"{{{SITEMAP_NS}}}loc")]

    assert response.mimetype == "application/xml"
    assert any(location.endswith(f"/article/{article.slug}") for location in locations)
    assert any(location.endswith(f"/profile/{author.username}") for location in locations)
    assert any(location.endswith("/tag/mapped-tag") for location in locations)


def test_absolute_links_use_the_public_url_never_a_host_the_client_sent(client, people, write):
    article = write(people("hosted"), tagList=["hosted-tag"])
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    paths = [f"/article/{article.slug}", "/feed.xml", "/tag/hosted-tag/feed.xml", "/sitemap.xml"]

    for path in paths:
        text = client.get(path, headers=forged).get_data(as_text=True)
        assert "evil.example" not in text, path
        assert f"{PUBLIC_URL}/article/{article.slug}" in text, path


def test_a_feed_entry_keeps_its_id_when_the_article_is_retitled(client, people, write):
    author = people("retitler")
    article = write(author, title="First title")

    def entry_ids() -> dict[str, str]:
        channel = ET.fromstring(client.get("/feed.xml").data)  # noqa: S314 (our own output)
        return {item.findtext("link"): item.find("guid") for item in channel.iter("item")}

    before = entry_ids()[f"{PUBLIC_URL}/article/{article.slug}"]
    renamed = articles_service.update_article(article.slug, author.id, {"title": "Second title"})
    after = entry_ids()[f"{PUBLIC_URL}/article/{renamed.slug}"]

    assert renamed.slug != article.slug
    assert after.text == before.text
    assert before.get("isPermaLink") == "false"
    assert before.text.startswith("urn:uuid:")
