"""The public half of the key ring, for the gateway and Istio to verify tokens with, and the
revocation feed the gateway and webapp read (internal: the gateway never routes /internal)."""

import math

from flask import Blueprint, jsonify, request

from auth_service.tokens import revocations
from auth_service.tokens.keys import key_ring
from titanium_common.api import INVALID, ApiError
from titanium_common.identity import JWKS_PATH, REVOCATIONS_PATH
from titanium_common.service import polled

bp = Blueprint("tokens", __name__)


@bp.get(JWKS_PATH)
@polled
def jwks():
    response = jsonify(key_ring().jwks())
    # Verifiers may cache it for five minutes; one that meets an unknown kid (a key rotated in
    # meanwhile) refetches instead of rejecting the token.
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get(REVOCATIONS_PATH)
@polled
def revocation_feed():
    since = request.args.get("since")
    if since is None:
        return revocations.feed_page(None)
    try:
        seconds = float(since)
        moment = revocations.from_unix(seconds) if math.isfinite(seconds) else None
    except (ValueError, OverflowError, OSError):
        moment = None
    if moment is None:
        raise ApiError.one(422, "since", INVALID)
    return revocations.feed_page(moment)
