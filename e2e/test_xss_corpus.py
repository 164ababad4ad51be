"""QA: the XSS corpus (e2e/xss-payloads.txt, 60 payloads) in everything a person can write: article
title, description, body and tags, comments, bio, profile picture URL and username (refused, but
echoed back by the sign-up form), and in what is echoed from the URL (search, tag pages). Every page
and HTMX partial that shows them renders them inert: no dialog opens, no element carries script
(an `on*` or `hx-on` attribute, a `javascript:` URL, an injected script, frame or base), and the
Content-Security-Policy never has to block anything (a violation would mean markup got through).

Bounded: the payloads are packed several to a field (within the field limits), so the whole corpus
takes about a dozen articles, six authors and some thirty-five page loads."""

from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from e2e.steps import comment_texts, fill_editor, path_is, sign_up, unique

pytestmark = pytest.mark.qa

PAYLOADS = [
    line
    for line in (Path(__file__).with_name("xss-payloads.txt")).read_text().splitlines()
    if line and not line.startswith("# ")
]
# Field limits (webapp and auth_service): each field gets as many payloads as fit.
TITLE_LIMIT, BIO_LIMIT, IMAGE_LIMIT, TAG_LIMIT, TAGS_PER_ARTICLE = 200, 1000, 2000, 30, 9
# Profile pictures: besides the corpus (inside an https URL, since any other image URL is refused),
# URLs that would run script or leave the src attribute.
WEB_URL = "https://example.test/?"
IMAGE_PAYLOADS = [
    "javascript:alert(61)",
    '" onerror="alert(62)',
    "data:image/svg+xml,<svg onload=alert(63)>",
    'https://example.test/a.png" onerror="alert(64)',
]
# Report every Content-Security-Policy violation to the test (init scripts run despite the CSP).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) =>
  window.reportViolation(`${event.effectiveDirective} blocked ${event.blockedURI}: ${event.sample}`)
);
"""
# Elements and attributes that carry script, anywhere on the page. Titanium itself uses none:
# its CSP allows only its own script files.
FIND_SCRIPT_CARRIERS = """() => {
  const found = [];
  const scriptUrl = /^[\\s\\u0000-\\u001f]*(javascript|vbscript|data):/i;
  const urlAttributes = ["href", "src", "action", "formaction", "xlink:href", "data", "poster"];
  const forbidden = ["iframe", "frame", "object", "embed", "base", "style", "isindex"];
  for (const element of document.querySelectorAll("*")) {
    const tag = element.localName;
    for (const { name, value } of element.attributes) {
      if (
        name.startsWith("on") || name.startsWith("hx-on") || name === "srcdoc" ||
        (name === "hx-trigger" && /load|revealed|intersect/.test(value)) ||
        (name.startsWith("hx-") && /logout/.test(value)) ||
        (urlAttributes.includes(name) && scriptUrl.test(value))
      ) found.push(`<${tag} ${name}="${value}">`);
    }
    if (forbidden.includes(tag) || (tag === "meta" && element.httpEquiv)) found.push(`<${tag}>`);
    if (tag === "script" && !(element.src && new URL(element.src).origin === location.origin))
      found.push(`<script src="${element.src}">${element.textContent}`);
  }
  return found;
}"""


def fits_a_tag(payload: str) -> bool:
    """Tags are short and have no slash (it would break their URL)."""
    return len(payload) <= TAG_LIMIT and "/" not in payload


def packed(payloads: list[str], limit: int) -> list[list[str]]:
    """The payloads in groups whose space-joined length fits `limit`."""
    groups: list[list[str]] = [[]]
    for payload in payloads:
        if groups[-1] and len(" ".join([*groups[-1], payload])) > limit:
            groups.append([])
        groups[-1].append(payload)
    return groups


class Watch:
    """What a page does that script could have done: dialogs opened, CSP violations reported,
    CSP refusals on the console."""

    def __init__(self, page: Page):
        self.page = page
        self.dialogs: list[str] = []
        self.violations: list[str] = []
        self.console: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.expose_function("reportViolation", self._violation)
        page.add_init_script(REPORT_VIOLATIONS)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _violation(self, report: str) -> None:
        self.violations.append(report)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    def assert_inert(self, where: str) -> None:
        # Violation events are dispatched as tasks: let those already queued run and report.
        self.page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 50))")
        carriers = self.page.evaluate(FIND_SCRIPT_CARRIERS)
        seen = (carriers, self.dialogs, self.violations, self.console)
        assert seen == ([], [], [], []), f"{where}: {seen}"


def api_post(page: Page, path: str, body: dict, token: str | None = None) -> dict:
    headers = {"Authorization": f"Token {token}"} if token else {}
    response = page.request.post(f"/api{path}", data=body, headers=headers)
    assert response.status in (200, 201), (path, response.status, response.text()[:300])
    return response.json()


def author_with(page: Page, bio: str, image: str) -> dict:
    name = unique("xss")
    user = {"username": name, "email": f"{name}@example.test", "password": "correct horse battery"}
    token = api_post(page, "/users", {"user": user})["user"]["token"]
    changes = {"user": {"bio": bio, "image": image}}
    response = page.request.put(
        "/api/user", data=changes, headers={"Authorization": f"Token {token}"}
    )
    if image.startswith(("http://", "https://")):
        assert response.ok, response.text()[:300]
    else:  # refused at the API: only an http(s) address may be a profile picture
        assert response.status == 422 and "image" in response.json()["errors"], response.text()
    return {"username": name, "token": token}


def test_the_watch_sees_script_that_runs_and_script_the_csp_blocks(page: Page):
    """The controls: on a page without Titanium's CSP a payload runs and the watch sees the
    dialog and the element; on Titanium's pages injected script is blocked and the watch sees
    the violation. So a quiet watch below means no markup got through."""
    watch = Watch(page)
    page.set_content('<img src=x onerror="alert(1)">')
    with pytest.raises(AssertionError, match="onerror"):
        watch.assert_inert("a page without a CSP")
    assert watch.dialogs == ["1"]

    watch = Watch(page := page.context.new_page())
    page.goto("/")
    watch.assert_inert("home before the injection")
    page.evaluate("""() => {
      const script = document.createElement("script");
      script.textContent = "alert(0)";
      document.body.append(script);
    }""")

    with pytest.raises(AssertionError, match="script-src"):
        watch.assert_inert("home after the injection")
    assert watch.dialogs == []


def test_the_corpus_renders_inert_on_every_page_and_partial(page: Page, new_context):
    watch = Watch(page)
    common_tag = unique("xss")
    bios = [" ".join(group) for group in packed(PAYLOADS, BIO_LIMIT)]
    corpus_images = packed(PAYLOADS, IMAGE_LIMIT - len(WEB_URL))
    images = [*IMAGE_PAYLOADS, *(WEB_URL + " ".join(group) for group in corpus_images)]
    authors = [
        author_with(page, bios[number % len(bios)], image) for number, image in enumerate(images)
    ]
    slugs = []
    for number, group in enumerate(packed(PAYLOADS, TITLE_LIMIT)):
        author = authors[number % len(authors)]
        text = " ".join(group)
        tags = [common_tag, *filter(fits_a_tag, group)][: TAGS_PER_ARTICLE + 1]
        article = {"title": text, "description": text, "body": "\n\n".join(group), "tagList": tags}
        slug = api_post(page, "/articles", {"article": article}, author["token"])["article"]["slug"]
        api_post(page, f"/articles/{slug}/comments", {"comment": {"body": text}}, author["token"])
        slugs.append(slug)

    page.goto("/")
    watch.assert_inert("home")
    page.goto(f"/tag/{common_tag}")
    watch.assert_inert("tag page")
    page.locator(".pagination").get_by_role("link", name="2", exact=True).click()
    expect(page).to_have_url(path_is(f"/tag/{common_tag}?page=2"))
    watch.assert_inert("tag page 2 (htmx)")
    for slug in slugs:
        page.goto(f"/article/{slug}")
        expect(comment_texts(page)).to_have_count(1)
        watch.assert_inert(f"article {slug}")
    for tag in list(filter(fits_a_tag, PAYLOADS))[:3]:
        page.goto(f"/tag/{quote(tag, safe='')}")
        watch.assert_inert(f"tag {tag}")
    for author in authors:
        page.goto(f"/profile/{author['username']}")
        watch.assert_inert(f"profile {author['username']}")
    page.get_by_role("link", name="Favorited Articles").click()
    expect(page).to_have_url(path_is(f"/profile/{authors[-1]['username']}/favorites"))
    watch.assert_inert("favorites tab (htmx)")

    sign_up(page)
    page.goto(f"/article/{slugs[0]}")
    page.get_by_label("Your comment").fill(" ".join(PAYLOADS))
    page.get_by_role("button", name="Post Comment").click()
    expect(comment_texts(page)).to_have_count(2)
    watch.assert_inert("comment posted (htmx)")
    page.locator(".banner .favorite-form button").click()
    expect(page.locator(".banner .favorite-form button")).to_contain_text("(1)")
    watch.assert_inert("favorite (htmx)")
    page.goto("/editor")
    fill_editor(page, "Preview", "d", "\n\n".join(PAYLOADS))
    expect(page.locator("#preview")).to_contain_text("click")
    watch.assert_inert("editor preview (htmx)")
    # Autosaved before leaving, or the editor would (rightly) ask whether to leave unsaved text.
    expect(page.locator("[data-autosave-status]")).to_contain_text("Saved ·")
    for group in packed(PAYLOADS, TITLE_LIMIT)[:3]:
        page.goto(f"/search?q={quote(' '.join(group))}")
        watch.assert_inert("search page")
    page.get_by_role("searchbox").fill(PAYLOADS[0])
    watch.assert_inert("search as you type (htmx)")

    stranger = new_context().new_page()
    stranger_watch = Watch(stranger)
    stranger.goto("/register")
    stranger.get_by_label("Username").fill(" ".join(PAYLOADS)[:2000])
    stranger.get_by_label("Email").fill(f"{unique('x')}@example.test")
    stranger.get_by_label("Password").fill("correct horse battery")
    stranger.get_by_role("button", name="Sign up").click()
    expect(stranger.locator("ul.error-messages li")).not_to_have_count(0)
    stranger_watch.assert_inert("sign-up form echoing the username")
    stranger.goto("/login")
    stranger.get_by_label("Email").fill(" ".join(PAYLOADS)[:2000])
    stranger.get_by_label("Password").fill("wrong")
    stranger.get_by_role("button", name="Sign in").click()
    expect(stranger.locator("ul.error-messages li")).not_to_have_count(0)
    stranger_watch.assert_inert("sign-in form echoing the email")
