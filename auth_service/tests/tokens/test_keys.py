"""The signing key ring: RFC 7638 kids, JWKS, signing, rotation without logouts, pruning."""

import base64
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

from auth_service.tokens.keys import KeyRing, NoSigningKeyError
from titanium_common.identity import TOKEN_AUDIENCE, TOKEN_ISSUER

TTL = 3600


@pytest.fixture
def ring(tmp_path):
    return KeyRing(tmp_path / "keys", TTL)


def verify(token: str, jwks: dict) -> dict:
    """Verify a token the way the gateway does: pick the JWKS key by the token's kid."""
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWKSet.from_dict(jwks)[kid]
    return jwt.decode(
        token, key.key, algorithms=["EdDSA"], audience=TOKEN_AUDIENCE, issuer=TOKEN_ISSUER
    )


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def write_key(ring: KeyRing, private_key, created_at: datetime) -> None:
    ring.directory.mkdir(parents=True, exist_ok=True)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (ring.directory / f"{created_at.strftime('%Y%m%dT%H%M%S%fZ')}.pem").write_bytes(pem)


def test_kid_is_the_rfc_7638_thumbprint(ring):
    # RFC 8037 appendix A.1 and A.3: this Ed25519 key's JWK thumbprint is known.
    private = Ed25519PrivateKey.from_private_bytes(
        b64url_decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
    )
    write_key(ring, private, datetime.now(UTC))
    key = ring.active()
    assert key.public_jwk["x"] == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    assert key.kid == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_signed_token_carries_the_claims_and_verifies_against_the_jwks(ring):
    key = ring.ensure()
    token = ring.sign("account-1", 3)
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "kid": key.kid, "typ": "JWT"}
    claims = verify(token, ring.jwks())
    assert (claims["sub"], claims["ver"]) == ("account-1", 3)
    assert claims["exp"] - claims["iat"] == TTL


def test_a_token_from_a_foreign_key_with_a_published_kid_does_not_verify(ring):
    key = ring.ensure()
    forged = jwt.encode(
        {"sub": "x", "iss": TOKEN_ISSUER, "aud": TOKEN_AUDIENCE},
        Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
        headers={"kid": key.kid},
    )
    with pytest.raises(jwt.InvalidSignatureError):
        verify(forged, ring.jwks())


def test_rotation_logs_nobody_out(ring):
    old = ring.ensure()
    old_token = ring.sign("account-1", 1)
    new = ring.rotate()
    new_token = ring.sign("account-1", 1)

    assert new.kid != old.kid
    assert jwt.get_unverified_header(new_token)["kid"] == new.kid
    jwks = ring.jwks()
    assert [entry["kid"] for entry in jwks["keys"]] == [old.kid, new.kid]
    assert verify(old_token, jwks)["sub"] == "account-1"
    assert verify(new_token, jwks)["sub"] == "account-1"


def test_a_rotation_by_another_process_is_picked_up(ring, tmp_path):
    ring.ensure()
    other_process = KeyRing(ring.directory, TTL)
    new = other_process.rotate()
    assert ring.active().kid == new.kid


def test_ensure_keeps_an_existing_key(ring):
    first = ring.ensure()
    assert ring.ensure().kid == first.kid
    assert len(ring.signing_keys()) == 1


def test_key_files_are_private(ring):
    key = ring.ensure()
    assert key.path.stat().st_mode & 0o777 == 0o600


def test_prune_removes_only_keys_retired_longer_than_the_ttl(ring):
    now = datetime.now(UTC)
    long_retired, recently_retired, active = (
        now - timedelta(seconds=3 * TTL),  # replaced 2 TTLs ago: every token it signed expired
        now - timedelta(seconds=2 * TTL),  # replaced half a TTL ago: its tokens still live
        now - timedelta(seconds=TTL // 2),
    )
    for created_at in (long_retired, recently_retired, active):
        write_key(ring, Ed25519PrivateKey.generate(), created_at)
    before = ring.signing_keys()

    removed = ring.prune(now)

    assert [key.kid for key in removed] == [before[0].kid]
    assert [key.kid for key in ring.signing_keys()] == [before[1].kid, before[2].kid]


def test_prune_never_removes_the_active_key_however_old(ring):
    write_key(ring, Ed25519PrivateKey.generate(), datetime.now(UTC) - timedelta(days=365))
    assert ring.prune() == []
    assert len(ring.signing_keys()) == 1


def test_signing_without_a_key_says_how_to_make_one(ring):
    with pytest.raises(NoSigningKeyError, match="keys ensure"):
        ring.sign("account-1", 1)


def test_a_key_of_another_type_is_refused(ring):
    write_key(ring, generate_private_key(public_exponent=65537, key_size=2048), datetime.now(UTC))
    with pytest.raises(ValueError, match="not an Ed25519 private key"):
        ring.signing_keys()


def test_files_that_are_not_keys_are_ignored(ring):
    ring.ensure()
    (ring.directory / "README.txt").write_text("not a key")
    (ring.directory / "20250101T000000000000Z.tmp").write_text("half-written")
    assert len(ring.signing_keys()) == 1


def pem_of(private_key) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.mark.parametrize("name", ["key-202612.pem", "e2e.pem", "20261201T093000Z.pem"])
def test_a_key_named_by_an_operator_signs(ring, name):
    """Whatever the operator called the file (docs/deploy.md once said key-<yyyymm>.pem), a PEM
    key in the directory signs: the ring used to skip it, so every sign-up was a 500."""
    ring.directory.mkdir(parents=True)
    (ring.directory / name).write_bytes(pem_of(Ed25519PrivateKey.generate()))
    token = ring.sign("account-1", 1)
    assert verify(token, ring.jwks())["sub"] == "account-1"


def test_a_kubernetes_secret_volume_is_read_through_its_links(ring):
    """A Secret volume holds `..<timestamp>/` with the files, `..data` linking to it, and one
    visible link per key: each key is read once, the hidden entries are not keys."""
    private = Ed25519PrivateKey.generate()
    ring.directory.mkdir(parents=True)
    payload = ring.directory / "..2026_12_01_09_30_00.123456789"
    payload.mkdir()
    (payload / "20261201T093000Z.pem").write_bytes(pem_of(private))
    (ring.directory / "..data").symlink_to(payload.name)
    (ring.directory / "20261201T093000Z.pem").symlink_to("..data/20261201T093000Z.pem")
    (key,) = ring.signing_keys()
    assert key.private_key.private_bytes_raw() == private.private_bytes_raw()
    assert [entry["kid"] for entry in ring.jwks()["keys"]] == [key.kid]
    assert key.created_at == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def test_the_key_whose_name_sorts_last_signs(ring):
    ring.directory.mkdir(parents=True)
    for name in ("20261101T000000Z.pem", "20261201T000000Z.pem"):
        (ring.directory / name).write_bytes(pem_of(Ed25519PrivateKey.generate()))
    assert ring.active().path.name == "20261201T000000Z.pem"
    assert len(ring.jwks()["keys"]) == 2


def test_prune_keeps_keys_whose_successor_has_no_creation_time(ring):
    write_key(ring, Ed25519PrivateKey.generate(), datetime.now(UTC) - timedelta(days=365))
    (ring.directory / "operator-key.pem").write_bytes(pem_of(Ed25519PrivateKey.generate()))
    assert ring.prune() == []
    assert len(ring.signing_keys()) == 2
