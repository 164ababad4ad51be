"""Taking an upload: read at most the limit, re-encode, store, and name its public address.

Shared by the settings page (avatars) and the editor (images in articles); free of views.
"""

import re
from pathlib import PurePath

from flask import Flask, current_app, url_for
from werkzeug.datastructures import FileStorage

from webapp.media.images import ImageRejected, Limits, reencode
from webapp.media.storage import Storage, storage_from_settings

STORAGE_KEY = "media_storage"
UNAVAILABLE = "cannot be stored right now; try again in a minute"
# What an alt text keeps of a file's name: letters, digits, spaces and a little punctuation.
ALT_UNSAFE = re.compile(r"[^\w .,-]+")
ALT_MAX = 100


def init_app(app: Flask) -> None:
    app.extensions[STORAGE_KEY] = storage_from_settings(app.config)


def storage() -> Storage:
    return current_app.extensions[STORAGE_KEY]


def limits() -> Limits:
    config = current_app.config
    return Limits(max_bytes=config["MEDIA_MAX_BYTES"], max_pixels=config["MEDIA_MAX_PIXELS"])


def media_url(name: str) -> str:
    """The image's absolute address (PUBLIC_URL), as profiles, feeds and other sites use it."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for("media.serve", name=name)


def store_upload(upload: FileStorage | None, avatar: bool = False) -> str:
    """The stored image's name, or ImageRejected; StorageUnavailable if the backend is down."""
    if upload is None or not upload.filename:
        raise ImageRejected("empty")
    allowed = limits()
    # One byte past the limit is enough to know it is too large; never more is read.
    data = upload.stream.read(allowed.max_bytes + 1)
    image = reencode(data, allowed, avatar=avatar)
    storage().put(image.name, image.data, image.content_type)
    return image.name


def alt_text(filename: str | None) -> str:
    """A file's name without its extension, as Markdown-safe alt text."""
    stem = PurePath(filename or "").stem
    return " ".join(ALT_UNSAFE.sub(" ", stem).split())[:ALT_MAX]


def markdown_for(name: str, alt: str = "") -> str:
    return f"![{alt}]({media_url(name)})"
