"""Titanium's own design (ADR 0028), measured in a real browser: the reading column's line
length, the theme toggle, the phone header and the header's Sign out."""

import re
import statistics

import pytest
from playwright.sync_api import Page, expect

from e2e.steps import navbar_profile_link, path_is, publish, sign_up

# A paragraph of ordinary English, long enough for several full lines.
PROSE = (
    "Titanium keeps the reading column narrow on purpose. Long lines tire the eye: it has to "
    "travel far to the right and then find the start of the next line again, and it loses its "
    "place. Short lines break the sentence too often. Somewhere between sixty-five and "
    "seventy-five characters, with generous spacing between the lines, most people read "
    "quickly and comfortably for a long time, which is what an article asks of its readers. "
    "This paragraph exists only to be measured, one line at a time, by the test that reads it."
)

# Characters per rendered line of an element's text (one count per line box).
CHARACTERS_PER_LINE_JS = """element => {
  const counts = new Map();
  const range = document.createRange();
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const box = range.getClientRects()[0];
      if (!box) continue;
      const top = Math.round(box.top);
      counts.set(top, (counts.get(top) || 0) + 1);
    }
  }
  return [...counts.entries()].sort((a, b) => a[0] - b[0]).map(entry => entry[1]);
}"""


@pytest.mark.reader
def test_an_article_reads_in_a_centred_column_of_65_to_75_characters(new_context):
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_up(page)
    publish(page, body=PROSE)

    paragraph = page.locator(".article-content p")
    per_line = paragraph.evaluate(CHARACTERS_PER_LINE_JS)[:-1]  # the last line is a remainder

    assert len(per_line) >= 3, per_line
    assert 65 <= statistics.median(per_line) <= 75, per_line
    box = paragraph.bounding_box()
    left, right = box["x"], 1280 - (box["x"] + box["width"])
    assert abs(left - right) < 40, f"the column is not centred: {left}px left, {right}px right"


def background_of(page: Page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


@pytest.mark.a11y
def test_the_theme_toggle_is_a_pressed_button_and_the_choice_survives_a_reload(new_context):
    page = new_context(color_scheme="light").new_page()
    page.goto("/")
    light = background_of(page)
    toggle = page.get_by_role("button", name="Dark theme")
    expect(toggle).to_have_attribute("aria-pressed", "false")

    toggle.click()

    expect(toggle).to_have_attribute("aria-pressed", "true")
    dark = background_of(page)
    assert dark != light
    page.reload()
    expect(page.get_by_role("button", name="Dark theme")).to_have_attribute("aria-pressed", "true")
    assert background_of(page) == dark
    page.goto("/login")
    assert background_of(page) == dark

    page.get_by_role("button", name="Dark theme").click()
    page.reload()
    expect(page.get_by_role("button", name="Dark theme")).to_have_attribute("aria-pressed", "false")
    assert background_of(page) == light


@pytest.mark.a11y
def test_without_javascript_the_page_follows_the_system_theme(new_context):
    light = new_context(color_scheme="light", java_script_enabled=False).new_page()
    dark = new_context(color_scheme="dark", java_script_enabled=False).new_page()
    for page in (light, dark):
        page.goto("/")
        expect(page.locator(".theme-toggle")).to_be_hidden()

    assert background_of(light) != background_of(dark)


@pytest.mark.a11y
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript-on", "javascript-off"])
def test_a_signed_in_phone_header_is_one_short_row_with_a_menu(new_context, javascript: bool):
    page = new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=javascript
    ).new_page()
    person = sign_up(page)
    page.goto("/")

    header = page.locator("header.site-header").bounding_box()
    assert header["height"] <= 64, f"the header is {header['height']}px tall"
    brand = page.locator("a.navbar-brand").bounding_box()
    menu = page.get_by_role("button", name="Menu")
    for part in (navbar_profile_link(page, person), menu):
        expect(part).to_be_visible()
        box = part.bounding_box()
        assert abs((box["y"] + box["height"] / 2) - (brand["y"] + brand["height"] / 2)) < 8

    menu.click()
    page.locator("nav.navbar").get_by_role("link", name="New Article").click()

    expect(page).to_have_url(path_is("/editor"))


@pytest.mark.author
def test_sign_out_from_the_header(visitor: Page):
    person = sign_up(visitor)
    visitor.goto(f"/profile/{person.username}")

    visitor.locator("header").get_by_role("button", name="Sign out").click()

    expect(visitor).to_have_url(path_is("/"))
    expect(visitor.locator("nav.navbar").get_by_role("link", name="Sign in")).to_be_visible()
    expect(navbar_profile_link(visitor, person)).to_have_count(0)


@pytest.mark.reader
def test_the_header_search_finds_an_article_from_any_page(new_context):
    page = new_context().new_page()
    sign_up(page)
    word = f"quokka{page.evaluate('Date.now()')}"
    publish(page, title=f"On the {word}")
    page.goto("/settings")

    search = page.locator("header").get_by_role("searchbox")
    search.fill(word)
    search.press("Enter")

    expect(page).to_have_url(re.compile(rf"/search\?q={word}$"))
    expect(page.locator(".article-preview h1")).to_have_text([f"On the {word}"])


@pytest.mark.author
def test_on_a_phone_the_preview_shows_beside_the_body_being_written(new_context):
    # The review: on a phone the live preview sat below a 12-row textarea, out of sight while
    # typing. With the on-screen keyboard up (about 400 px of an 844 px screen are left),
    # writing at the top of the body, what the preview shows is on the screen too.
    page = new_context(viewport={"width": 390, "height": 400}).new_page()
    sign_up(page)
    page.goto("/editor")
    body = page.get_by_label("Body")
    body.evaluate("field => field.scrollIntoView({block: 'start'})")
    body.fill("## Seen while typing\n\nA line of the body.")

    expect(page.locator("#preview p")).to_have_text("A line of the body.")
    expect(page.locator("#preview h2")).to_be_in_viewport(ratio=1)
    expect(page.locator("#preview p")).to_be_in_viewport(ratio=1)
    expect(body).to_be_in_viewport(ratio=0.9)
