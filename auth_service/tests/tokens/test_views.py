"""GET /.well-known/jwks.json verifies the tokens the users endpoints hand out."""

import jwt

from titanium_common.identity import JWKS_PATH, TOKEN_AUDIENCE, TOKEN_ISSUER


def test_jwks_is_public_and_cacheable(client):
    response = client.get(JWKS_PATH)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert all(
        {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig"}.items() <= key.items()
        for key in response.json["keys"]
    )
    assert all("d" not in key for key in response.json["keys"])


def test_user_tokens_verify_against_the_published_jwks(client, users):
    user = users.register()
    jwks = jwt.PyJWKSet.from_dict(client.get(JWKS_PATH).json)
    key = jwks[jwt.get_unverified_header(user["token"])["kid"]]
    claims = jwt.decode(
        user["token"], key.key, algorithms=["EdDSA"], audience=TOKEN_AUDIENCE, issuer=TOKEN_ISSUER
    )
    assert claims["sub"] == user["id"]
