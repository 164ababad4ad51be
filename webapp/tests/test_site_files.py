"""favicon.ico and robots.txt at the site root: real files, cacheable."""

import io

from PIL import Image

from .support import PUBLIC_URL


def test_favicon_ico_is_a_real_icon_of_the_sites_design(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/vnd.microsoft.icon"
        assert response.cache_control.public and response.cache_control.max_age >= 3600
        assert len(response.data) < 10_000
        icon = Image.open(io.BytesIO(response.data))

    assert icon.format == "ICO"
    assert {(16, 16), (32, 32)} <= icon.info["sizes"]
    icon.size = (32, 32)
    pixels = icon.convert("RGBA")
    assert pixels.getpixel((4, 4)) == (0x25, 0x63, 0xA8, 255)  # favicon.svg's blue square
    assert min(pixels.getpixel((16, 11))) > 240  # and its white T


def test_robots_txt_allows_everything_and_names_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.text.splitlines() == [
        "User-agent: *",
        "Allow: /",
        "",
        f"Sitemap: {PUBLIC_URL}/sitemap.xml",
    ]
    assert "public" in response.headers["Cache-Control"]
