"""Issue 11 (1, 2): the editor never publishes by accident and never loses work; Delete asks
first, goes to the trash and can be undone (ADR 0017). JavaScript on and off where the flow
exists without it (the `visitor` fixture); autosave and the leave warning need it."""

import re

import pytest
from playwright.sync_api import Dialog, Page, expect

from e2e.steps import (
    Person,
    confirm_delete,
    fill_editor,
    path_is,
    publish,
    sign_up,
    unique,
)

pytestmark = pytest.mark.author

SAVED = re.compile(r"Saved · \d")


def published_titles(page: Page, author: Person) -> list[str]:
    """What readers see listed of the author's articles."""
    page.goto(f"/profile/{author.username}")
    return page.locator(".article-preview h1").all_inner_texts()


@pytest.mark.parametrize("where", ["title", "tag input", "tag checkbox"])
def test_enter_in_the_editor_never_publishes(
    visitor: Page, someone_else: Page, javascript: bool, where: str
):
    author = sign_up(visitor)
    title = unique("Not yet ")
    visitor.goto("/editor")
    fill_editor(visitor, title, "Half done", "Still *writing*.")
    if where == "tag checkbox":
        tag_input = visitor.get_by_label("Tags")
        tag_input.fill("pending")
        if javascript:
            tag_input.press("Enter")
        else:  # the pill comes back from the server: save first
            visitor.get_by_role("button", name="Save Draft").click()
        checkbox = visitor.locator("[data-tag-list] input[type=checkbox]").first
        checkbox.focus()
        checkbox.press("Enter")
    elif where == "tag input":
        tag = visitor.get_by_label("Tags")
        tag.fill("news")
        tag.press("Enter")
    else:
        visitor.get_by_label("Title").press("Enter")

    if javascript:
        # Enter saves (autosave) or adds a pill, and the page stays the editor.
        expect(visitor.locator("[data-autosave-status]")).to_have_text(SAVED)
    else:
        # The form's default button saves a draft.
        expect(visitor.locator(".flash")).to_contain_text("Draft saved")
    expect(visitor).to_have_url(re.compile(r"/editor(/[^/]+)?$"))
    expect(visitor.get_by_label("Title")).to_have_value(title)
    assert title not in published_titles(someone_else, author)


def test_ctrl_enter_publishes(page: Page):
    sign_up(page)
    title = unique("Shortcut ")
    page.goto("/editor")
    fill_editor(page, title, "Quick", "Published with the keyboard.")

    page.get_by_label("Body").press("Control+Enter")

    expect(page).to_have_url(re.compile(r"/article/[^/]+$"))
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator(".flash")).to_contain_text("Published.")


def test_autosave_keeps_a_new_article_as_a_draft(page: Page, someone_else: Page):
    author = sign_up(page)
    title = unique("Autosaved ")
    page.goto("/editor")

    fill_editor(page, title, "Saved by itself", "Some **bold** words.")

    expect(page.locator("[data-autosave-status]")).to_have_text(SAVED)
    expect(page).to_have_url(re.compile(r"/editor/[^/]+$"))
    slug = page.url.rsplit("/", 1)[-1]
    # Reopened later: the text and its preview are there.
    page.goto(f"/editor/{slug}")
    expect(page.get_by_label("Body")).to_have_value("Some **bold** words.")
    expect(page.locator("#preview.article-content strong")).to_have_text("bold")
    assert title not in published_titles(someone_else, author)
    page.goto(f"/profile/{author.username}/drafts")
    expect(page.locator(".article-preview h1")).to_have_text([title])


def test_reopening_a_draft_shows_its_preview(visitor: Page):
    sign_up(visitor)
    visitor.goto("/editor")
    fill_editor(visitor, unique("Reopened "), "Preview", "A **strong** start.")
    visitor.get_by_role("button", name="Save Draft").click()
    expect(visitor).to_have_url(re.compile(r"/editor/[^/]+$"))

    visitor.goto(visitor.url)

    expect(visitor.locator("#preview.article-content strong")).to_have_text("strong")


def test_autosaved_edits_of_a_published_article_stay_unpublished(page: Page, someone_else: Page):
    sign_up(page)
    slug = publish(page, unique("Live "), body="The published text.")
    page.goto(f"/editor/{slug}")

    page.get_by_label("Body").fill("Edits in progress.")
    expect(page.locator("[data-autosave-status]")).to_have_text(SAVED)

    someone_else.goto(f"/article/{slug}")
    expect(someone_else.locator(".article-content")).to_have_text("The published text.")
    api = someone_else.request.get(f"/api/articles/{slug}")
    assert api.json()["article"]["body"] == "The published text."
    page.goto(f"/editor/{slug}")
    expect(page.locator(".pending-note")).to_contain_text("Unpublished changes saved")
    expect(page.get_by_label("Body")).to_have_value("Edits in progress.")

    page.get_by_role("button", name="Publish Article").click()

    expect(page).to_have_url(path_is(f"/article/{slug}"))
    someone_else.reload()
    expect(someone_else.locator(".article-content")).to_have_text("Edits in progress.")
    page.goto(f"/editor/{slug}")
    expect(page.locator(".pending-note")).to_have_count(0)


def test_leaving_with_unsaved_changes_asks_first(page: Page):
    sign_up(page)
    page.goto("/editor")
    # Saving fails (the network is gone), so the changes stay unsaved.
    page.route("**/_autosave", lambda route: route.abort())
    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()  # stay

    page.on("dialog", answer)
    page.get_by_label("Title").press_sequentially("Unsaved thoughts")
    expect(page.locator("[data-autosave-status]")).to_contain_text("Not saved")

    page.close(run_before_unload=True)

    expect(page.get_by_label("Title")).to_have_value("Unsaved thoughts")
    assert asked == ["beforeunload"]


def test_delete_asks_moves_to_the_trash_and_undo_restores(visitor: Page, someone_else: Page):
    sign_up(visitor)
    title = unique("Regretted ")
    slug = publish(visitor, title)

    visitor.get_by_role("button", name="Delete Article").first.click()
    question = visitor.locator("form.delete-confirm")
    expect(question).to_be_visible()
    question.get_by_role("button", name="Delete Article").click()

    expect(visitor).to_have_url(path_is("/"))
    expect(visitor.locator(".flash")).to_contain_text(f"“{title}” was moved to your trash")
    assert someone_else.goto(f"/article/{slug}").status == 404

    visitor.locator(".flash").get_by_role("button", name="Undo").click()

    expect(visitor).to_have_url(path_is(f"/article/{slug}"))
    expect(visitor.locator("h1")).to_have_text(title)
    assert someone_else.goto(f"/article/{slug}").status == 200


def test_the_delete_question_is_a_dialog_with_javascript_and_a_page_without(
    visitor: Page, javascript: bool
):
    sign_up(visitor)
    slug = publish(visitor, unique("Asked "))

    visitor.get_by_role("button", name="Delete Article").first.click()

    if javascript:
        expect(visitor.locator("dialog#delete-dialog")).to_be_visible()
        expect(visitor).to_have_url(path_is(f"/article/{slug}"))
        visitor.locator("dialog#delete-dialog").get_by_role("button", name="Cancel").click()
        expect(visitor.locator("dialog#delete-dialog")).to_be_hidden()
    else:
        # (the button is a GET form's: the address may end in an empty "?")
        expect(visitor).to_have_url(re.compile(rf"/article/{re.escape(slug)}/delete\??$"))
        visitor.get_by_role("link", name="Cancel").click()
    expect(visitor).to_have_url(path_is(f"/article/{slug}"))
    expect(visitor.locator("h1")).to_be_visible()


def test_the_trash_restores_a_deleted_article(visitor: Page, someone_else: Page):
    author = sign_up(visitor)
    title = unique("Trashed ")
    slug = publish(visitor, title)
    confirm_delete(visitor)
    expect(visitor).to_have_url(path_is("/"))

    visitor.goto(f"/profile/{author.username}")
    visitor.get_by_role("link", name="Trash").click()
    expect(visitor).to_have_url(path_is("/trash"))
    visitor.get_by_role("button", name=f"Restore {title}").click()

    expect(visitor).to_have_url(path_is(f"/article/{slug}"))
    expect(visitor.locator(".flash")).to_contain_text("Restored")
    assert someone_else.goto(f"/article/{slug}").status == 200
    visitor.goto("/trash")
    expect(visitor.locator(".trash-empty")).to_be_visible()
