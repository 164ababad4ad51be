"""argon2id hashing: real verification, and equal work when the account does not exist."""

from auth_service.passwords import Passwords
from tests.conftest import CHEAP_ARGON2


def make_passwords() -> Passwords:
    return Passwords(
        *(
            CHEAP_ARGON2[name]
            for name in ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM")
        )
    )


def test_hashes_are_argon2id_and_verify_only_the_right_password():
    passwords = make_passwords()
    password_hash = passwords.hash("correct horse")
    assert password_hash.startswith("$argon2id$")
    assert passwords.verify(password_hash, "correct horse")
    assert not passwords.verify(password_hash, "wrong horse")


def test_a_missing_account_never_verifies_but_still_costs_a_verification():
    passwords = make_passwords()
    checked = []

    class RecordingHasher:
        def verify(self, password_hash, password):
            checked.append(password_hash)
            return real_hasher.verify(password_hash, password)

    real_hasher, passwords.hasher = passwords.hasher, RecordingHasher()
    assert not passwords.verify(None, "not a real password")  # even the dummy's own password
    assert checked == [passwords.dummy_hash]


def test_a_corrupt_stored_hash_is_a_failed_login_not_an_error():
    assert not make_passwords().verify("not-a-hash", "correct horse")
