"""Profiles (a replica of each account's public face, owned here) and follows."""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from titanium_common.text import is_clean
from user_service.extensions import db

# Usernames starting with this are never real (auth_service rejects them): a profile whose name
# was taken by a newer rename elsewhere is parked as "~<its id>" until its own rename arrives.
PARKED_PREFIX = "~"
# The version column is a 32-bit integer on every backend.
MAX_VERSION = 2**31 - 1


def is_possible_username(name: str) -> bool:
    """Whether an account could have this name: never a parked placeholder or refused text."""
    return not name.startswith(PARKED_PREFIX) and is_clean(name)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Profile(db.Model):
    __tablename__ = "profiles"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    username: Mapped[str] = mapped_column(sa.String, unique=True)
    # What auth_service last said the username is; differs from `username` only while parked,
    # so the name can be handed back when its current holder moves on.
    claimed_username: Mapped[str] = mapped_column(sa.String, index=True)
    bio: Mapped[str | None] = mapped_column(sa.Text)
    image: Mapped[str | None] = mapped_column(sa.Text)
    # auth_service's profile_version: snapshots at or below it are already applied.
    version: Mapped[int] = mapped_column(sa.Integer)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    @property
    def is_parked(self) -> bool:
        return self.username != self.claimed_username


class Follow(db.Model):
    """follower_id follows followee_id. The follower may have no profile row yet (its
    registration event can still be in flight), so only the followee is a foreign key."""

    __tablename__ = "follows"
    __table_args__ = (
        # The primary key answers "who does X follow"; this answers "who follows X".
        sa.Index("ix_follows_followee_id_follower_id", "followee_id", "follower_id"),
    )

    follower_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    followee_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("profiles.id"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
