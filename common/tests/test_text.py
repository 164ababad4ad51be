"""titanium_common.text: which hand-typed URLs count as web addresses."""

import pytest

from titanium_common.text import is_web_url


@pytest.mark.parametrize(
    "url", ["", "http://img.test/a.png", "https://img.test/a.png?x=1", "HTTPS://IMG.TEST/A"]
)
def test_empty_and_absolute_http_urls_are_web_urls(url):
    assert is_web_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "//img.test/a.png",
        "/static/a.png",
        "img.test/a.png",
        "https:img.test",
        "http://[::1",
    ],
)
def test_anything_else_is_not(url):
    assert not is_web_url(url)
