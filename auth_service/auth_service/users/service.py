"""Register, log in and update accounts; free of request/g so it can be tested directly.

Every change of the profile fields (username, bio, image) bumps profile_version and queues outbox
events in the same transaction, so user_service and webapp learn of it even if down right now.
A password change ends every session and token signed before it (tokens/revocations.py); the
reply's fresh token is signed after, so the client that made the change stays signed in.
`client` is the caller's address as the gateway's edge saw it (None from inside the cluster).
"""

import re
import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from auth_service.extensions import db
from auth_service.models import Account, MailMessage, OutboxEvent
from auth_service.outbox.events import record_profile_change
from auth_service.passwords import passwords
from auth_service.throttle import client_limit, login_throttle
from auth_service.tokens.revocations import end_sessions_and_tokens
from auth_service.users import links
from titanium_common.api import BLANK, INVALID, ApiError, FieldErrors
from titanium_common.text import (
    EMAIL_MAX,
    NOT_A_WEB_URL,
    NOT_ALLOWED,
    PROFILE_LIMITS,
    USERNAME_MAX,
    is_clean,
    is_web_url,
)

TAKEN = "has already been taken"
PASSWORD_MIN, PASSWORD_MAX = 8, 256
# ASCII only: SQLite's lower() folds ASCII alone, and the case-insensitive unique index must
# mean the same thing on SQLite and PostgreSQL.
# Not dots alone: a browser resolves /profile/. and /profile/.. before it asks for them.
USERNAME = re.compile(r"^(?!\.+$)[A-Za-z0-9_.-]+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def register(
    data: dict, client: str | None = None, before_commit=None, verify_email: bool = True
) -> tuple[Account, list[OutboxEvent], list[MailMessage]]:
    """A new account, its profile events and its verification mail (send after the commit:
    mail.send_soon); `before_commit(account)` may add to the same transaction (an
    Idempotency-Key's reply)."""
    client_limit("registration").hit(client)
    errors = FieldErrors()
    username = _username(errors, data)
    email = _email(errors, data)
    password = _password(errors, data)
    errors.raise_if_any()
    _raise_if_taken(email=email, username=username)
    account = Account(
        id=str(uuid.uuid4()),
        email=email,
        username=username,
        password_hash=passwords().hash(password),
        profile_version=1,
        token_version=1,
    )
    db.session.add(account)
    events = record_profile_change(account)
    mails = [links.verification_mail(account)] if verify_email else []
    if before_commit is not None:
        before_commit(account)
    _commit_unique(email=email, username=username)
    return account, events, mails


def login(data: dict, client: str | None) -> Account:
    errors = FieldErrors()
    email = errors.required_text(data, "email", EMAIL_MAX)
    password = _password(errors, data, check_length=False)
    errors.raise_if_any()
    email = email.lower()
    throttle = login_throttle()
    throttle.check(email, client)
    account = db.session.scalar(sa.select(Account).where(Account.email == email))
    hasher = passwords()
    if not hasher.verify(account.password_hash if account else None, password):
        throttle.record_failure(email, client)
        raise ApiError.one(401, "credentials", "invalid")
    throttle.record_success(email)
    if hasher.needs_rehash(account.password_hash):
        account.password_hash = hasher.hash(password)
        db.session.commit()
    return account


def find_account(account_id: str | None) -> Account:
    """The account named by the gateway's identity header, or the contract's 401."""
    if not account_id:
        raise ApiError.one(401, "token", "is missing")
    try:
        key = str(uuid.UUID(account_id))
    except ValueError:
        raise ApiError.one(401, "token", INVALID) from None
    account = db.session.get(Account, key)
    if account is None:
        raise ApiError.one(401, "token", INVALID)
    return account


# Passed as `current_password` when the caller does not ask for the check (the RealWorld API).
UNCHECKED = object()
CURRENT_PASSWORD = "current password"  # noqa: S105 (a field name)


def update(
    account: Account, data: dict, current_password=UNCHECKED, client: str | None = None
) -> tuple[list[OutboxEvent], list[MailMessage]]:
    """Apply a partial update; returns the outbox events (none unless the profile changed) and
    mail to send (a new email's verification).

    With `current_password` (webapp's settings form, ADR 0019), changing the email or the
    password needs the account's current password: a wrong one changes nothing and counts as a
    failed sign-in (throttled like one)."""
    errors = FieldErrors()
    changes = {}
    if "username" in data:
        changes["username"] = _username(errors, data)
    if "email" in data:
        changes["email"] = _email(errors, data)
    password = _password(errors, data) if "password" in data else None
    for field in ("bio", "image"):
        if field in data:
            changes[field] = errors.optional_text(data, field, PROFILE_LIMITS[field])
    if changes.get("image") and not is_web_url(changes["image"]):
        errors.add("image", NOT_A_WEB_URL)  # javascript:, data: ... never reach a profile
    errors.raise_if_any()
    email_changed = "email" in changes and changes["email"] != account.email
    if current_password is not UNCHECKED and (email_changed or password is not None):
        _check_current_password(account, current_password, client)
    _raise_if_taken(email=changes.get("email"), username=changes.get("username"), exclude=account)

    profile_changed = any(
        field in changes and changes[field] != getattr(account, field)
        for field in ("username", "bio", "image")
    )
    for field, value in changes.items():
        setattr(account, field, value)
    if password is not None:
        account.password_hash = passwords().hash(password)
        end_sessions_and_tokens(account)
    mails = []
    if email_changed:
        account.email_verified_at = None  # the new address is not proven yet
        mails.append(links.verification_mail(account))
    events = []
    if profile_changed:
        account.profile_version += 1
        events = record_profile_change(account)
    _commit_unique(email=changes.get("email"), username=changes.get("username"), exclude=account)
    return events, mails


def _check_current_password(account: Account, current_password, client: str | None) -> None:
    if not isinstance(current_password, str) or not current_password:
        raise ApiError.one(422, CURRENT_PASSWORD, BLANK)
    throttle = login_throttle()
    throttle.check(account.email, client)
    if not passwords().verify(account.password_hash, current_password):
        throttle.record_failure(account.email, client)
        raise ApiError.one(422, CURRENT_PASSWORD, "is wrong")
    throttle.record_success(account.email)


def new_password(errors: FieldErrors, data: dict) -> str | None:
    """A password to set (a reset): the rules of sign-up."""
    return _password(errors, data)


def _username(errors: FieldErrors, data: dict) -> str | None:
    username = errors.required_text(data, "username", USERNAME_MAX)
    if username is not None and not USERNAME.match(username):
        errors.add("username", INVALID)
        return None
    return username


def _email(errors: FieldErrors, data: dict) -> str | None:
    email = errors.required_text(data, "email", EMAIL_MAX)
    if email is not None and not EMAIL.match(email):
        errors.add("email", INVALID)
        return None
    return email.lower() if email else None


def _password(errors: FieldErrors, data: dict, check_length: bool = True) -> str | None:
    """Passwords are taken exactly as typed (never stripped); only all-blank counts as blank."""
    password = data.get("password")
    if password is None or (isinstance(password, str) and not password.strip()):
        errors.add("password", BLANK)
    elif not isinstance(password, str):
        errors.add("password", INVALID)
    elif not is_clean(password):
        errors.add("password", NOT_ALLOWED)
    elif check_length and len(password) < PASSWORD_MIN:
        errors.add("password", f"is too short (minimum is {PASSWORD_MIN} characters)")
    elif len(password) > PASSWORD_MAX:
        errors.add("password", f"is too long (maximum is {PASSWORD_MAX} characters)")
    else:
        return password
    return None


def _raise_if_taken(
    email: str | None, username: str | None, exclude: Account | None = None
) -> None:
    errors = FieldErrors()
    others = sa.select(Account.id).limit(1)
    if exclude is not None:
        others = others.where(Account.id != exclude.id)
    if email and db.session.scalar(others.where(Account.email == email)):
        errors.add("email", TAKEN)
    if username and db.session.scalar(
        others.where(sa.func.lower(Account.username) == username.lower())
    ):
        errors.add("username", TAKEN)
    errors.raise_if_any(409)


def _commit_unique(email: str | None, username: str | None, exclude: Account | None = None):
    """Commit; a concurrent request that took the same email/username first gets its 409."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        _raise_if_taken(email=email, username=username, exclude=exclude)
        raise
