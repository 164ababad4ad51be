"""The internal contract with auth_service (profile snapshots) and webapp (batch lookups).

Never routed by the gateway; in the cluster only auth_service and webapp may call these.
"""

from flask import Blueprint, jsonify, request

from titanium_common.api import BLANK, INVALID, ApiError, FieldErrors, read_wrapped_json
from titanium_common.text import BIO_MAX, IMAGE_URL_MAX, USERNAME_MAX
from user_service.internal.service import Snapshot, apply_snapshot
from user_service.models import MAX_VERSION, is_possible_username
from user_service.profiles import service
from user_service.viewer import optional_viewer_id, parse_uuid

bp = Blueprint("internal", __name__, url_prefix="/internal")

MAX_LOOKUP_KEYS = 100


@bp.put("/profiles/<account_id>")
def put_profile(account_id: str):
    profile_id = parse_uuid(account_id, "id")
    profile = apply_snapshot(profile_id, _read_snapshot())
    return jsonify(
        profile={
            "id": str(profile.id),
            "username": profile.username,
            "bio": profile.bio,
            "image": profile.image,
            "version": profile.version,
        }
    )


def _read_snapshot() -> Snapshot:
    data = read_wrapped_json("profile")
    errors = FieldErrors()
    username = errors.required_text(data, "username", USERNAME_MAX)
    if username is not None and not is_possible_username(username):
        errors.add("username", INVALID)
    bio = errors.optional_text(data, "bio", BIO_MAX)
    image = errors.optional_text(data, "image", IMAGE_URL_MAX)
    version = data.get("version")
    if version is None:
        errors.add("version", BLANK)
    # bool is an int subclass: exclude it explicitly.
    elif type(version) is not int or not 1 <= version <= MAX_VERSION:
        errors.add("version", INVALID)
    errors.raise_if_any()
    return Snapshot(username=username, bio=bio, image=image, version=version)


@bp.get("/profiles")
def lookup_profiles():
    viewer_id = optional_viewer_id()
    raw_ids, usernames = request.args.getlist("id"), request.args.getlist("username")
    if len(raw_ids) + len(usernames) > MAX_LOOKUP_KEYS:
        raise ApiError.one(422, "query", f"has too many keys (maximum is {MAX_LOOKUP_KEYS})")
    ids = [parse_uuid(value, "id") for value in raw_ids]
    profiles = service.find_profiles(ids, usernames)
    followed = service.followed_among(viewer_id, [p.id for p in profiles])
    # The version lets a caller that keeps copies (webapp) order them with the outbox's events.
    return jsonify(
        profiles=[
            {"id": p.id, **p.public(following=p.id in followed), "version": p.version}
            for p in profiles
        ]
    )


@bp.get("/following/<account_id>")
def following(account_id: str):
    """Whom the account follows; with `id` keys (at most 100), only which of those."""
    follower_id = parse_uuid(account_id, "id")
    among = request.args.getlist("id")
    if not among:
        return jsonify(ids=service.followed_ids(follower_id))
    if len(among) > MAX_LOOKUP_KEYS:
        raise ApiError.one(422, "query", f"has too many keys (maximum is {MAX_LOOKUP_KEYS})")
    ids = [str(parse_uuid(value, "id")) for value in among]
    return jsonify(ids=sorted(service.followed_among(follower_id, ids)))
