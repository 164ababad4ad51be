"""The service layer the API and the UI share: drafts, slugs, timestamps, search, tags."""

import uuid

import pytest

from titanium_common.api import ApiError
from webapp.articles import service
from webapp.clock import ONE_MS, iso_ms, now_ms
from webapp.extensions import db

from ..support import queries_sent

FIELDS = {"title": "A title", "description": "d", "body": "b"}


def uid() -> str:
    return uuid.uuid4().hex[:8]


def contract_error(call) -> tuple[int, dict]:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value.status, caught.value.errors


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Hello, World!", "hello-world"),
        ("  Ünïcödé   títle ", "unicode-title"),
        ("!!!", "article"),
        ("x" * 200, "x" * 80),
        ("Привет мир", "privet-mir"),
        ("Straße in Ελλάδα", "strasse-in-ellada"),
        ("你好 世界", "ni-hao-shi-jie"),
        ("Привет " * 20, ("privet-" * 12)[:80].strip("-")),
        ("👍", "article"),
    ],
)
def test_slugify_is_kebab_case_ascii(title, slug):
    assert service.slugify(title) == slug


def test_reading_minutes_rounds_up_and_is_at_least_one():
    assert service.reading_minutes("") == 1
    assert service.reading_minutes("word " * 201) == 2


def test_lists_never_read_article_bodies(app_context, author, reader, user_service):
    tag = uid()
    article = service.create_article(
        author.id, {**FIELDS, "title": f"Needle {tag}", "body": "x " * 500, "tagList": [tag]}
    )
    service.create_article(author.id, {**FIELDS, "title": uid()}, draft=True)
    service.favorite(article.slug, reader.id)
    user_service.follows.add((reader.id, author.id))

    with queries_sent(db.engine) as sent:
        pages = [
            service.list_articles(reader.id),
            service.list_articles(reader.id, tag=tag),
            service.list_articles(reader.id, author=author.username),
            service.list_articles(reader.id, favorited=reader.username),
            service.feed(reader.id),
            service.search(f"Needle {tag}", reader.id),
            service.drafts(author.id),
        ]

    assert all(page.articles for page in pages)
    assert [column for query in sent for column in query.columns if column == "body"] == []
    previews = [a for page in pages for a in page.articles if a.slug == article.slug]
    assert len(previews) == 6
    assert all(preview.body is None for preview in previews)
    assert all(preview.tags == [tag] and preview.reading_minutes == 3 for preview in previews)
    assert previews[0].favorited and previews[0].favorites_count == 1


def test_the_reading_time_is_stored_when_the_body_is_written(app_context, author):
    article = service.create_article(author.id, {**FIELDS, "title": uid(), "body": "w " * 401})
    assert article.reading_minutes == 3

    edited = service.update_article(article.slug, author.id, {"body": "w " * 1001})

    assert edited.reading_minutes == 6
    listed = service.list_articles(None, author=author.username).articles
    assert [a.reading_minutes for a in listed] == [6]
    assert service.get_article(article.slug, None).reading_minutes == 6


def test_a_draft_is_seen_only_by_its_author(app_context, author, reader):
    draft = service.create_article(author.id, {**FIELDS, "title": uid()}, draft=True)

    assert service.get_article(draft.slug, author.id).draft is True
    for viewer in (reader.id, None):
        assert contract_error(lambda v=viewer: service.get_article(draft.slug, v)) == (
            404,
            {"article": ["not found"]},
        )
    assert contract_error(lambda: service.favorite(draft.slug, reader.id))[0] == 404
    assert draft.slug in [a.slug for a in service.drafts(author.id).articles]
    published = service.list_articles(None, author=author.username)
    assert published.total == 0


def test_publishing_a_draft_lists_it_as_the_newest(app_context, author):
    draft = service.create_article(author.id, {**FIELDS, "title": uid()}, draft=True)
    service.create_article(author.id, {**FIELDS, "title": uid()})

    published = service.update_article(draft.slug, author.id, {}, draft=False)

    assert published.draft is False
    assert published.created_at == published.updated_at > draft.created_at
    listed = service.list_articles(None, author=author.username)
    assert listed.articles[0].slug == draft.slug
    assert service.drafts(author.id).total == 0


def test_updated_at_is_strictly_increasing_even_when_the_clock_stands_still(
    app_context, author, monkeypatch
):
    # Frozen at the present, so the article does not sit above other tests' in the lists.
    frozen = now_ms()
    monkeypatch.setattr(service, "now_ms", lambda: frozen)
    monkeypatch.setattr("webapp.clock.now_ms", lambda: frozen)
    article = service.create_article(author.id, {**FIELDS, "title": uid()})

    first = service.update_article(article.slug, author.id, {"body": "1"})
    second = service.update_article(article.slug, author.id, {"body": "2"})

    assert article.updated_at < first.updated_at < second.updated_at
    assert (second.updated_at - article.updated_at).total_seconds() == pytest.approx(0.002)
    assert second.to_json()["updatedAt"] == iso_ms(frozen + 2 * ONE_MS)


def test_a_retitle_to_the_same_kebab_keeps_the_slug(app_context, author):
    article = service.create_article(author.id, {**FIELDS, "title": f"Keep {uid()}"})

    updated = service.update_article(article.slug, author.id, {"title": article.title.upper()})

    assert updated.slug == article.slug


def test_a_drafts_old_slugs_are_not_kept(app_context, author):
    """A draft was never public (and autosave retitles it as its author types)."""
    draft = service.create_article(author.id, {**FIELDS, "title": uid()}, draft=True)

    renamed = service.update_article(draft.slug, author.id, {"title": uid()})

    with pytest.raises(ApiError) as missing:
        service.get_article(draft.slug, author.id)
    assert missing.value.status == 404
    assert service.get_article(renamed.slug, author.id).title == renamed.title


def test_an_old_slug_of_a_draft_is_404_to_others(app_context, author, reader):
    article = service.create_article(author.id, {**FIELDS, "title": uid()})
    renamed = service.update_article(article.slug, author.id, {"title": uid()})
    service.update_article(renamed.slug, author.id, {}, draft=True)

    with pytest.raises(service.SlugMoved):
        service.get_article(article.slug, author.id)
    with pytest.raises(ApiError) as hidden:
        service.get_article(article.slug, reader.id)
    assert hidden.value.status == 404


def test_a_title_cannot_take_a_route_as_its_slug(app_context, author):
    article = service.create_article(author.id, {**FIELDS, "title": "Feed"})

    assert article.slug.startswith("feed-")


def test_tags_with_a_slash_are_refused_because_their_page_could_not_exist(app_context, author):
    with pytest.raises(ApiError) as refused:
        service.create_article(author.id, {**FIELDS, "title": uid(), "tagList": ["ci/cd"]})

    assert refused.value.errors == {"tagList": ["cannot contain a slash"]}


def test_a_slug_race_is_retried_with_a_suffix(app_context, author, monkeypatch):
    title = f"Race {uid()}"
    taken = service.create_article(author.id, {**FIELDS, "title": title})
    # Another writer stored the same slug between our check and our insert.
    monkeypatch.setattr(service, "_slug_taken", lambda slug, article_id: False)

    article = service.create_article(author.id, {**FIELDS, "title": title})

    assert article.slug != taken.slug and article.slug.startswith(taken.slug + "-")


@pytest.mark.parametrize(
    ("tag_list", "message"),
    [
        (None, "must be an array"),
        ("a,b", "must be an array"),
        ([None], "is invalid"),
        (["x" * 31], "is too long (maximum is 30 characters)"),
        ([f"t{n}" for n in range(11)], "has too many tags (maximum is 10)"),
        (["a\x00"], "contains characters that are not allowed"),
    ],
)
def test_tag_list_rules_on_create(app_context, author, tag_list, message):
    status, errors = contract_error(
        lambda: service.create_article(author.id, {**FIELDS, "tagList": tag_list})
    )

    assert (status, errors) == (422, {"tagList": [message]})


def test_the_body_keeps_its_markdown_indentation(app_context, author):
    body = "    code block\n\ntext  \n"

    assert service.create_article(author.id, {**FIELDS, "body": body}).body == body


def test_delete_by_someone_else_is_403(app_context, author, reader):
    article = service.create_article(author.id, {**FIELDS, "title": uid()})

    assert contract_error(lambda: service.delete_article(article.slug, reader.id)) == (
        403,
        {"article": ["forbidden"]},
    )


# --- search ----------------------------------------------------------------------------------


def test_search_finds_a_word_of_the_body_and_ranks_title_matches_first(app_context, author):
    word = f"quokka{uid()}"
    in_body = service.create_article(author.id, {**FIELDS, "body": f"Meet the {word} today."})
    in_title = service.create_article(author.id, {**FIELDS, "title": f"All about {word}"})
    service.create_article(author.id, {**FIELDS, "body": f"{word} in a draft"}, draft=True)

    result = service.search(word, None)

    assert [a.slug for a in result.articles] == [in_title.slug, in_body.slug]
    assert result.total == 2


def test_search_needs_every_word(app_context, author):
    first, second = f"alpha{uid()}", f"beta{uid()}"
    both = service.create_article(author.id, {**FIELDS, "body": f"{first} and {second}"})
    service.create_article(author.id, {**FIELDS, "body": f"only {first}"})

    assert [a.slug for a in service.search(f"{first} {second}", None).articles] == [both.slug]


@pytest.mark.parametrize("query", ["", "   ", "%", "_", "\\", '"unclosed', "-", "a OR"])
def test_odd_queries_never_fail(app_context, query):
    result = service.search(query, None, limit=10_000)

    assert result.total == len(result.articles)


def test_search_pages_count_every_match(app_context, author):
    word = f"wombat{uid()}"
    for _ in range(3):
        service.create_article(author.id, {**FIELDS, "body": word})

    page = service.search(word, None, limit=2, offset=0)

    assert (len(page.articles), page.total) == (2, 3)
