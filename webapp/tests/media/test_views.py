"""Uploading images (settings' avatar, the editor's images) and serving them (webapp/media)."""

import io
import re
import uuid

import pytest

from titanium_common.caching import UNCHANGED_HEADER
from webapp.media.service import STORAGE_KEY
from webapp.media.storage import StorageUnavailable
from webapp.profiles.client import Profile

from .pictures import jpeg_with_gps, opened, picture

MEDIA_URL = re.compile(r"http://[^/]+/media/([0-9a-f]{64}\.(?:jpg|png|gif|webp))")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture
def registered(auth_service):
    name = f"ada{uuid.uuid4().hex[:8]}"
    return auth_service.register(name, f"{name}@example.test", "long-password")


@pytest.fixture
def author(registered, sign_in):
    return sign_in(Profile(registered["id"], registered["username"], None, None, False))


def settings_form(registered, **fields):
    return {
        "image": "",
        "username": registered["username"],
        "bio": "",
        "email": registered["email"],
        "password": "",
        **fields,
    }


def upload(data: bytes, filename: str = "photo.jpg"):
    return (io.BytesIO(data), filename)


def test_an_uploaded_avatar_becomes_the_profile_image(client, auth_service, registered, author):
    response = client.post(
        "/settings",
        data=settings_form(registered, avatar=upload(jpeg_with_gps(size=(600, 400)))),
        content_type="multipart/form-data",
    )

    assert response.status_code == 303
    image = auth_service.sent[-1][1]["image"]
    name = MEDIA_URL.fullmatch(image).group(1)
    profile = client.get(f"/profile/{registered['username']}").data.decode()
    assert f'<img class="user-img" src="{image}"' in profile
    assert f'<img class="user-pic" src="{image}"' in profile  # the header
    served = client.get(f"/media/{name}")
    assert opened(served.data).size == (256, 256)
    assert b"PhoneMaker" not in served.data


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (SVG, "logo.svg", "avatar must be a JPEG, PNG, GIF or WebP image"),
        (b"<html><script>alert(1)</script>", "me.png", "avatar must be a JPEG, PNG, GIF or WebP"),
        (b"", "empty.png", "avatar is empty"),
    ],
)
def test_a_refused_avatar_is_an_inline_error_and_nothing_is_saved(
    client, auth_service, registered, author, data, filename, message
):
    sent = len(auth_service.sent)

    response = client.post(
        "/settings",
        data=settings_form(registered, avatar=upload(data, filename)),
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    assert message in response.data.decode()
    assert len(auth_service.sent) == sent


def test_an_avatar_over_the_byte_limit_is_an_inline_error(
    make_app, auth_service, registered, sign_in
):
    app = make_app(WTF_CSRF_ENABLED=False, MEDIA_MAX_BYTES=1000)
    client = app.test_client()
    sign_in(Profile(registered["id"], registered["username"], None, None, False), client)

    response = client.post(
        "/settings",
        data=settings_form(registered, avatar=upload(picture("PNG", size=(400, 400)), "a.png"))
        | {"image": ""},
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    assert "avatar is too large (maximum is 0.000954 MB)" in response.data.decode()


@pytest.mark.parametrize(
    "image", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,hi", "/relative.png"]
)
def test_a_typed_image_url_must_be_http_or_https(client, auth_service, registered, author, image):
    sent = len(auth_service.sent)

    response = client.post("/settings", data=settings_form(registered, image=image))

    assert response.status_code == 422
    assert "Profile picture URL must start with http:// or https://" in response.data.decode()
    assert len(auth_service.sent) == sent


def test_an_editor_image_is_stored_and_its_markdown_returned(client, author):
    response = client.post(
        "/media",
        data={"image": upload(picture("PNG"), "My [diagram].png")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 201
    assert response.headers[UNCHANGED_HEADER] == "1"  # the edge cache keeps its pages
    image = response.get_json()["image"]
    name = MEDIA_URL.fullmatch(image["url"]).group(1)
    assert image["markdown"] == f"![My diagram]({image['url']})"
    assert client.get(f"/media/{name}").status_code == 200


def test_a_refused_editor_image_is_a_realworld_422(client, author):
    response = client.post(
        "/media",
        data={"image": upload(SVG, "x.svg")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 422
    assert response.get_json() == {"errors": {"image": ["must be a JPEG, PNG, GIF or WebP image"]}}


def test_without_javascript_the_upload_returns_to_the_editor_with_the_markdown(client, author):
    response = client.post(
        "/media",
        data={"image": upload(picture("GIF"), "a.gif"), "next": "/editor"},
        content_type="multipart/form-data",
    )

    assert response.status_code == 303
    location = response.headers["Location"]
    name = re.fullmatch(r"/editor\?uploaded=([0-9a-f]{64}\.gif)", location).group(1)
    editor = client.get(location).data.decode()
    assert re.search(rf'value="!\[\]\(http://[^/]+/media/{name}\)"', editor)


def test_without_javascript_a_refused_upload_says_why_in_the_editor(client, author):
    response = client.post(
        "/media",
        data={"image": upload(SVG, "x.svg"), "next": "https://evil.example/editor"},
        content_type="multipart/form-data",
    )

    assert response.headers["Location"] == "/editor?upload_error=type"
    editor = client.get(response.headers["Location"]).data.decode()
    assert "Image must be a JPEG, PNG, GIF or WebP image" in editor


def test_uploading_needs_a_session(client):
    response = client.post(
        "/media", data={"image": upload(picture())}, content_type="multipart/form-data"
    )

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login")


def test_uploading_needs_the_csrf_token(csrf_client):
    response = csrf_client.post(
        "/media", data={"image": upload(picture())}, content_type="multipart/form-data"
    )

    assert response.status_code == 400


def test_a_served_image_is_inert_and_cached_for_ever(client, author):
    url = client.post(
        "/media",
        data={"image": upload(picture("WEBP"), "w.webp")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    ).get_json()["image"]["url"]
    name = MEDIA_URL.fullmatch(url).group(1)

    response = client.get(f"/media/{name}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/webp"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Content-Disposition"] == f'inline; filename="{name}"'
    again = client.get(f"/media/{name}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "name", ["b" * 64 + ".png", "../secret.png", "x.svg", "a" * 64 + ".html", "a" * 64]
)
def test_unknown_or_malformed_names_are_404(client, name):
    assert client.get(f"/media/{name}").status_code == 404


class DownBucket:
    """A backend whose every call fails as an unreachable bucket does."""

    def put(self, name, data, content_type):
        raise StorageUnavailable("connect timeout")

    def get(self, name):
        raise StorageUnavailable("connect timeout")


@pytest.fixture
def bucket_down(app, monkeypatch):
    monkeypatch.setitem(app.extensions, STORAGE_KEY, DownBucket())


def test_a_bucket_that_is_down_is_a_503_to_retry_when_reading(client, bucket_down):
    assert client.get("/media/" + "a" * 64 + ".png").status_code == 503


def test_a_bucket_that_is_down_is_an_inline_message_when_uploading(
    client, auth_service, registered, author, bucket_down
):
    settings = client.post(
        "/settings",
        data=settings_form(registered, avatar=upload(picture(), "a.png")),
        content_type="multipart/form-data",
    )
    editor = client.post(
        "/media",
        data={"image": upload(picture(), "a.png")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )

    assert settings.status_code == 422
    assert "avatar cannot be stored right now; try again in a minute" in settings.data.decode()
    assert editor.status_code == 503
    assert editor.get_json() == {
        "errors": {"image": ["cannot be stored right now; try again in a minute"]}
    }
