"""Applying profile snapshots delivered by auth_service's outbox; free of request and g.

Each snapshot is the account's full public profile at `version`. Applying one is idempotent
and version-ordered: a snapshot at or below the stored version changes nothing.

Snapshots of different accounts arrive in any order, so an incoming username can still be held
here by another profile although auth_service (which keeps usernames unique) has moved that
profile on. The newest arrival takes the name and the holder is parked as "~<its id>",
remembering the name it claims. When a profile leaves a name, a profile parked on that name
gets it back; if that claim was outdated, that profile's own newer snapshot is still on its way.
"""

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from titanium_common.api import ApiError
from user_service.cache import profile_cache
from user_service.extensions import db
from user_service.models import PARKED_PREFIX, Profile, utcnow

# Concurrent deliveries can race for the same row or name; the loser retries on fresh data.
ATTEMPTS = 3


@dataclass(frozen=True)
class Snapshot:
    username: str
    bio: str | None
    image: str | None
    version: int


class _Touched:
    """The ids and usernames whose cache entries a change makes stale."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.usernames: set[str] = set()

    def add(self, profile: Profile) -> None:
        self.ids.add(str(profile.id))
        self.usernames.update({profile.username, profile.claimed_username})


def apply_snapshot(account_id: uuid.UUID, snapshot: Snapshot) -> Profile:
    for _ in range(ATTEMPTS):
        touched = _Touched()
        try:
            profile = _apply(account_id, snapshot, touched)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            continue
        # After the commit, so no reader can refill the cache with the old row from the database.
        profile_cache().forget(touched.ids, touched.usernames)
        return profile
    raise ApiError.one(409, "profile", "was changed concurrently, retry")


def _apply(account_id: uuid.UUID, snapshot: Snapshot, touched: _Touched) -> Profile:
    profile = db.session.get(Profile, account_id, with_for_update=True)
    if profile is not None and snapshot.version <= profile.version:
        return profile
    left_name = None
    if profile is not None:
        touched.add(profile)
        if profile.username != snapshot.username and not profile.is_parked:
            left_name = profile.username
    if profile is None or profile.username != snapshot.username:
        _park_holder(snapshot.username, account_id, touched)
    if profile is None:
        profile = Profile(id=account_id)
        db.session.add(profile)
    profile.username = profile.claimed_username = snapshot.username
    profile.bio, profile.image = snapshot.bio, snapshot.image
    profile.version = snapshot.version
    profile.updated_at = utcnow()
    db.session.flush()
    touched.add(profile)
    if left_name is not None:
        _hand_back(left_name, touched)
    return profile


def _park_holder(username: str, account_id: uuid.UUID, touched: _Touched) -> None:
    holder = db.session.scalar(
        sa.select(Profile)
        .where(Profile.username == username, Profile.id != account_id)
        .with_for_update()
    )
    if holder is None:
        return
    touched.add(holder)
    holder.username = f"{PARKED_PREFIX}{holder.id}"
    # Flushed on its own: the name must be free before the new holder's UPDATE runs.
    db.session.flush()


def _hand_back(username: str, touched: _Touched) -> None:
    claimant = db.session.scalar(
        sa.select(Profile)
        .where(Profile.claimed_username == username, Profile.username != username)
        .order_by(Profile.updated_at.desc())
        .limit(1)
        .with_for_update()
    )
    if claimant is None:
        return
    touched.add(claimant)
    claimant.username = username
    db.session.flush()
