"""Single-use links sent by mail: password resets and email verification.

A link carries a random token (32 bytes); only its SHA-256 is stored, so the database never
holds a working link. A link works once (`used_at` is set by a conditional UPDATE, so two
clicks racing cannot both use it), until it expires (PASSWORD_RESET_TTL_SECONDS: 1 hour;
EMAIL_VERIFICATION_TTL_SECONDS), and a reset link only while the account's token version is the
one it was made at: a password changed (or sessions ended) since makes it worthless.

Using a reset link sets the password, ends every session and token of the account
(tokens/revocations.py) and verifies the email, which the click proved. The pages behind the
links are webapp's (`/reset-password`, `/verify-email`) at PUBLIC_URL.
"""

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app

from auth_service import mail
from auth_service.extensions import db
from auth_service.models import Account, AccountLink, MailMessage, utc_now
from auth_service.tokens.revocations import end_sessions_and_tokens

RESET, VERIFY = "reset", "verify"
PAGES = {RESET: "/reset-password", VERIFY: "/verify-email"}
TTL_SETTINGS = {RESET: "PASSWORD_RESET_TTL_SECONDS", VERIFY: "EMAIL_VERIFICATION_TTL_SECONDS"}


def now():
    """The service's clock for links (tests move it)."""
    return utc_now()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_link(account: Account, purpose: str) -> str:
    """A new link for `account` (in the caller's transaction): its absolute URL."""
    token = secrets.token_urlsafe(32)
    moment = now()
    ttl = timedelta(seconds=current_app.config[TTL_SETTINGS[purpose]])
    # Expired links matter to no one: each new link deletes the account's old ones. (No
    # autoflush: a new account's row is flushed by the caller's commit, which handles a twin.)
    with db.session.no_autoflush:
        db.session.execute(
            sa.delete(AccountLink).where(
                AccountLink.account_id == account.id, AccountLink.expires_at < moment
            )
        )
    db.session.add(
        AccountLink(
            token_hash=_hash(token),
            account_id=account.id,
            purpose=purpose,
            token_version=account.token_version,
            created_at=moment,
            expires_at=moment + ttl,
        )
    )
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return f"{base}{PAGES[purpose]}?{urlencode({'token': token})}"


def find(token: str, purpose: str) -> tuple[AccountLink, Account] | None:
    """The link and its account while the link still works, else None."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    link = db.session.get(AccountLink, _hash(token))
    if link is None or link.purpose != purpose or link.used_at is not None:
        return None
    if link.expires_at <= now():
        return None
    account = db.session.get(Account, link.account_id)
    if account is None or (purpose == RESET and account.token_version != link.token_version):
        return None
    return link, account


def use(link: AccountLink) -> bool:
    """Mark the link used (in the caller's transaction); False if another request did first."""
    return (
        db.session.execute(
            sa.update(AccountLink)
            .where(AccountLink.token_hash == link.token_hash, AccountLink.used_at.is_(None))
            .values(used_at=now())
        ).rowcount
        == 1
    )


def reset_password(account: Account, password_hash: str) -> None:
    account.password_hash = password_hash
    if account.email_verified_at is None:
        account.email_verified_at = now()
    end_sessions_and_tokens(account)


def verify_email(account: Account) -> None:
    if account.email_verified_at is None:
        account.email_verified_at = now()


def reset_mail(account: Account) -> MailMessage:
    link = make_link(account, RESET)
    minutes = current_app.config["PASSWORD_RESET_TTL_SECONDS"] // 60
    return mail.queue(
        account.email,
        "Reset your Titanium password",
        f"Hello {account.username},\n\n"
        "Someone (we hope you) asked to reset the password of your Titanium account.\n"
        f"Open this link within {minutes} minutes to choose a new one (it works once):\n\n"
        f"{link}\n\n"
        "Setting a new password signs you out everywhere else.\n"
        "If you did not ask for this, ignore this mail: your password stays as it is.\n",
    )


def verification_mail(account: Account) -> MailMessage:
    link = make_link(account, VERIFY)
    return mail.queue(
        account.email,
        "Confirm your email for Titanium",
        f"Hello {account.username},\n\n"
        "Please confirm that this is your email address by opening this link:\n\n"
        f"{link}\n\n"
        "If you did not sign up for Titanium, ignore this mail.\n",
    )
