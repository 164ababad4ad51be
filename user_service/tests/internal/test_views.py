import uuid

import pytest

from tests.conftest import as_viewer, unique_name
from user_service.internal.views import MAX_LOOKUP_KEYS

NOT_ALLOWED = ["contains characters that are not allowed"]
TOO_LONG = ["is too long (maximum is 1000 characters)"]


def put_profile(client, url_for, account_id, body):
    return client.put(url_for("internal.put_profile", account_id=str(account_id)), json=body)


def lookup(client, url_for, headers=None, **keys):
    return client.get(url_for("internal.lookup_profiles", **keys), headers=headers or {})


def show(client, url_for, username):
    return client.get(url_for("profiles.show", username=username))


# --- PUT /internal/profiles/<account_id> -------------------------------------------------


def test_first_snapshot_creates_the_profile(client, url_for):
    account_id, username = uuid.uuid4(), unique_name()

    response = put_profile(
        client,
        url_for,
        account_id,
        {"profile": {"username": username, "bio": None, "image": None, "version": 1}},
    )

    assert response.status_code == 200
    assert response.get_json() == {
        "profile": {
            "id": str(account_id),
            "username": username,
            "bio": None,
            "image": None,
            "version": 1,
        }
    }
    assert show(client, url_for, username).status_code == 200


def test_empty_bio_and_image_are_stored_as_null(client, url_for, profiles):
    account_id, username = uuid.uuid4(), unique_name()

    stored = profiles.put(account_id, username, 1, bio="", image="  ")

    assert stored["bio"] is None
    assert stored["image"] is None


def test_same_or_older_version_changes_nothing(client, url_for, profiles):
    account_id, username = uuid.uuid4(), unique_name()
    profiles.put(account_id, username, 1)
    profiles.put(account_id, username, 3, bio="third")

    replayed = profiles.put(account_id, username, 3, bio="replayed third")
    older = profiles.put(account_id, unique_name(), 2, bio="second")

    expected = {
        "id": str(account_id),
        "username": username,
        "bio": "third",
        "image": None,
        "version": 3,
    }
    assert replayed == expected
    assert older == expected
    assert show(client, url_for, username).get_json()["profile"]["bio"] == "third"


def test_newer_version_replaces_the_whole_snapshot(client, url_for, profiles):
    account_id, old_name, new_name = uuid.uuid4(), unique_name(), unique_name()
    profiles.put(account_id, old_name, 1, bio="bio", image="https://img.example/a.png")

    stored = profiles.put(account_id, new_name, 2, bio=None, image=None)

    assert stored == {
        "id": str(account_id),
        "username": new_name,
        "bio": None,
        "image": None,
        "version": 2,
    }
    assert show(client, url_for, old_name).status_code == 404
    assert show(client, url_for, new_name).status_code == 200


def test_renames_that_swap_usernames_converge_in_any_order(client, url_for, profiles):
    # In auth_service: a renames to a temporary name (a v2), b takes a's name (b v2),
    # a takes b's old name (a v3). Here the events arrive in the worst order.
    a, b = uuid.uuid4(), uuid.uuid4()
    name_a, name_b, temporary = unique_name("a"), unique_name("b"), unique_name("tmp")
    profiles.put(a, name_a, 1)
    profiles.put(b, name_b, 1)

    parked = profiles.put(b, name_a, 2)  # a still holds name_a here: a is parked
    a_during = lookup(client, url_for, id=[str(a)]).get_json()["profiles"]
    profiles.put(a, name_b, 3)
    profiles.put(a, temporary, 2)  # stale: ignored

    assert parked["username"] == name_a
    assert a_during[0]["username"] == f"~{a}"
    found = lookup(client, url_for, id=[str(a), str(b)]).get_json()["profiles"]
    assert {p["id"]: p["username"] for p in found} == {str(a): name_b, str(b): name_a}
    assert show(client, url_for, name_b).get_json()["profile"]["username"] == name_b
    assert show(client, url_for, temporary).status_code == 404


def test_a_parked_profile_gets_its_name_back_when_a_stale_claim_moves_on(client, url_for, profiles):
    # In auth_service: a registers "x" then renames to "y"; then b registers "x".
    # Here b's registration arrives before a's stale registration, which parks b.
    a, b = uuid.uuid4(), uuid.uuid4()
    x, y = unique_name("x"), unique_name("y")
    profiles.put(b, x, 1)
    profiles.put(a, x, 1)

    profiles.put(a, y, 2)

    found = lookup(client, url_for, id=[str(a), str(b)]).get_json()["profiles"]
    assert {p["id"]: p["username"] for p in found} == {str(a): y, str(b): x}


def test_a_parked_profile_keeps_its_bio_and_takes_a_new_name(client, url_for, profiles):
    a, b = uuid.uuid4(), uuid.uuid4()
    x, z = unique_name("x"), unique_name("z")
    profiles.put(a, x, 1, bio="a's bio")
    profiles.put(b, x, 2)  # parks a

    profiles.put(a, z, 2, bio="a's bio")

    assert show(client, url_for, z).get_json()["profile"]["bio"] == "a's bio"
    found = lookup(client, url_for, id=[str(b)]).get_json()["profiles"]
    assert found[0]["username"] == x


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"profile": ["can't be blank"]}),
        ({"profile": "x"}, {"profile": ["can't be blank"]}),
        ({"profile": {"version": 1}}, {"username": ["can't be blank"]}),
        ({"profile": {"username": " ", "version": 1}}, {"username": ["can't be blank"]}),
        ({"profile": {"username": 7, "version": 1}}, {"username": ["is invalid"]}),
        ({"profile": {"username": "~sneaky", "version": 1}}, {"username": ["is invalid"]}),
        ({"profile": {"username": "u"}}, {"version": ["can't be blank"]}),
        ({"profile": {"username": "u", "version": "2"}}, {"version": ["is invalid"]}),
        ({"profile": {"username": "u", "version": True}}, {"version": ["is invalid"]}),
        ({"profile": {"username": "u", "version": 0}}, {"version": ["is invalid"]}),
        ({"profile": {"username": "u", "version": 2**31}}, {"version": ["is invalid"]}),
        ({"profile": {"username": "a\x00b", "version": 1}}, {"username": NOT_ALLOWED}),
        ({"profile": {"username": "u", "version": 1, "bio": "\x00"}}, {"bio": NOT_ALLOWED}),
        ({"profile": {"username": "u", "version": 1, "bio": "x" * 1001}}, {"bio": TOO_LONG}),
        ({"profile": {"username": "u", "version": 1, "bio": 5}}, {"bio": ["is invalid"]}),
        ({"profile": {"username": "u", "version": 1, "image": []}}, {"image": ["is invalid"]}),
        (
            {"profile": {"bio": 5, "version": "x"}},
            {"username": ["can't be blank"], "bio": ["is invalid"], "version": ["is invalid"]},
        ),
    ],
)
def test_bad_snapshot_is_422(client, url_for, body, errors):
    response = put_profile(client, url_for, uuid.uuid4(), body)

    assert response.status_code == 422
    assert response.get_json() == {"errors": errors}


def test_malformed_json_is_422(client, url_for):
    response = client.put(
        url_for("internal.put_profile", account_id=str(uuid.uuid4())),
        data="{not json",
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.get_json() == {"errors": {"body": ["is invalid"]}}


def test_account_id_must_be_a_uuid(client, url_for):
    response = put_profile(
        client, url_for, "42", {"profile": {"username": unique_name(), "version": 1}}
    )

    assert response.status_code == 422
    assert response.get_json() == {"errors": {"id": ["is invalid"]}}


# --- GET /internal/profiles -----------------------------------------------------------


def test_batch_lookup_by_ids_and_usernames_with_following_flags(client, url_for, profiles):
    viewer, alice, bob, carol = (profiles.create(bio=f"bio {i}") for i in range(4))
    client.post(
        url_for("profiles.follow", username=bob["username"]), headers=as_viewer(viewer["id"])
    )

    response = lookup(
        client,
        url_for,
        headers=as_viewer(viewer["id"]),
        id=[alice["id"], bob["id"], str(uuid.uuid4())],
        username=[carol["username"], "nobody-here", alice["username"]],
    )

    assert response.status_code == 200
    assert response.get_json() == {
        "profiles": [
            {
                "id": p["id"],
                "username": p["username"],
                "bio": p["bio"],
                "image": None,
                "following": p is bob,
                "version": 1,
            }
            for p in (alice, bob, carol)
        ]
    }


def test_batch_lookup_is_anonymous_without_a_viewer(client, url_for, profiles):
    viewer, bob = profiles.create(), profiles.create()
    client.post(
        url_for("profiles.follow", username=bob["username"]), headers=as_viewer(viewer["id"])
    )

    found = lookup(client, url_for, id=[bob["id"]]).get_json()["profiles"]

    assert found[0]["following"] is False


def test_batch_lookup_without_keys_is_empty(client, url_for):
    assert lookup(client, url_for).get_json() == {"profiles": []}


def test_batch_lookup_accepts_100_keys_and_refuses_more(client, url_for, profiles):
    alice = profiles.create()
    ids = [alice["id"]] + [str(uuid.uuid4()) for _ in range(MAX_LOOKUP_KEYS - 2)]

    at_cap = lookup(client, url_for, id=ids, username=["someone"])
    over_cap = lookup(client, url_for, id=ids, username=["someone", "someone-else"])

    assert MAX_LOOKUP_KEYS == 100
    assert at_cap.status_code == 200
    assert [p["id"] for p in at_cap.get_json()["profiles"]] == [alice["id"]]
    assert over_cap.status_code == 422
    assert over_cap.get_json() == {"errors": {"query": ["has too many keys (maximum is 100)"]}}


def test_batch_lookup_of_an_impossible_username_finds_nothing(client, url_for):
    response = lookup(client, url_for, username=["~placeholder"])

    assert response.status_code == 200
    assert response.get_json() == {"profiles": []}


def test_batch_lookup_of_a_username_with_a_nul_is_400(client, url_for):
    response = lookup(client, url_for, username=["a\x00b"])

    assert response.status_code == 400
    assert response.get_json() == {"errors": {"query": NOT_ALLOWED}}


def test_batch_lookup_rejects_a_malformed_id(client, url_for):
    response = lookup(client, url_for, id=["not-a-uuid"])

    assert response.status_code == 422
    assert response.get_json() == {"errors": {"id": ["is invalid"]}}


# --- GET /internal/following/<account_id> ---------------------------------------------


def test_following_lists_followed_ids(client, url_for, profiles):
    alice, bob, carol = profiles.create(), profiles.create(), profiles.create()
    for followee in (bob, carol):
        client.post(
            url_for("profiles.follow", username=followee["username"]),
            headers=as_viewer(alice["id"]),
        )

    response = client.get(url_for("internal.following", account_id=alice["id"]))

    assert response.status_code == 200
    assert sorted(response.get_json()["ids"]) == sorted([bob["id"], carol["id"]])


def test_following_of_someone_who_follows_nobody_is_empty(client, url_for):
    response = client.get(url_for("internal.following", account_id=str(uuid.uuid4())))

    assert response.get_json() == {"ids": []}


def test_following_among_given_ids_says_which_are_followed(client, url_for, profiles):
    alice, bob, carol = profiles.create(), profiles.create(), profiles.create()
    client.post(
        url_for("profiles.follow", username=bob["username"]), headers=as_viewer(alice["id"])
    )

    response = client.get(
        url_for("internal.following", account_id=alice["id"], id=[bob["id"], carol["id"]])
    )

    assert response.get_json() == {"ids": [bob["id"]]}


def test_following_among_refuses_a_malformed_or_excessive_key_list(client, url_for):
    alice = str(uuid.uuid4())
    many = [str(uuid.uuid4()) for _ in range(MAX_LOOKUP_KEYS + 1)]

    malformed = client.get(url_for("internal.following", account_id=alice, id=["nope"]))
    excessive = client.get(url_for("internal.following", account_id=alice, id=many))

    assert malformed.status_code == 422 and malformed.get_json() == {
        "errors": {"id": ["is invalid"]}
    }
    assert excessive.status_code == 422
