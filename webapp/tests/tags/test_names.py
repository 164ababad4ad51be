"""Tags have one spelling, whoever writes them (ADR 0029): lower case, trimmed, whitespace runs
as one hyphen; the limits count tags once normalised; /tag/<Name> answers 301 to its page."""

import re

from ..support import as_user, unique

TOO_MANY = {"errors": {"tagList": ["has too many tags (maximum is 10)"]}}


def test_the_api_stores_tags_normalised_and_once(client, articles, user_service):
    author = user_service.create()
    word = unique("Word")

    created = articles.create(
        author, tags=[f"  My New {word} ", f"my   new {word.lower()}", f"My-New-{word}", "", "Py"]
    )

    assert created["tagList"] == [f"my-new-{word.lower()}", "py"]
    read = client.get(f"/api/articles/{created['slug']}").json["article"]
    assert read["tagList"] == created["tagList"]


def test_the_api_normalises_tags_on_update(client, articles, user_service):
    author = user_service.create()
    slug = articles.create(author, tags=["kept"])["slug"]

    response = client.put(
        f"/api/articles/{slug}",
        json={"article": {"tagList": ["Release Notes", "release - notes", "HTMX"]}},
        headers=as_user(author),
    )

    assert response.status_code == 200
    assert response.json["article"]["tagList"] == ["htmx", "release-notes"]


def test_the_limit_counts_tags_once_normalised(client, articles, user_service):
    author = user_service.create()
    ten = [f"t{number}" for number in range(10)]

    # Eleven as typed, ten once normalised: accepted.
    accepted = articles.create(author, tags=[*ten, "T0 "])
    refused = client.post(
        "/api/articles",
        json={"article": {"title": "t", "description": "d", "body": "b", "tagList": [*ten, "x"]}},
        headers=as_user(author),
    )

    assert accepted["tagList"] == sorted(ten)
    assert (refused.status_code, refused.json) == (422, TOO_MANY)


def test_the_length_limit_is_of_the_normalised_name(client, articles, user_service):
    author = user_service.create()
    spaced = "a" + " " * 40 + "b"  # 42 characters typed, "a-b" once normalised

    created = articles.create(author, tags=[spaced])
    refused = client.post(
        "/api/articles",
        json={"article": {"title": "t", "description": "d", "body": "b", "tagList": ["x" * 31]}},
        headers=as_user(author),
    )

    assert created["tagList"] == ["a-b"]
    assert refused.json == {"errors": {"tagList": ["is too long (maximum is 30 characters)"]}}


def test_the_editor_publishes_tags_normalised(client, people, sign_in):
    sign_in(people("writer"))
    word = unique("Shiny")

    response = client.post(
        "/editor",
        data={
            "title": unique("Normalised tags"),
            "description": "d",
            "body": "b",
            "tagList": [f"{word} Thing", "Python"],
            "tag_input": f" {word.lower()}   thing, PYTHON ",
            "action": "publish",
        },
    )
    html = client.get(response.headers["Location"]).data.decode()

    assert response.status_code == 303
    pills = re.findall(r'<li class="tag-default tag-pill tag-outline">([^<]*)</li>', html)
    assert pills == ["python", f"{word.lower()}-thing"]


def test_too_many_tags_in_the_editor_is_an_inline_message_and_keeps_the_draft(
    client, people, sign_in
):
    sign_in(people("writer"))

    response = client.post(
        "/editor",
        data={
            "title": "Kept title",
            "description": "d",
            "body": "Kept body",
            "tagList": [f"tag {number}" for number in range(11)],
            "action": "publish",
        },
    )

    assert response.status_code == 422
    assert b"has too many tags (maximum is 10)" in response.data
    assert b'value="Kept title"' in response.data
    assert b">Kept body</textarea>" in response.data


def test_a_tag_page_by_another_spelling_is_a_301_to_the_tags_page(client, people, write):
    tag = unique("my new tag")
    write(people("tagger"), tagList=[tag])
    normal = tag.replace(" ", "-")
    typed = tag.title().replace(" ", "%20")

    moved = client.get(f"/tag/{typed}")
    moved_page = client.get(f"/tag/{typed}?page=1")
    page = client.get(moved.headers["Location"])

    assert (moved.status_code, moved.headers["Location"]) == (301, f"/tag/{normal}")
    assert moved_page.headers["Location"] == f"/tag/{normal}?page=1"
    assert page.status_code == 200
    assert b'class="nav-link active" href="/tag/' + normal.encode() in page.data


def test_the_api_tag_filter_finds_other_spellings(client, people, write):
    tag = unique("filter me")
    article = write(people("tagger"), tagList=[tag])

    found = client.get("/api/articles", query_string={"tag": tag.upper()}).json

    assert [item["slug"] for item in found["articles"]] == [article.slug]
