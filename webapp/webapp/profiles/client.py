"""Author profiles and follows, asked of user_service (their owner) through webapp.upstream."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests

from titanium_common.api import ApiError
from webapp import upstream

SERVICE = "user_service"
# user_service answers at most this many keys per lookup.
MAX_KEYS_PER_LOOKUP = 100


@dataclass(frozen=True)
class Profile:
    id: str
    username: str
    bio: str | None
    image: str | None
    following: bool

    def public(self) -> dict[str, Any]:
        """The RealWorld Profile object."""
        return {
            "username": self.username,
            "bio": self.bio,
            "image": self.image,
            "following": self.following,
        }

    @classmethod
    def placeholder(cls, account_id) -> "Profile":
        """For an author whose profile has not reached user_service yet (or is gone)."""
        return cls(id=str(account_id), username="unknown", bio=None, image=None, following=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Profile":
        return cls(
            id=str(data["id"]),
            username=data["username"],
            bio=data.get("bio"),
            image=data.get("image"),
            following=bool(data.get("following", False)),
        )


def profiles_by_ids(ids: Iterable[str], viewer_id: str | None) -> dict[str, Profile]:
    """The profiles of these accounts (unknown ids are left out), in one call per 100 ids."""
    unique = list(dict.fromkeys(str(account_id) for account_id in ids))
    found: dict[str, Profile] = {}
    for start in range(0, len(unique), MAX_KEYS_PER_LOOKUP):
        chunk = unique[start : start + MAX_KEYS_PER_LOOKUP]
        for profile in _lookup([("id", account_id) for account_id in chunk], viewer_id):
            found[profile.id] = profile
    return found


def profile_by_username(username: str, viewer_id: str | None) -> Profile | None:
    profiles = _lookup([("username", username)], viewer_id)
    return profiles[0] if profiles else None


def following_ids(viewer_id: str) -> list[str]:
    return [str(account_id) for account_id in _get(f"/internal/following/{viewer_id}")["ids"]]


def follow(viewer_id: str, username: str) -> Profile:
    """Follow `username` (idempotent). Unknown user: 404 profile; yourself: 422 profile."""
    return _change_follow("POST", viewer_id, username)


def unfollow(viewer_id: str, username: str) -> Profile:
    return _change_follow("DELETE", viewer_id, username)


def _change_follow(method: str, viewer_id: str, username: str) -> Profile:
    path = f"/api/profiles/{requests.utils.quote(username, safe='')}/follow"
    response = _request(method, path, viewer_id=viewer_id)
    if response.status_code in (404, 422):
        # Unknown user or following yourself: user_service's RealWorld error, passed on as is.
        raise ApiError(response.status_code, response.json()["errors"])
    _raise_for_status(response)
    # The public API's profile has no id; the internal lookup gives the whole Profile.
    profile = profile_by_username(response.json()["profile"]["username"], viewer_id)
    if profile is None:
        raise ApiError.one(404, "profile", "not found")
    return profile


def _lookup(params: list[tuple[str, str]], viewer_id: str | None) -> list[Profile]:
    data = _get("/internal/profiles", params=params, viewer_id=viewer_id)
    return [Profile.from_json(item) for item in data["profiles"]]


def _get(path: str, params=None, viewer_id: str | None = None) -> dict[str, Any]:
    response = _request("GET", path, params=params, viewer_id=viewer_id)
    _raise_for_status(response)
    return upstream.json_body(SERVICE, response)


def _request(method: str, path: str, *, params=None, viewer_id: str | None = None):
    return upstream.call(SERVICE, method, path, params=params, account_id=viewer_id)


def _raise_for_status(response: requests.Response) -> None:
    if response.status_code >= 400:
        # A 4xx here means we sent something wrong: a bug, not an outage; let it be a 500.
        response.raise_for_status()
