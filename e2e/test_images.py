"""Images: an avatar uploaded in settings shows on the profile and in the header; the editor's
file picker and drag-and-drop insert the image's Markdown; files are served inert; a typed
javascript: image URL is refused inline. JavaScript on and off where the flow exists without it.

The test images are built here with zlib (PNG) so the suite imports no imaging library.
"""

import base64
import re
import struct
import zlib

import pytest
from playwright.sync_api import Page, expect

from e2e.steps import path_is, sign_up

pytestmark = pytest.mark.author

MEDIA = re.compile(r"^https?://[^/]+/media/[0-9a-f]{64}\.png$")
MARKDOWN = re.compile(r"!\[[^\]]*\]\((https?://[^/]+/media/[0-9a-f]{64}\.png)\)")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'


def png(width: int = 48, height: int = 32, rgb=(30, 120, 200)) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\0" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def image_file(name: str = "diagram.png", data: bytes | None = None, kind: str = "image/png"):
    return {"name": name, "mimeType": kind, "buffer": data if data is not None else png()}


def assert_served_inert(page: Page, url: str) -> None:
    response = page.request.get(url)
    assert response.status == 200
    headers = response.headers
    assert headers["content-type"] == "image/png"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert headers["content-disposition"].startswith("inline")
    assert response.body()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_uploaded_avatar_shows_on_the_profile_and_in_the_header(visitor: Page):
    person = sign_up(visitor)
    visitor.goto("/settings")

    visitor.get_by_label("Upload a profile picture").set_input_files(image_file("me.png"))
    visitor.get_by_role("button", name="Update Settings").click()

    expect(visitor).to_have_url(path_is(f"/profile/{person.username}"))
    avatar = visitor.locator(".user-info img.user-img")
    expect(avatar).to_have_attribute("src", MEDIA)
    src = avatar.get_attribute("src")
    expect(visitor.locator("nav.navbar img.user-pic")).to_have_attribute("src", src)
    assert visitor.evaluate(
        "src => [...document.images].some(i => i.src === src && i.naturalWidth === 256)", src
    )
    assert_served_inert(visitor, src)


def test_a_javascript_image_url_is_refused_inline(visitor: Page):
    person = sign_up(visitor)
    visitor.goto("/settings")

    visitor.get_by_label("Profile picture URL").fill("javascript:alert(1)")
    visitor.get_by_role("button", name="Update Settings").click()

    expect(visitor.locator("ul.error-messages li")).to_have_text(
        ["Profile picture URL must start with http:// or https://"]
    )
    visitor.goto(f"/profile/{person.username}")
    expect(visitor.locator(".user-info img.user-img")).to_have_attribute(
        "src", re.compile(r"default-avatar\.svg$")
    )


def test_an_svg_avatar_is_refused_inline(visitor: Page):
    sign_up(visitor)
    visitor.goto("/settings")

    visitor.get_by_label("Upload a profile picture").set_input_files(
        image_file("logo.svg", SVG, "image/svg+xml")
    )
    visitor.get_by_role("button", name="Update Settings").click()

    expect(visitor.locator("ul.error-messages li")).to_have_text(
        ["avatar must be a JPEG, PNG, GIF or WebP image"]
    )


def test_the_file_picker_inserts_the_markdown_at_the_cursor(page: Page):
    sign_up(page)
    page.goto("/editor")
    body = page.get_by_label("Body")
    body.fill("First line.\nLast line.")
    body.evaluate("area => area.setSelectionRange(11, 11)")  # the end of the first line

    page.get_by_label("Add an image").set_input_files(image_file("Wiring diagram.png"))

    expect(body).to_have_value(re.compile(r"^First line\.\n!\[Wiring diagram\]\(http"))
    value = body.input_value()
    url = MARKDOWN.search(value).group(1)
    assert value.endswith(f"{url})\nLast line.")
    expect(page.locator("#preview img")).to_have_attribute("src", url)
    assert_served_inert(page, url)


def test_dropping_an_image_on_the_body_inserts_its_markdown(page: Page):
    sign_up(page)
    page.goto("/editor")
    body = page.get_by_label("Body")
    body.fill("Text before.")
    drop = page.evaluate_handle(
        """data => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "dropped.png", {type: "image/png"}));
            return transfer;
        }""",
        base64.b64encode(png()).decode(),
    )

    body.dispatch_event("dragover", {"dataTransfer": drop})
    body.dispatch_event("drop", {"dataTransfer": drop})

    expect(body).to_have_value(MARKDOWN)
    assert "![dropped](" in body.input_value()


def test_a_refused_editor_image_says_why_next_to_the_picker(page: Page):
    sign_up(page)
    page.goto("/editor")
    page.get_by_label("Body").fill("Unchanged.")

    page.get_by_label("Add an image").set_input_files(image_file("x.svg", SVG, "image/svg+xml"))

    expect(page.locator("[data-upload-error] li")).to_have_text(
        ["Image must be a JPEG, PNG, GIF or WebP image"]
    )
    expect(page.get_by_label("Body")).to_have_value("Unchanged.")


def test_without_javascript_the_upload_shows_the_markdown_to_copy(new_context):
    page = new_context(java_script_enabled=False).new_page()
    sign_up(page)
    page.goto("/editor")

    page.get_by_label("Add an image").set_input_files(image_file("chart.png"))
    page.get_by_role("button", name="Upload").click()

    expect(page).to_have_url(re.compile(r"/editor\?uploaded="))
    markdown = page.get_by_label("Copy this into your article")
    expect(markdown).to_have_value(MARKDOWN)
    assert_served_inert(page, MARKDOWN.search(markdown.input_value()).group(1))


def test_without_javascript_a_refused_upload_says_why(new_context):
    page = new_context(java_script_enabled=False).new_page()
    sign_up(page)
    page.goto("/editor")

    page.get_by_label("Add an image").set_input_files(image_file("x.svg", SVG, "image/svg+xml"))
    page.get_by_role("button", name="Upload").click()

    expect(page.locator(".image-uploads ul.error-messages li")).to_have_text(
        ["Image must be a JPEG, PNG, GIF or WebP image"]
    )
