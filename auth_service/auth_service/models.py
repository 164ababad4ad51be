"""Accounts (owned here), the outbox of profile changes owed to the services that keep copies,
the Idempotency-Keys of registrations, the feed of token revocations the gateway and webapp
read, the single-use links sent by mail (password resets, email verification) and the mail
outbox."""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from auth_service.extensions import db
from auth_service.outbox.destinations import FIRST_DESTINATION
from titanium_common.idempotency import IdempotencyRecord


def utc_now() -> datetime:
    """Naive UTC: SQLite keeps no zone, so every timestamp column is UTC by convention."""
    return datetime.now(UTC).replace(tzinfo=None)


class Account(db.Model):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(
        sa.String(36), primary_key=True, default=lambda: str(uuid.uuid4())
    )
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # stored lower-cased
    username: Mapped[str] = mapped_column(sa.String(64))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # A replica of the profile fields user_service owns, so /api/user needs no network call.
    bio: Mapped[str | None] = mapped_column(sa.Text)
    image: Mapped[str | None] = mapped_column(sa.Text)
    # Bumped on every change of username/bio/image; user_service applies only newer versions.
    profile_version: Mapped[int] = mapped_column(default=1)
    # Every token and web session carries the version it was signed in at; raising it ends
    # every one signed before (tokens/revocations.py).
    token_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Set when the owner opened the link of a verification mail (or of a reset mail, which
    # proves the same); None: unverified. Accounts from before verification existed stay None.
    email_verified_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)

    def profile_snapshot(self) -> dict:
        return {
            "username": self.username,
            "bio": self.bio,
            "image": self.image,
            "version": self.profile_version,
        }


# Usernames keep the case they were typed in but are unique regardless of case.
sa.Index("uq_accounts_username_lower", sa.func.lower(Account.username), unique=True)


class OutboxEvent(db.Model):
    """A full profile snapshot to PUT to one destination (outbox.destinations), written in the
    account's transaction: one row per destination, each delivered on its own."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        # The relay's only query: pending events in id order.
        sa.Index(
            "ix_outbox_events_pending",
            "id",
            postgresql_where=sa.text("delivered_at IS NULL"),
            sqlite_where=sa.text("delivered_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    account_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    # The server default covers rows of a release that knew only user_service.
    destination: Mapped[str] = mapped_column(sa.String(32), server_default=FIRST_DESTINATION)
    payload: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    delivered_at: Mapped[datetime | None] = mapped_column()


class IdempotencyKey(IdempotencyRecord, db.Model):
    """Replies of registrations by Idempotency-Key (titanium_common.idempotency)."""

    __tablename__ = "idempotency_keys"


class TokenRevocation(db.Model):
    """An account's token version was raised: tokens and sessions below `token_version` end."""

    __tablename__ = "token_revocations"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    account_id: Mapped[str] = mapped_column(sa.String(36))
    token_version: Mapped[int] = mapped_column()
    # The feed's only query: everything since a moment, oldest first.
    created_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)


class AccountLink(db.Model):
    """A link sent by mail (users.links): only a hash of its random token is kept. Good once,
    until `expires_at`, and (a reset) only while the account's token version is unchanged."""

    __tablename__ = "account_links"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(16))  # "reset" or "verify"
    token_version: Mapped[int] = mapped_column()  # the account's, when the link was made
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None] = mapped_column()


class MailMessage(db.Model):
    """A mail to send (mail.py), written in the transaction that wants it sent."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        sa.Index(
            "ix_mail_outbox_pending",
            "id",
            postgresql_where=sa.text("sent_at IS NULL"),
            sqlite_where=sa.text("sent_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column()
