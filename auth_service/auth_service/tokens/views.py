"""The public half of the key ring, for the gateway and Istio to verify tokens with."""

from flask import Blueprint, jsonify

from auth_service.tokens.keys import key_ring
from titanium_common.identity import JWKS_PATH

bp = Blueprint("tokens", __name__)


@bp.get(JWKS_PATH)
def jwks():
    response = jsonify(key_ring().jwks())
    # Verifiers may cache it for five minutes; one that meets an unknown kid (a key rotated in
    # meanwhile) refetches instead of rejecting the token.
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
