"""The authors pages and replies show, from webapp's own copies (models.Author; ADR 0012).

auth_service's outbox delivers every profile change here (`apply_snapshot`, newer versions
only), so reading authors costs one indexed query and no network call. An author not here yet
(an event still on its way, or an account older than the copies) is read through user_service
once and kept; while user_service does not answer, it is the placeholder author. Whom the viewer
follows belongs to user_service alone: asked in one call, and None (unknown) while it does not
answer, which pages say and the API shows as false.

Call these before a write starts: a read-through keeps what it learnt on a connection of its own.
"""

import dataclasses
import logging
import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from webapp import shared_parts, surrogate
from webapp.clock import now_ms
from webapp.extensions import db
from webapp.models import Author, account_uuid
from webapp.profiles import client as profiles
from webapp.profiles.client import Profile
from webapp.upstream import UpstreamUnavailable

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """An account's public profile at `version`, as auth_service's outbox delivers it."""

    username: str
    bio: str | None
    image: str | None
    version: int


def profiles_by_ids(ids: Iterable, viewer_id=None) -> dict[str, Profile]:
    """The authors with these account ids (absent: unknown everywhere, or user_service down),
    with whether `viewer_id` follows each."""
    wanted = list(dict.fromkeys(str(account_id) for account_id in ids))
    if not wanted:
        return {}
    found = _local(Author.id.in_([account_uuid(account_id) for account_id in wanted]))
    missing = [account_id for account_id in wanted if account_id not in found]
    if missing:
        try:
            found.update(_read_through(profiles.lookup(ids=missing)))
        except UpstreamUnavailable as error:
            log.warning("authors shown as placeholders", extra={"error": str(error)})
    following = followed_among(viewer_id, list(found))
    return {account_id: _profile(author, following) for account_id, author in found.items()}


def profile_of(account_id, viewer_id=None) -> Profile:
    """One author; the placeholder when unknown (or unknown here while user_service is down)."""
    found = profiles_by_ids([account_id], viewer_id)
    return found.get(str(account_id)) or Profile.placeholder(account_id)


def profile_by_id(account_id) -> Profile | None:
    """The author with this account id, None if nobody is. Raises UpstreamUnavailable when the
    id is unknown here and user_service, which could know it, does not answer."""
    found = _here_or_asked(Author.id == account_uuid(account_id), ids=[str(account_id)])
    author = found.get(str(account_id))
    return None if author is None else _profile(author, set())


def profile_by_username(username: str, viewer_id=None) -> Profile | None:
    """The author called `username`, None if nobody is. Raises UpstreamUnavailable when the name
    is unknown here and user_service, which could know it, does not answer."""
    found = _here_or_asked(Author.username == username, usernames=[username])
    if not found:
        return None
    # Two copies can hold one name for a moment (renames arriving out of order): the newer one.
    author = max(found.values(), key=lambda copy: copy.updated_at)
    return _profile(author, followed_among(viewer_id, [str(author.id)]))


def as_profile(author: Author) -> Profile:
    """The profile a copy holds, following unknown-to-be-asked (False)."""
    return _profile(author, set())


def apply_snapshot(account_id: uuid.UUID, snapshot: Snapshot) -> Author:
    """Keep `snapshot` unless the copy here is as new or newer (idempotent, version-ordered):
    from the outbox, or from a reply of auth_service (sign-in, settings) read at once."""
    db.session.execute(_upsert([{"id": account_id, **dataclasses.asdict(snapshot)}]))
    # Pages naming the author, and lists filtered by a name that was nobody's until now.
    surrogate.changes(surrogate.author_key(account_id), surrogate.username_key(snapshot.username))
    db.session.commit()
    return db.session.get(Author, account_id, populate_existing=True)


def _local(where) -> dict[str, Author]:
    return {str(author.id): author for author in db.session.scalars(sa.select(Author).where(where))}


def _here_or_asked(where, **keys) -> dict[str, Author]:
    """The copies matching `where`; with none here, what user_service knows of `keys` (kept)."""
    return _local(where) or _read_through(profiles.lookup(**keys))


def _read_through(found: list[dict]) -> dict[str, Author]:
    """Keep what user_service knows (on a connection of its own, so the caller's session and
    its loaded rows stay as they are) and return it."""
    rows = [
        {
            "id": account_uuid(item["id"]),
            "username": item["username"],
            "bio": item.get("bio"),
            "image": item.get("image"),
            # A user_service from before versions were shared: any event replaces the copy.
            "version": item.get("version", 0),
        }
        for item in found
    ]
    if rows:
        with db.engine.begin() as connection:
            connection.execute(_upsert(rows))
        shared_parts.content_changed()  # a placeholder author kept in a part has a name now
    return {str(row["id"]): Author(**row, updated_at=now_ms()) for row in rows}


def _upsert(rows: list[dict]) -> sa.Insert:
    """Insert the copies; an existing one is replaced only by a newer version."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    rows = [{"version": 0, "updated_at": now_ms(), **row} for row in rows]
    insert = dialect.insert(Author).values(rows)
    return insert.on_conflict_do_update(
        index_elements=[Author.id],
        set_={
            name: insert.excluded[name]
            for name in ("username", "bio", "image", "version", "updated_at")
        },
        where=Author.version < insert.excluded.version,
    )


def followed_among(viewer_id, account_ids: list[str]) -> set[str] | None:
    """Which of these the viewer follows; None when user_service cannot say."""
    if viewer_id is None or not account_ids:
        return set()
    try:
        return profiles.followed_among(str(viewer_id), account_ids)
    except UpstreamUnavailable as error:
        log.warning("following status unknown", extra={"error": str(error)})
        return None


def _profile(author: Author, following: set[str] | None) -> Profile:
    account_id = str(author.id)
    return Profile(
        id=account_id,
        username=author.username,
        bio=author.bio,
        image=author.image,
        following=None if following is None else account_id in following,
    )
