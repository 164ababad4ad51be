"""Forged tokens: whatever an attacker makes of a token (no signature, another algorithm, another
key, a key id or key that points elsewhere, claims edited or left out, lifetimes stretched, a
version ended by a password change), the gateway refuses it with 401 on the routes of every
service and nothing is written. A token sent straight to a service is no identity at all."""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support import claims_of, eventually, newest_signing_key, unique
from titanium_common.identity import TOKEN_AUDIENCE, TOKEN_ISSUER

HOUR = 3600
CENTURY = 100 * 365 * 86400


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: dict) -> str:
    return b64(json.dumps(value).encode())


class Forge:
    """What an attacker has: the victim's account id and a token of the victim's (to read its
    key id and to tamper with), any key of their own; and, to prove that claims are checked
    and not only the signature, the stack's real signing key."""

    def __init__(self, stack, victim):
        self.token = victim.token
        self.kid = jwt.get_unverified_header(victim.token)["kid"]
        self.sub = victim.id
        self.real_key = newest_signing_key(stack)

    def claims(self, **changes) -> dict:
        now = int(time.time())
        claims = {"iss": TOKEN_ISSUER, "aud": TOKEN_AUDIENCE, "sub": self.sub, "iat": now}
        return {**claims, "exp": now + HOUR, "ver": claims_of(self.token)["ver"], **changes}

    def signed(self, key=None, algorithm: str = "EdDSA", header: dict | None = None, **changes):
        """Signed with `key` (the real one by default) under `header` (the real kid)."""
        return jwt.encode(
            self.claims(**changes),
            self.real_key if key is None else key,
            algorithm=algorithm,
            headers={"kid": self.kid} if header is None else header,
        )

    def without(self, name: str) -> str:
        claims = self.claims()
        del claims[name]
        return jwt.encode(claims, self.real_key, algorithm="EdDSA", headers={"kid": self.kid})

    def unsigned(self, header: dict, signature: str = "") -> str:
        return f"{segment(header)}.{segment(self.claims())}.{signature}"

    def by_hand(self, header: dict, sign: Callable[[bytes], bytes]) -> str:
        """Made without PyJWT, which refuses to make some of these (an HMAC keyed with a public
        key, a key id that is not a string)."""
        signing_input = f"{segment(header)}.{segment(self.claims())}"
        return f"{signing_input}.{b64(sign(signing_input.encode()))}"

    def hs256(self, secret: bytes) -> str:
        header = {"alg": "HS256", "typ": "JWT", "kid": self.kid}
        return self.by_hand(header, lambda data: hmac.digest(secret, data, hashlib.sha256))

    def own_key_with_kid(self, kid: object) -> str:
        return self.by_hand({"alg": "EdDSA", "kid": kid}, own_key().sign)

    def tampered(self, **changes) -> str:
        """The victim's own token with its payload edited and its signature kept."""
        header, _payload, signature = self.token.split(".")
        return f"{header}.{segment({**claims_of(self.token), **changes})}.{signature}"

    def public_pem(self) -> bytes:
        return self.real_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def public_raw(self) -> bytes:
        """The bytes the JWKS publishes (base64url-encoded in `x`)."""
        return raw_public(self.real_key)


def own_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def own_jwk(key: Ed25519PrivateKey) -> dict:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64(raw_public(key))}


def embedded_jwk(forge: Forge) -> str:
    key = own_key()
    return forge.signed(key, header={"kid": forge.kid, "jwk": own_jwk(key)})


FORGERIES: dict[str, Callable[[Forge], str]] = {
    "alg none": lambda f: f.unsigned({"alg": "none", "kid": f.kid}),
    "alg None": lambda f: f.unsigned({"alg": "None", "kid": f.kid}),
    "alg none with the real signature": lambda f: f.unsigned(
        {"alg": "none", "kid": f.kid}, f.token.split(".")[2]
    ),
    "no alg": lambda f: f.unsigned({"kid": f.kid}, f.token.split(".")[2]),
    "HS256 keyed with the public key": lambda f: f.hs256(f.public_pem()),
    "HS256 keyed with the raw public key": lambda f: f.hs256(f.public_raw()),
    "HS256 keyed with the kid": lambda f: f.hs256(f.kid.encode()),
    "HS256 with an empty key": lambda f: f.hs256(b""),
    "RS256, the attacker's key": lambda f: f.signed(
        rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"
    ),
    "ES256, the attacker's key": lambda f: f.signed(
        ec.generate_private_key(ec.SECP256R1()), "ES256"
    ),
    "EdDSA, the attacker's key under the real kid": lambda f: f.signed(own_key()),
    "the attacker's key in the header (jwk)": embedded_jwk,
    "a key URL in the header (jku)": lambda f: f.signed(
        own_key(), header={"kid": f.kid, "jku": "http://evil.test/jwks.json"}
    ),
    "kid path traversal": lambda f: f.signed(own_key(), header={"kid": "../../../../dev/null"}),
    "kid SQL": lambda f: f.signed(own_key(), header={"kid": "x' OR '1'='1"}),
    "kid empty": lambda f: f.signed(own_key(), header={"kid": ""}),
    "kid a number": lambda f: f.own_key_with_kid(1),
    "kid a list": lambda f: f.own_key_with_kid([f.kid]),
    "kid an object": lambda f: f.own_key_with_kid({"kid": f.kid}),
    "no kid": lambda f: f.signed(header={}),
    "payload edited to another account": lambda f: f.tampered(sub=f.sub[::-1]),
    "payload edited to a later exp": lambda f: f.tampered(exp=int(time.time()) + CENTURY),
    "signature cut off": lambda f: f.token.rsplit(".", 1)[0] + ".",
    "signature of another token": lambda f: f.tampered(iat=claims_of(f.token)["iat"] - 1),
    "two tokens in one header": lambda f: f"{f.token} {f.token}",
    "expired": lambda f: f.signed(iat=int(time.time()) - 2 * HOUR, exp=int(time.time()) - 5),
    "exp a century away": lambda f: f.signed(exp=int(time.time()) + CENTURY),
    "lifetime a second over the limit": lambda f: f.signed(exp=int(time.time()) + 86400 + 1),
    "issued an hour ahead": lambda f: f.signed(
        iat=int(time.time()) + HOUR, exp=int(time.time()) + 2 * HOUR
    ),
    "not valid before next hour": lambda f: f.signed(nbf=int(time.time()) + HOUR),
    "exp a string": lambda f: f.signed(exp=str(int(time.time()) + HOUR)),
    "iat a string": lambda f: f.signed(iat=str(int(time.time()))),
    "no exp": lambda f: f.without("exp"),
    "no iat": lambda f: f.without("iat"),
    "no sub": lambda f: f.without("sub"),
    "no iss": lambda f: f.without("iss"),
    "no aud": lambda f: f.without("aud"),
    "another issuer": lambda f: f.signed(iss="evil"),
    "another audience": lambda f: f.signed(aud="evil"),
    "empty sub": lambda f: f.signed(sub=""),
    "sub a number": lambda f: f.signed(sub=1),
    "ver a string": lambda f: f.signed(ver="1"),
    "ver a float": lambda f: f.signed(ver=1.0),
}


def attempts(api, token: str, victim, other) -> list[requests.Response]:
    """One request to each service behind the gateway, as the token's holder."""
    article = {"article": {"title": unique("Forged "), "description": "d", "body": "b"}}
    return [
        api.call("GET", "/user", token),
        api.call("PUT", "/user", token, json={"user": {"bio": "forged"}}),
        api.call("POST", f"/profiles/{other.username}/follow", token),
        api.call("GET", "/articles/feed", token),
        api.call("POST", "/articles", token, json=article),
    ]


def test_the_forge_makes_tokens_the_gateway_accepts(api, stack, victim, attacker):
    """The control: without a forgery, the same making is a valid token, so each refusal below
    is the forgery's doing."""
    token = Forge(stack, victim).signed()

    statuses = [response.status_code for response in attempts(api, token, victim, attacker)]

    assert statuses == [200, 200, 200, 200, 201]


@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_forged_token_is_refused_by_every_route_and_changes_nothing(
    api, stack, victim, attacker, forgery
):
    token = forgery(Forge(stack, victim))

    refusals = attempts(api, token, victim, attacker)

    assert [(r.status_code, list(r.json()["errors"])) for r in refusals] == [(401, ["token"])] * 5
    assert api.call("GET", "/user", victim.token).json()["user"]["bio"] is None
    assert (
        api.call("GET", "/articles", params={"author": victim.username}).json()["articlesCount"]
        == 0
    )
    followed = api.call("GET", f"/profiles/{attacker.username}", victim.token).json()
    assert followed["profile"]["following"] is False


def test_a_token_resigned_with_the_version_a_password_change_ended_is_refused(
    api, stack, victim, attacker
):
    forge = Forge(stack, victim)
    changed = api.call("PUT", "/user", victim.token, json={"user": {"password": "a new phrase!"}})
    new_version = claims_of(changed.json()["user"]["token"])["ver"]
    stale = forge.signed()

    assert eventually(lambda: api.call("GET", "/user", stale).status_code == 401, 5)
    assert [r.status_code for r in attempts(api, stale, victim, attacker)] == [401] * 5
    assert api.call("GET", "/user", forge.signed(ver=new_version)).status_code == 200


@pytest.mark.parametrize("service", ["auth_service", "user_service", "webapp"])
def test_a_valid_token_sent_straight_to_a_service_is_no_identity(service_url, victim, service):
    """Only the gateway turns a token into the identity header; a service reached around it
    (which the mesh forbids anyway) treats the caller as anonymous."""
    path = {
        "auth_service": "/api/user",
        "user_service": f"/api/profiles/{victim.username}/follow",
        "webapp": "/api/articles/feed",
    }[service]
    method = "POST" if service == "user_service" else "GET"

    response = requests.request(
        method,
        service_url(service) + path,
        headers={"Authorization": f"Token {victim.token}"},
        timeout=10,
    )

    assert (response.status_code, response.json()) == (401, {"errors": {"token": ["is missing"]}})
