"""The editor never publishes by accident, autosaves drafts and keeps a published article's
edits as a pending revision (ADR 0017)."""

from titanium_common.caching import UNCHANGED_HEADER
from webapp.articles import service

from ..support import unique


def fields(title, **more):
    return {"title": title, "description": "d", "body": "Some **bold** text", **more}


def test_implicit_submission_saves_a_draft_and_never_publishes(client, people, sign_in, app):
    """Enter in a field submits the form's first submit button, the hidden "save"; a browser
    without one, or a bare POST, sends no action at all. Neither publishes."""
    author = sign_in(people("writer"))
    html = client.get("/editor").data.decode()
    assert html.index('value="save"') < html.index('value="publish"')

    for data in (fields(unique("Enter")), fields(unique("Bare"), action="save")):
        response = client.post("/editor", data=data)
        assert response.status_code == 303
        assert response.headers["Location"].startswith("/editor/")
        slug = response.headers["Location"].rsplit("/", 1)[-1]
        with app.app_context():
            assert service.get_article(slug, author.id).draft is True


def test_saving_a_published_article_without_publish_keeps_a_pending_revision(
    client, people, sign_in, write
):
    author = sign_in(people("writer"))
    article = write(author)

    response = client.post(f"/editor/{article.slug}", data=fields(article.title, body="Not yet"))
    editor = client.get(f"/editor/{article.slug}").data
    page = client.get(f"/article/{article.slug}").data

    assert response.headers["Location"] == f"/editor/{article.slug}"
    assert response.headers[UNCHANGED_HEADER] == "1"
    assert b"Unpublished changes saved" in editor and b">Not yet</textarea>" in editor
    assert b"Not yet" not in page


def test_first_autosave_creates_one_draft_and_answers_its_edit_address(
    client, people, sign_in, app
):
    author = sign_in(people("writer"))
    data = fields(unique("Autosaved"), idempotency_key="key-" + unique("k"))

    first = client.post("/editor/_autosave", data=data)
    again = client.post("/editor/_autosave", data=data)

    assert first.status_code == 200 and first.headers[UNCHANGED_HEADER] == "1"
    slug = first.json["slug"]
    assert first.json["editUrl"] == f"/editor/{slug}"
    assert first.json["autosaveUrl"] == f"/editor/{slug}/_autosave"
    assert again.json["slug"] == slug and again.headers["Idempotent-Replayed"] == "true"
    with app.app_context():
        assert service.get_article(slug, author.id).draft is True
        assert service.drafts(author.id).total == 1


def test_autosave_of_a_draft_saves_it_even_unfinished(client, people, sign_in, write, app):
    author = sign_in(people("writer"))
    draft = write(author, draft=True)

    response = client.post(
        f"/editor/{draft.slug}/_autosave", data=fields(draft.title, description="", body="")
    )
    blank = client.post(f"/editor/{draft.slug}/_autosave", data=fields(""))

    assert response.status_code == 200
    assert blank.status_code == 422 and blank.json["messages"] == ["title can't be blank"]
    with app.app_context():
        saved = service.get_article(draft.slug, author.id)
    assert (saved.draft, saved.body, saved.description) == (True, "", "")


def test_autosave_of_a_published_article_is_invisible_until_publish(client, people, sign_in, write):
    author = sign_in(people("writer"))
    article = write(author)

    saved = client.post(f"/editor/{article.slug}/_autosave", data=fields(article.title, body="v2"))
    before = client.get(f"/api/articles/{article.slug}").json["article"]["body"]
    client.post(f"/editor/{article.slug}", data=fields(article.title, body="v2", action="publish"))
    after = client.get(f"/api/articles/{article.slug}").json["article"]["body"]

    assert saved.status_code == 200 and saved.headers[UNCHANGED_HEADER] == "1"
    assert (before, after) == (article.body, "v2")
    assert b"Unpublished changes" not in client.get(f"/editor/{article.slug}").data


def test_discard_forgets_the_pending_revision(client, people, sign_in, write):
    author = sign_in(people("writer"))
    article = write(author)
    client.post(f"/editor/{article.slug}/_autosave", data=fields(article.title, body="Oops"))

    response = client.post(f"/editor/{article.slug}/discard")
    editor = client.get(f"/editor/{article.slug}").data

    assert response.status_code == 303
    assert b"Unpublished changes saved" not in editor
    assert article.body.encode() + b"</textarea>" in editor


def test_someone_elses_article_cannot_be_autosaved(client, people, sign_in, write):
    article = write(people("owner"))
    sign_in(people("intruder"))

    for path in ("_autosave", "discard"):
        response = client.post(f"/editor/{article.slug}/{path}", data=fields("Mine now"))
        assert response.status_code == 403


def test_reopening_a_draft_shows_its_preview(client, people, sign_in, write):
    author = sign_in(people("writer"))
    draft = write(author, draft=True, body="Some **bold** words")

    html = client.get(f"/editor/{draft.slug}").data

    assert b'<div id="preview" class="article-content"' in html
    assert b"<strong>bold</strong>" in html


def test_publish_and_save_say_what_happened(client, people, sign_in):
    sign_in(people("writer"))

    published = client.post("/editor", data=fields(unique("Out"), action="publish"))
    page = client.get(published.headers["Location"]).data

    assert b"Published." in page
