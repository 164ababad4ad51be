"""The editor: new, edit (author only), drafts, tags and the live preview (CONTRACT 2.3, 2.7)."""

from titanium_common.caching import UNCHANGED_HEADER


def test_anonymous_editor_goes_to_login(client):
    response = client.get("/editor")

    assert response.status_code == 303
    assert response.headers["Location"] == "/login"


def test_the_editor_has_the_contract_fields_and_buttons(client, people, sign_in):
    sign_in(people("writer"))

    html = client.get("/editor").data

    assert b'<div class="editor-page">' in html
    assert b'name="title" placeholder="Article Title"' in html
    assert b'name="description" placeholder="What\'s this article about?"' in html
    assert b'name="body" placeholder="Write your article (in markdown)"' in html
    assert b'placeholder="Enter tags"' in html
    assert b">Publish Article</button>" in html
    assert b">Save Draft</button>" in html
    assert b'hx-post="/editor/_preview"' in html


def test_publish_goes_to_the_article_with_its_tags(client, people, sign_in):
    sign_in(people("writer"))

    response = client.post(
        "/editor",
        data={
            "title": "Published piece",
            "description": "d",
            "body": "b",
            "tagList": ["zeta", "alpha"],
            "tag_input": "leftover",
            "action": "publish",
        },
    )
    html = client.get(response.headers["Location"]).data

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/article/published-piece")
    for tag in (b"alpha", b"leftover", b"zeta"):
        assert b'<li class="tag-default tag-pill tag-outline">' + tag + b"</li>" in html


def test_errors_keep_what_was_typed(client, people, sign_in):
    sign_in(people("writer"))

    response = client.post(
        "/editor", data={"title": "", "description": "Kept", "body": "Also kept", "tagList": ["t1"]}
    )

    assert response.status_code == 422
    assert b"<li>title can&#39;t be blank</li>" in response.data
    assert b'value="Kept"' in response.data
    assert b">Also kept</textarea>" in response.data
    assert b'name="tagList" value="t1" checked' in response.data


def test_editing_shows_current_tags_and_an_empty_tag_set_clears_them(
    client, people, write, sign_in
):
    author = sign_in(people("writer"))
    article = write(author, tagList=["keep", "drop"])

    form = client.get(f"/editor/{article.slug}").data
    response = client.post(
        f"/editor/{article.slug}",
        data={"title": article.title, "description": "d", "body": "b", "action": "publish"},
    )

    assert (
        b'<span class="tag-default tag-pill"><label>'
        b'<input type="checkbox" name="tagList" value="drop"' in form
    )
    assert b'<i class="ion-close-round"' in form
    assert f'value="{article.title}"'.encode() in form
    assert response.headers["Location"] == f"/article/{article.slug}"
    assert b"tag-pill" not in client.get(f"/article/{article.slug}").data


def test_only_the_author_may_edit(client, people, write, sign_in):
    article = write(people("author"))
    sign_in(people("intruder"))

    assert client.get(f"/editor/{article.slug}").status_code == 403
    assert client.post(f"/editor/{article.slug}", data={"title": "x"}).status_code == 403


def test_a_draft_is_visible_only_to_its_author(client, people, sign_in, user_service):
    author = sign_in(people("drafter"))
    saved = client.post(
        "/editor",
        data={"title": "Secret draft", "description": "d", "body": "b", "action": "draft"},
    )
    slug = saved.headers["Location"].rsplit("/", 1)[1]

    own_drafts = client.get(f"/profile/{author.username}/drafts").data
    own_view = client.get(f"/article/{slug}")
    with client.session_transaction() as session:
        session.clear()
    anonymous_view = client.get(f"/article/{slug}")
    sign_in(people("snoop"))
    other_drafts = client.get(f"/profile/{author.username}/drafts")

    assert saved.headers["Location"] == f"/editor/{slug}"
    assert slug.encode() in own_drafts and b"Drafts</a>" in own_drafts
    assert own_view.status_code == 200 and b"draft-badge" in own_view.data
    assert anonymous_view.status_code == 404
    assert other_drafts.status_code == 404
    assert slug.encode() not in client.get("/").data


def test_publishing_a_draft_puts_it_on_the_home_page(client, people, write, sign_in):
    author = sign_in(people("drafter"))
    draft = write(author, draft=True)

    response = client.post(
        f"/editor/{draft.slug}",
        data={"title": draft.title, "description": "d", "body": "b", "action": "publish"},
    )

    assert response.headers["Location"] == f"/article/{draft.slug}"
    assert draft.slug.encode() in client.get("/").data


def test_the_live_preview_renders_sanitised_markdown(client, people, sign_in):
    sign_in(people("writer"))

    response = client.post("/editor/_preview", data={"body": "**bold** <script>alert(1)</script>"})

    assert b"<strong>bold</strong>" in response.data
    assert b"<script" not in response.data
    assert response.headers[UNCHANGED_HEADER] == "1"  # typing must not empty the page cache


def test_the_preview_button_works_without_javascript(client, people, sign_in):
    sign_in(people("writer"))

    response = client.post(
        "/editor", data={"title": "t", "description": "d", "body": "*hi*", "action": "preview"}
    )

    assert response.status_code == 200
    assert b"<em>hi</em>" in response.data
