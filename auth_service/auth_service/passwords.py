"""Password hashing with argon2id; the cost comes from settings so tests can make it cheap."""

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app


class Passwords:
    def __init__(self, time_cost: int, memory_cost: int, parallelism: int):
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
        # Verified against when the account does not exist, so an unknown email costs the same
        # time as a wrong password and the timing does not reveal which accounts exist.
        self.dummy_hash = self.hasher.hash("not a real password")

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Check a password; with no account (`None`) do the same work and answer False."""
        try:
            matches = self.hasher.verify(password_hash or self.dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return matches and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)


def init_app(app: Flask) -> None:
    app.extensions["passwords"] = Passwords(
        app.config["ARGON2_TIME_COST"],
        app.config["ARGON2_MEMORY_COST"],
        app.config["ARGON2_PARALLELISM"],
    )


def passwords() -> Passwords:
    return current_app.extensions["passwords"]
