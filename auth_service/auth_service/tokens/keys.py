"""The Ed25519 signing key ring: PEM files in SIGNING_KEYS_DIR, the last by name signs, all are
published.

Every `*.pem` file of the directory is a key, whatever an operator named it (hidden entries are
skipped: a Kubernetes Secret volume keeps its `..data` links there). Keys are ordered by file
name, so names must sort by age: `keys rotate` and docs/deploy.md name a key after its UTC
creation time (`20261201T093000Z.pem`), which is also what pruning reads. Rotation adds a key;
older keys stay published until every token they signed has expired, so rotating logs nobody out.
"""

import base64
import hashlib
import itertools
import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask, current_app

from titanium_common.identity import (
    TOKEN_ALGORITHM,
    TOKEN_AUDIENCE,
    TOKEN_ISSUER,
    TOKEN_VERSION_CLAIM,
)

_FILE_TIME_FORMAT = "%Y%m%dT%H%M%S%fZ"
# Names `keys rotate` writes, and the shorter one of `date -u +%Y%m%dT%H%M%SZ` (docs/deploy.md).
_NAME_TIME_FORMATS = (_FILE_TIME_FORMAT, "%Y%m%dT%H%M%SZ")


class NoSigningKeyError(RuntimeError):
    pass


@dataclass(frozen=True)
class SigningKey:
    path: Path
    # From the file name when it is a creation time; None for other names (never pruned).
    created_at: datetime | None
    private_key: Ed25519PrivateKey

    @property
    def public_jwk(self) -> dict:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}

    @property
    def kid(self) -> str:
        """RFC 7638 thumbprint: SHA-256 of the required members, sorted, without whitespace."""
        canonical = json.dumps(self.public_jwk, sort_keys=True, separators=(",", ":"))
        return _b64url(hashlib.sha256(canonical.encode()).digest())


class KeyRing:
    def __init__(self, directory: Path, token_ttl_seconds: int):
        self.directory = directory
        self.token_ttl = timedelta(seconds=token_ttl_seconds)
        self._cache: tuple[int, list[SigningKey]] | None = None

    def signing_keys(self) -> list[SigningKey]:
        """Every key, oldest first; re-read only when the directory changed (e.g. a rotation)."""
        stamp = self.directory.stat().st_mtime_ns if self.directory.is_dir() else 0
        if self._cache is None or self._cache[0] != stamp:
            self._cache = (stamp, self._load())
        return self._cache[1]

    def _load(self) -> list[SigningKey]:
        if not self.directory.is_dir():
            return []
        paths = sorted(
            path
            for path in self.directory.iterdir()
            if path.suffix == ".pem" and not path.name.startswith(".")
        )
        return [_read_key(path) for path in paths]

    def active(self) -> SigningKey:
        keys = self.signing_keys()
        if not keys:
            raise NoSigningKeyError(
                f"no signing key in {self.directory}: run `flask --app auth_service keys ensure`"
            )
        return keys[-1]

    def sign(self, subject: str, version: int) -> str:
        """A token for account `subject` at its token `version` (tokens/revocations.py)."""
        key = self.active()
        now = int(time.time())
        claims = {
            "sub": subject,
            TOKEN_VERSION_CLAIM: version,
            "iat": now,
            "exp": now + int(self.token_ttl.total_seconds()),
            "iss": TOKEN_ISSUER,
            "aud": TOKEN_AUDIENCE,
        }
        return jwt.encode(
            claims, key.private_key, algorithm=TOKEN_ALGORITHM, headers={"kid": key.kid}
        )

    def jwks(self) -> dict:
        return {
            "keys": [
                {**key.public_jwk, "kid": key.kid, "alg": TOKEN_ALGORITHM, "use": "sig"}
                for key in self.signing_keys()
            ]
        }

    def ensure(self) -> SigningKey:
        """The active key, creating the first one if the ring is empty."""
        keys = self.signing_keys()
        return keys[-1] if keys else self.rotate()

    def rotate(self) -> SigningKey:
        """Add a new key; it signs from now on while the older ones stay published."""
        self.directory.mkdir(parents=True, exist_ok=True)
        created_at = datetime.now(UTC)
        path = self.directory / f"{created_at.strftime(_FILE_TIME_FORMAT)}.pem"
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Written aside and renamed, so a worker never reads half a key; private to this user.
        partial = path.with_suffix(".tmp")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
        partial.rename(path)
        self._cache = None
        return _read_key(path)

    def prune(self, now: datetime | None = None) -> list[SigningKey]:
        """Remove keys retired longer than the token TTL: every token they signed has expired.

        A key is retired when the next one was created; the active key is never removed, nor is
        a key whose successor's name carries no creation time.
        """
        now = now or datetime.now(UTC)
        keys = self.signing_keys()
        removed = [
            key
            for key, successor in itertools.pairwise(keys)
            if successor.created_at and successor.created_at + self.token_ttl < now
        ]
        for key in removed:
            key.path.unlink()
        self._cache = None
        return removed


def _read_key(path: Path) -> SigningKey:
    private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return SigningKey(path, _creation_time(path.stem), private_key)


def _creation_time(stem: str) -> datetime | None:
    for time_format in _NAME_TIME_FORMATS:
        try:
            return datetime.strptime(stem, time_format).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def init_app(app: Flask) -> None:
    # SIGNING_KEYS_DIR is a required setting: the app does not start without it.
    directory = Path(app.config["SIGNING_KEYS_DIR"])
    app.extensions["key_ring"] = KeyRing(directory, app.config["TOKEN_TTL_SECONDS"])


def key_ring() -> KeyRing:
    return current_app.extensions["key_ring"]
