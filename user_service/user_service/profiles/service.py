"""Reading profiles (through the cache) and following; free of request and g."""

import uuid
from dataclasses import asdict, dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from titanium_common.api import ApiError
from user_service.cache import profile_cache
from user_service.extensions import db
from user_service.models import Follow, Profile, is_possible_username


@dataclass(frozen=True)
class ProfileRecord:
    """A profile row as cached: JSON-friendly, with the id as a string."""

    id: str
    username: str
    bio: str | None
    image: str | None
    version: int

    @classmethod
    def from_model(cls, profile: Profile) -> "ProfileRecord":
        return cls(str(profile.id), profile.username, profile.bio, profile.image, profile.version)

    def public(self, following: bool) -> dict:
        return {
            "username": self.username,
            "bio": self.bio,
            "image": self.image,
            "following": following,
        }


def find_profiles(ids: list[uuid.UUID], usernames: list[str]) -> list[ProfileRecord]:
    """Profiles for the given ids and usernames, in request order, each once; unknown keys are
    left out. One cache round trip, plus one query for whatever the cache did not have."""
    cache = profile_cache()
    usernames = [name for name in usernames if is_possible_username(name)]
    wanted = [cache.id_key(str(i)) for i in ids] + [cache.username_key(u) for u in usernames]
    found = {key: ProfileRecord(**row) for key, row in cache.get_many(wanted).items()}

    missing_ids = [i for i in ids if cache.id_key(str(i)) not in found]
    missing_names = [u for u in usernames if cache.username_key(u) not in found]
    if missing_ids or missing_names:
        query = sa.select(Profile).where(
            sa.or_(Profile.id.in_(missing_ids), Profile.username.in_(missing_names))
        )
        loaded = [ProfileRecord.from_model(p) for p in db.session.scalars(query)]
        cache.put(asdict(record) for record in loaded)
        for record in loaded:
            found[cache.id_key(record.id)] = record
            found[cache.username_key(record.username)] = record

    records = {}
    for key in wanted:
        if (record := found.get(key)) is not None:
            records.setdefault(record.id, record)
    return list(records.values())


def get_profile_or_404(username: str) -> ProfileRecord:
    profiles = find_profiles([], [username])
    if not profiles:
        raise ApiError.one(404, "profile", "not found")
    return profiles[0]


def followed_among(follower_id: uuid.UUID | None, profile_ids: list[str]) -> set[str]:
    """Which of `profile_ids` the follower follows (none for an anonymous viewer)."""
    if follower_id is None or not profile_ids:
        return set()
    query = sa.select(Follow.followee_id).where(
        Follow.follower_id == follower_id,
        Follow.followee_id.in_([uuid.UUID(i) for i in profile_ids]),
    )
    return {str(followee_id) for followee_id in db.session.scalars(query)}


def followed_ids(follower_id: uuid.UUID) -> list[str]:
    query = (
        sa.select(Follow.followee_id)
        .where(Follow.follower_id == follower_id)
        .order_by(Follow.followee_id)
    )
    return [str(followee_id) for followee_id in db.session.scalars(query)]


def follow(follower_id: uuid.UUID, profile: ProfileRecord) -> None:
    """Idempotent: following again changes nothing."""
    followee_id = uuid.UUID(profile.id)
    if follower_id == followee_id:
        raise ApiError.one(422, "profile", "cannot follow yourself")
    if db.session.get(Follow, (follower_id, followee_id)) is not None:
        return
    db.session.add(Follow(follower_id=follower_id, followee_id=followee_id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # a concurrent request made the same follow first


def unfollow(follower_id: uuid.UUID, profile: ProfileRecord) -> None:
    """Idempotent: unfollowing someone you do not follow changes nothing."""
    followee_id = uuid.UUID(profile.id)
    if follower_id == followee_id:
        raise ApiError.one(422, "profile", "cannot follow yourself")
    db.session.execute(
        sa.delete(Follow).where(
            Follow.follower_id == follower_id, Follow.followee_id == followee_id
        )
    )
    db.session.commit()
