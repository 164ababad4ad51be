"""PUT /internal/authors/<account_id>: a profile snapshot from auth_service's outbox relay.

Never routed by the gateway (it refuses every /internal path); in the cluster only auth_service
may call it (NetworkPolicy and Istio AuthorizationPolicy). Idempotent and version-ordered: a
snapshot at or below the version held changes nothing, and the answer is the copy held.
"""

import uuid

from flask import Blueprint, jsonify

from titanium_common.api import BLANK, INVALID, ApiError, FieldErrors, read_wrapped_json
from titanium_common.text import BIO_MAX, IMAGE_URL_MAX, USERNAME_MAX
from webapp import authors

bp = Blueprint("internal", __name__, url_prefix="/internal")

# auth_service's profile_version is a 32-bit integer on every backend.
MAX_VERSION = 2**31 - 1


@bp.put("/authors/<account_id>")
def put_author(account_id: str):
    try:
        author_id = uuid.UUID(account_id)
    except ValueError:
        raise ApiError.one(422, "id", INVALID) from None
    author = authors.apply_snapshot(author_id, _read_snapshot())
    return jsonify(
        author={
            "id": str(author.id),
            "username": author.username,
            "bio": author.bio,
            "image": author.image,
            "version": author.version,
        }
    )


def _read_snapshot() -> authors.Snapshot:
    data = read_wrapped_json("profile")
    errors = FieldErrors()
    username = errors.required_text(data, "username", USERNAME_MAX)
    bio = errors.optional_text(data, "bio", BIO_MAX)
    image = errors.optional_text(data, "image", IMAGE_URL_MAX)
    version = data.get("version")
    if version is None:
        errors.add("version", BLANK)
    # bool is an int subclass: exclude it explicitly.
    elif type(version) is not int or not 1 <= version <= MAX_VERSION:
        errors.add("version", INVALID)
    errors.raise_if_any()
    return authors.Snapshot(username=username, bio=bio, image=image, version=version)
