"""user_service (owner of profiles and follows), asked through webapp.upstream: lookups for
authors not copied here yet (webapp.authors), whom a viewer follows, and following itself."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import requests

from titanium_common.api import ApiError
from webapp import surrogate, upstream

SERVICE = "user_service"
# user_service answers at most this many keys per lookup.
MAX_KEYS_PER_LOOKUP = 100
PLACEHOLDER_USERNAME = "unknown"


@dataclass(frozen=True)
class Profile:
    id: str
    username: str
    bio: str | None
    image: str | None
    # None: unknown (user_service did not answer); pages say so, the API shows false.
    following: bool | None

    def __post_init__(self):
        # A reply naming an author shows their profile.
        surrogate.shows(surrogate.author_key(self.id))

    def public(self) -> dict[str, Any]:
        """The RealWorld Profile object."""
        return {
            "username": self.username,
            "bio": self.bio,
            "image": self.image,
            "following": bool(self.following),
        }

    @classmethod
    def placeholder(cls, account_id) -> "Profile":
        """For an author known nowhere yet, or unknown here while user_service is down."""
        return cls(
            id=str(account_id), username=PLACEHOLDER_USERNAME, bio=None, image=None, following=False
        )


def lookup(ids: Sequence[str] = (), usernames: Sequence[str] = ()) -> list[dict[str, Any]]:
    """user_service's profiles (id, username, bio, image, version) for these keys, unknown ones
    left out, in one call per 100 keys."""
    keys = [("id", account_id) for account_id in ids] + [("username", name) for name in usernames]
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), MAX_KEYS_PER_LOOKUP):
        found.extend(
            _get("/internal/profiles", keys[start : start + MAX_KEYS_PER_LOOKUP])["profiles"]
        )
    return found


def followed_among(viewer_id: str, account_ids: list[str]) -> set[str]:
    """Which of these accounts the viewer follows (one call)."""
    params = [("id", account_id) for account_id in account_ids]
    return set(_followed(viewer_id, params)) & set(account_ids)


def following_ids(viewer_id: str) -> list[str]:
    """Every account the viewer follows."""
    return _followed(viewer_id, None)


def follow(viewer_id: str, username: str) -> bool:
    """Follow `username` (idempotent); whether the viewer now follows them.
    Unknown user: 404 profile; yourself: 422 profile."""
    return _change_follow("POST", viewer_id, username)


def unfollow(viewer_id: str, username: str) -> bool:
    return _change_follow("DELETE", viewer_id, username)


def _followed(viewer_id: str, params) -> list[str]:
    data = _get(f"/internal/following/{viewer_id}", params)
    return [str(account_id) for account_id in data["ids"]]


def _change_follow(method: str, viewer_id: str, username: str) -> bool:
    path = f"/api/profiles/{requests.utils.quote(username, safe='')}/follow"
    response = upstream.call(SERVICE, method, path, account_id=viewer_id)
    if response.status_code in (404, 422):
        # Unknown user or following yourself: user_service's RealWorld error, passed on as is.
        raise ApiError(response.status_code, response.json()["errors"])
    _raise_for_status(response)
    return bool(upstream.json_body(SERVICE, response)["profile"]["following"])


def _get(path: str, params) -> dict[str, Any]:
    response = upstream.call(SERVICE, "GET", path, params=params)
    _raise_for_status(response)
    return upstream.json_body(SERVICE, response)


def _raise_for_status(response: requests.Response) -> None:
    if response.status_code >= 400:
        # A 4xx here means we sent something wrong: a bug, not an outage; let it be a 500.
        response.raise_for_status()
