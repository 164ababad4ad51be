import uuid

import pytest

from tests.conftest import as_viewer
from titanium_common.caching import UNCHANGED_HEADER


def test_anonymous_viewer_gets_the_profile_with_following_false(client, url_for, profiles):
    alice = profiles.create(bio="I write", image="https://img.example/a.png")

    response = client.get(url_for("profiles.show", username=alice["username"]))

    assert response.status_code == 200
    assert response.content_type == "application/json; charset=utf-8"
    assert response.get_json() == {
        "profile": {
            "username": alice["username"],
            "bio": "I write",
            "image": "https://img.example/a.png",
            "following": False,
        }
    }


def test_new_profile_has_null_bio_and_image(client, url_for, profiles):
    alice = profiles.create()

    profile = client.get(url_for("profiles.show", username=alice["username"])).get_json()

    assert profile["profile"]["bio"] is None
    assert profile["profile"]["image"] is None


def test_unknown_username_is_404(client, url_for):
    response = client.get(url_for("profiles.show", username="nobody-here"))

    assert response.status_code == 404
    assert response.get_json() == {"errors": {"profile": ["not found"]}}


def test_parked_placeholder_names_are_not_profiles(client, url_for, profiles):
    alice = profiles.create()

    response = client.get(url_for("profiles.show", username=f"~{alice['id']}"))

    assert response.status_code == 404


def test_a_username_with_a_nul_is_400_not_a_database_error(client, url_for):
    response = client.get(url_for("profiles.show", username="a\x00b"))

    assert response.status_code == 400
    assert response.get_json() == {"errors": {"path": ["contains characters that are not allowed"]}}


@pytest.mark.parametrize("method", ["post", "delete"])
def test_follow_without_identity_is_401_even_for_an_unknown_user(client, url_for, method):
    response = getattr(client, method)(url_for("profiles.follow", username="nobody-here"))

    assert response.status_code == 401
    assert response.get_json() == {"errors": {"token": ["is missing"]}}


@pytest.mark.parametrize("method", ["post", "delete"])
def test_follow_of_an_unknown_user_is_404(client, url_for, method):
    response = getattr(client, method)(
        url_for("profiles.follow", username="nobody-here"), headers=as_viewer(uuid.uuid4())
    )

    assert response.status_code == 404
    assert response.get_json() == {"errors": {"profile": ["not found"]}}


@pytest.mark.parametrize("method", ["post", "delete"])
def test_following_yourself_is_422(client, url_for, profiles, method):
    alice = profiles.create()

    response = getattr(client, method)(
        url_for("profiles.follow", username=alice["username"]), headers=as_viewer(alice["id"])
    )

    assert response.status_code == 422
    assert response.get_json() == {"errors": {"profile": ["cannot follow yourself"]}}


def test_malformed_identity_is_an_invalid_token(client, url_for, profiles):
    alice = profiles.create()

    response = client.get(
        url_for("profiles.show", username=alice["username"]), headers=as_viewer("not-a-uuid")
    )

    assert response.status_code == 401
    assert response.get_json() == {"errors": {"token": ["is invalid"]}}


def test_follow_then_unfollow_shows_on_the_very_next_read(client, url_for, profiles):
    alice, bob = profiles.create(), profiles.create()
    follow_url = url_for("profiles.follow", username=bob["username"])
    show_url = url_for("profiles.show", username=bob["username"])
    viewer = as_viewer(alice["id"])

    followed = client.post(follow_url, headers=viewer)
    after_follow = client.get(show_url, headers=viewer).get_json()
    unfollowed = client.delete(follow_url, headers=viewer)
    after_unfollow = client.get(show_url, headers=viewer).get_json()

    assert followed.status_code == 200
    assert followed.get_json()["profile"] == {
        "username": bob["username"],
        "bio": None,
        "image": None,
        "following": True,
    }
    assert after_follow["profile"]["following"] is True
    assert unfollowed.status_code == 200
    assert unfollowed.get_json()["profile"]["following"] is False
    assert after_unfollow["profile"]["following"] is False


def test_follow_and_unfollow_are_idempotent(client, url_for, profiles):
    alice, bob = profiles.create(), profiles.create()
    follow_url = url_for("profiles.follow", username=bob["username"])
    viewer = as_viewer(alice["id"])

    twice_followed = [client.post(follow_url, headers=viewer) for _ in range(2)]
    following = client.get(url_for("internal.following", account_id=alice["id"])).get_json()
    twice_unfollowed = [client.delete(follow_url, headers=viewer) for _ in range(2)]

    assert [r.status_code for r in twice_followed] == [200, 200]
    assert following == {"ids": [bob["id"]]}
    assert [r.get_json()["profile"]["following"] for r in twice_unfollowed] == [False, False]


def test_following_is_per_viewer(client, url_for, profiles):
    alice, bob, carol = profiles.create(), profiles.create(), profiles.create()
    client.post(
        url_for("profiles.follow", username=bob["username"]), headers=as_viewer(alice["id"])
    )

    seen_by_carol = client.get(
        url_for("profiles.show", username=bob["username"]), headers=as_viewer(carol["id"])
    ).get_json()
    seen_anonymously = client.get(url_for("profiles.show", username=bob["username"])).get_json()

    assert seen_by_carol["profile"]["following"] is False
    assert seen_anonymously["profile"]["following"] is False


def test_a_follower_without_a_profile_yet_can_follow(client, url_for, profiles):
    # Their registration event may still be on its way from auth_service.
    newcomer = uuid.uuid4()
    bob = profiles.create()

    response = client.post(
        url_for("profiles.follow", username=bob["username"]), headers=as_viewer(newcomer)
    )
    following = client.get(url_for("internal.following", account_id=str(newcomer))).get_json()

    assert response.status_code == 200
    assert response.get_json()["profile"]["following"] is True
    assert following == {"ids": [bob["id"]]}


def test_follow_and_unfollow_tell_the_gateway_no_page_changed(client, url_for, profiles):
    """Whom someone follows shows only on their own pages, which the edge cache never keeps."""
    alice, bob = profiles.create(), profiles.create()
    follow_url = url_for("profiles.follow", username=bob["username"])

    followed = client.post(follow_url, headers=as_viewer(alice["id"]))
    unfollowed = client.delete(follow_url, headers=as_viewer(alice["id"]))

    assert (followed.status_code, unfollowed.status_code) == (200, 200)
    assert followed.headers[UNCHANGED_HEADER] == unfollowed.headers[UNCHANGED_HEADER] == "1"
