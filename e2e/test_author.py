"""Authors: sign up and in, write (preview, tags, drafts), edit, delete, comment, favorite,
follow, settings and log out. Each flow works without JavaScript, so each runs with it on and
off (the `visitor` fixture); the htmx-only parts are asserted in test_htmx.py."""

import re

import pytest
from playwright.sync_api import Page, Route, expect

from e2e.steps import (
    PASSWORD,
    comment_texts,
    confirm_delete,
    fill_editor,
    navbar_profile_link,
    path_is,
    post_comment,
    preview_of,
    publish,
    sign_in,
    sign_up,
    unique,
)

pytestmark = pytest.mark.author


def test_author_can_sign_up(visitor: Page):
    person = sign_up(visitor)

    link = navbar_profile_link(visitor, person)
    expect(link).to_have_text(person.username)
    expect(link.locator("img.user-pic")).to_be_visible()
    expect(visitor.locator("nav.navbar").get_by_role("link", name="New Article")).to_be_visible()
    expect(visitor.locator("nav.navbar").get_by_role("link", name="Sign in")).to_have_count(0)
    visitor.reload()
    expect(link).to_be_visible()


def test_author_sees_sign_up_and_sign_in_errors(visitor: Page, someone_else: Page):
    person = sign_up(someone_else)
    visitor.goto("/register")
    visitor.get_by_label("Username").fill(unique("e2e"))
    visitor.get_by_label("Email").fill(person.email)
    visitor.get_by_label("Password").fill(PASSWORD)
    visitor.get_by_role("button", name="Sign up").click()
    expect(visitor.locator("ul.error-messages li")).to_have_text(["email has already been taken"])
    expect(visitor).to_have_url(path_is("/register"))

    sign_in(visitor, f"nobody-{person.email}", PASSWORD)
    expect(visitor.locator("ul.error-messages li")).to_have_text(["email or password is invalid"])
    expect(visitor).to_have_url(path_is("/login"))

    sign_in(visitor, person.email, "not the password")
    expect(visitor.locator("ul.error-messages li")).to_have_text(["email or password is invalid"])
    expect(visitor).to_have_url(path_is("/login"))
    expect(visitor.get_by_label("Email")).to_have_value(person.email)

    sign_in(visitor, person.email, PASSWORD)
    expect(visitor).to_have_url(path_is("/"))
    expect(navbar_profile_link(visitor, person)).to_be_visible()


def test_author_writes_with_preview_and_tags(visitor: Page, javascript: bool):
    sign_up(visitor)
    title = unique("Written ")
    visitor.goto("/editor")
    fill_editor(visitor, title, "A description", "Some **bold** words and `code`.")
    tag_input = visitor.get_by_label("Tags")
    if javascript:
        # The preview follows the typing; Enter in the tag input adds a pill, never submits.
        expect(visitor.locator("#preview strong")).to_have_text("bold")
        for tag in ("zeta", "alpha"):
            tag_input.fill(tag)
            tag_input.press("Enter")
        expect(visitor.locator("[data-tag-list] .tag-pill")).to_have_text(["zeta", "alpha"])
        visitor.get_by_role("button", name="Remove tag zeta").click()
        expect(visitor.locator("[data-tag-list] .tag-pill")).to_have_text(["alpha"])
        tag_input.fill("beta")
    else:
        # Without JavaScript the Preview button renders the editor again with the preview.
        tag_input.fill("beta, alpha")
        visitor.get_by_role("button", name="Preview").click()
        expect(visitor.locator("#preview strong")).to_have_text("bold")
        expect(visitor.get_by_label("Title")).to_have_value(title)
        expect(visitor.locator("[data-tag-list] .tag-pill")).to_have_text(["beta", "alpha"])
    # Still the editor (Enter never submitted); autosave may have moved it to /editor/<slug>.
    expect(visitor).to_have_url(re.compile(r"/editor(/[^/?#]+)?$"))

    visitor.get_by_role("button", name="Publish Article").click()

    expect(visitor).to_have_url(re.compile(r"/article/[^/]+$"))
    expect(visitor.locator("h1")).to_have_text(title)
    expect(visitor.locator(".article-content strong")).to_have_text("bold")
    expect(visitor.locator(".article-page ul.tag-list li")).to_have_text(["alpha", "beta"])


def test_author_saves_a_draft_then_publishes_it(visitor: Page, someone_else: Page):
    author = sign_up(visitor)
    title = unique("Drafted ")
    visitor.goto("/editor")
    fill_editor(visitor, title, "Not yet", "Work in progress.")
    visitor.get_by_role("button", name="Save Draft").click()

    expect(visitor).to_have_url(re.compile(r"/editor/[^/]+$"))
    expect(visitor.locator(".flash")).to_contain_text("Draft saved")
    slug = visitor.url.rsplit("/", 1)[-1]
    someone_else.goto(f"/article/{slug}")
    expect(someone_else.locator(".error-page h1")).to_have_text("Nothing here")
    visitor.goto(f"/profile/{author.username}/drafts")
    expect(preview_of(visitor, slug).locator(".draft-badge")).to_be_visible()

    visitor.goto(f"/editor/{slug}")
    visitor.get_by_role("button", name="Publish Article").click()

    expect(visitor).to_have_url(path_is(f"/article/{slug}"))
    expect(visitor.locator(".draft-note")).to_have_count(0)
    someone_else.goto("/")
    expect(preview_of(someone_else, slug).locator("h1")).to_have_text(title)


def test_a_new_article_sent_twice_is_published_once(visitor: Page):
    """A double submit or a browser's retry of the editor's form: the form carries a key made
    for its rendering, so the same POST sent again answers like the first and creates nothing."""
    author = sign_up(visitor)
    title = unique("Sent twice ")
    visitor.goto("/editor")
    fill_editor(visitor, title, "Once only", "One article, however often it is sent.")
    replies = []

    def send_twice(route: Route) -> None:
        """The browser's POST reaches the site twice, byte for byte; the page sees the second."""
        if route.request.method != "POST":
            route.continue_()
            return
        replies.extend(route.fetch(max_redirects=0) for _ in range(2))
        route.fulfill(response=replies[-1])

    visitor.route("**/editor", send_twice)
    visitor.get_by_role("button", name="Publish Article").click()

    expect(visitor.locator("h1")).to_have_text(title)
    assert [reply.status for reply in replies] == [303, 303]
    assert replies[1].headers["location"] == replies[0].headers["location"]
    assert replies[1].headers["idempotent-replayed"] == "true"
    visitor.unroute("**/editor")
    visitor.goto(f"/profile/{author.username}")
    expect(visitor.locator(".article-preview h1").filter(has_text=title)).to_have_count(1)


def test_author_edits_an_article(visitor: Page, someone_else: Page):
    sign_up(visitor)
    slug = publish(visitor, unique("Before "), tags=("kept",))
    new_title = unique("After ")

    visitor.get_by_role("link", name="Edit Article").first.click()
    expect(visitor).to_have_url(path_is(f"/editor/{slug}"))
    expect(visitor.get_by_label("Description")).to_have_value("What it is about")
    expect(visitor.locator("[data-tag-list] .tag-pill")).to_have_text(["kept"])
    visitor.get_by_label("Title").fill(new_title)
    visitor.get_by_label("Body").fill("An edited body.")
    visitor.get_by_role("button", name="Publish Article").click()

    expect(visitor).to_have_url(re.compile(r"/article/[^/]+$"))
    expect(visitor.locator("h1")).to_have_text(new_title)
    expect(visitor.locator(".article-content")).to_have_text("An edited body.")
    expect(visitor.locator(".article-page ul.tag-list li")).to_have_text(["kept"])
    someone_else.goto(visitor.url)
    expect(someone_else.locator("h1")).to_have_text(new_title)


def test_author_deletes_an_article(visitor: Page, someone_else: Page):
    sign_up(visitor)
    slug = publish(visitor, unique("Doomed "))

    confirm_delete(visitor)

    expect(visitor).to_have_url(path_is("/"))
    expect(visitor.locator(".feed-toggle")).to_be_visible()
    expect(preview_of(visitor, slug)).to_have_count(0)
    response = someone_else.goto(f"/article/{slug}")
    assert response.status == 404


def test_author_adds_and_deletes_comments(visitor: Page, someone_else: Page):
    sign_up(someone_else)
    slug = publish(someone_else)
    sign_up(visitor)
    first, second = unique("First comment "), unique("Second comment ")

    post_comment(visitor, slug, first)
    post_comment(visitor, slug, second)

    expect(comment_texts(visitor)).to_have_count(2)
    expect(visitor.get_by_label("Your comment")).to_have_value("")
    visitor.reload()
    expect(comment_texts(visitor)).to_have_count(2)
    someone_else.reload()
    expect(someone_else.locator("#comments .mod-options")).to_have_count(0)

    card = visitor.locator("#comments .card").filter(has_text=first)
    card.get_by_role("button", name="Delete comment").click()

    expect(comment_texts(visitor)).to_have_text([second])
    someone_else.reload()
    expect(comment_texts(someone_else)).to_have_text([second])


def test_author_favorites_and_unfavorites_with_counts(visitor: Page, someone_else: Page):
    sign_up(someone_else)
    slug = publish(someone_else, tags=(tag := unique("loved"),))
    reader = sign_up(visitor)

    # The heart in a list preview: a real form POST that comes back to the same list.
    visitor.goto(f"/tag/{tag}")
    heart = preview_of(visitor, slug).locator(".article-meta button")
    expect(heart).to_have_text("0")
    heart.click()
    expect(visitor).to_have_url(path_is(f"/tag/{tag}"))
    expect(heart).to_have_text("1")
    expect(heart).to_have_class(re.compile(r"\bbtn-primary\b"))
    visitor.goto(f"/profile/{reader.username}/favorites")
    expect(preview_of(visitor, slug)).to_have_count(1)

    # The article page's button says what it does and shows the count.
    visitor.goto(f"/article/{slug}")
    button = visitor.locator(".banner .favorite-form button")
    expect(button).to_have_text(re.compile(r"Unfavorite Article\s+\(1\)"))
    button.click()
    expect(button).to_have_text(re.compile(r"^\s*Favorite Article\s+\(0\)"))
    expect(button).to_have_class(re.compile(r"\bbtn-outline-primary\b"))
    visitor.goto(f"/tag/{tag}")
    expect(heart).to_have_text("0")


def test_author_follows_unfollows_and_reads_your_feed(visitor: Page, someone_else: Page):
    writer = sign_up(someone_else)
    slug = publish(someone_else, title := unique("For followers "))
    sign_up(visitor)
    visitor.goto("/?feed=following")
    expect(visitor.locator(".empty-feed-message")).to_contain_text("Your feed is empty")

    visitor.goto(f"/profile/{writer.username}")
    follow = visitor.locator(".user-info button")
    follow.click()
    expect(follow).to_have_text(re.compile(rf"Unfollow {writer.username}"))

    visitor.goto("/")
    visitor.locator(".feed-toggle").get_by_role("link", name="Your Feed").click()
    expect(visitor).to_have_url(path_is("/?feed=following"))
    expect(visitor.locator(".feed-toggle a.nav-link.active")).to_have_text("Your Feed")
    expect(preview_of(visitor, slug).locator("h1")).to_have_text(title)

    visitor.goto(f"/profile/{writer.username}")
    follow.click()
    expect(follow).to_have_text(re.compile(rf"^\s*Follow {writer.username}"))
    visitor.goto("/?feed=following")
    expect(visitor.locator(".empty-feed-message")).to_be_visible()


def test_author_updates_settings_and_signs_in_with_the_new_password(visitor: Page, base_url: str):
    person = sign_up(visitor)
    bio = unique("I write about compilers ")
    image = f"{base_url}/static/favicon.svg"
    new_email = f"new-{person.email}"
    new_password = "a brand new passphrase"

    visitor.locator("nav.navbar").get_by_role("link", name="Settings").click()
    visitor.get_by_label("Profile picture URL").fill(image)
    visitor.get_by_label("Bio").fill(bio)
    visitor.get_by_label("Email").fill(new_email)
    visitor.get_by_label("New password").fill(new_password)
    visitor.get_by_label("Current password").fill(person.password)
    visitor.get_by_role("button", name="Update Settings").click()

    expect(visitor).to_have_url(path_is(f"/profile/{person.username}"))
    expect(visitor.locator(".user-info p")).to_have_text(bio)
    expect(visitor.locator(".user-info img.user-img")).to_have_attribute("src", image)
    visitor.goto("/settings")
    expect(visitor.get_by_label("Bio")).to_have_value(bio)
    expect(visitor.get_by_label("Email")).to_have_value(new_email)
    expect(visitor.get_by_label("New password")).to_have_value("")

    visitor.get_by_role("button", name="Or click here to logout").click()
    expect(visitor).to_have_url(path_is("/"))
    sign_in(visitor, new_email, person.password)
    expect(visitor.locator("ul.error-messages li")).to_have_text(["email or password is invalid"])
    sign_in(visitor, new_email, new_password)
    expect(visitor).to_have_url(path_is("/"))
    expect(navbar_profile_link(visitor, person)).to_be_visible()


def test_author_logs_out(visitor: Page):
    person = sign_up(visitor)
    visitor.goto("/settings")

    visitor.get_by_role("button", name="Or click here to logout").click()

    expect(visitor).to_have_url(path_is("/"))
    navbar = visitor.locator("nav.navbar")
    expect(navbar.get_by_role("link", name="Sign in")).to_be_visible()
    expect(navbar_profile_link(visitor, person)).to_have_count(0)
    visitor.goto("/editor")
    expect(visitor).to_have_url(path_is("/login"))
