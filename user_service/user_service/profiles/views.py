"""The RealWorld profile endpoints. Check order: 401, then 404, then 422."""

from flask import Blueprint, jsonify

from titanium_common.caching import UNCHANGED_HEADER
from user_service.profiles import service
from user_service.viewer import optional_viewer_id, required_viewer_id

bp = Blueprint("profiles", __name__, url_prefix="/api/profiles")
# Whom someone follows shows only on that person's own pages, which no cache keeps: the
# gateway's edge cache keeps every page (titanium_common.caching).
CHANGES_NO_PAGE = {UNCHANGED_HEADER: "1"}


@bp.get("/<username>")
def show(username: str):
    viewer_id = optional_viewer_id()
    profile = service.get_profile_or_404(username)
    following = profile.id in service.followed_among(viewer_id, [profile.id])
    return jsonify(profile=profile.public(following))


@bp.post("/<username>/follow")
def follow(username: str):
    viewer_id = required_viewer_id()
    profile = service.get_profile_or_404(username)
    service.follow(viewer_id, profile)
    return jsonify(profile=profile.public(following=True)), 200, CHANGES_NO_PAGE


@bp.delete("/<username>/follow")
def unfollow(username: str):
    viewer_id = required_viewer_id()
    profile = service.get_profile_or_404(username)
    service.unfollow(viewer_id, profile)
    return jsonify(profile=profile.public(following=False)), 200, CHANGES_NO_PAGE
