"""RealWorld profiles endpoints through the gateway (CONTRACT.md part 1), on every backend."""


def test_profile_of_a_new_user_is_there_at_once(api):
    user = api.register()

    response = api.call("GET", f"/profiles/{user['username']}")

    assert response.status_code == 200
    assert response.json() == {
        "profile": {"username": user["username"], "bio": None, "image": None, "following": False}
    }


def test_unknown_profile_is_404(api):
    response = api.call("GET", "/profiles/nobody-at-all-here")

    assert response.status_code == 404
    assert response.json() == {"errors": {"profile": ["not found"]}}


def test_follow_and_unfollow_flip_following_for_that_viewer_only(api):
    reader, author = api.register(), api.register()
    path = f"/profiles/{author['username']}"

    followed = api.call("POST", f"{path}/follow", reader["token"])
    seen_by_reader = api.call("GET", path, reader["token"]).json()["profile"]
    seen_anonymously = api.call("GET", path).json()["profile"]
    unfollowed = api.call("DELETE", f"{path}/follow", reader["token"])

    assert followed.status_code == 200 and followed.json()["profile"]["following"] is True
    assert seen_by_reader["following"] is True
    assert seen_anonymously["following"] is False
    assert unfollowed.status_code == 200 and unfollowed.json()["profile"]["following"] is False


def test_follow_is_idempotent(api):
    reader, author = api.register(), api.register()
    path = f"/profiles/{author['username']}/follow"

    api.call("POST", path, reader["token"])
    again = api.call("POST", path, reader["token"])

    assert again.json()["profile"]["following"] is True


def test_follow_without_a_token_is_401_even_for_an_unknown_user(api):
    for method in ("POST", "DELETE"):
        response = api.call(method, "/profiles/nobody-at-all-here/follow")
        assert response.status_code == 401
        assert response.json() == {"errors": {"token": ["is missing"]}}


def test_follow_of_an_unknown_user_with_a_token_is_404(api):
    reader = api.register()

    response = api.call("POST", "/profiles/nobody-at-all-here/follow", reader["token"])

    assert response.status_code == 404
    assert response.json() == {"errors": {"profile": ["not found"]}}


def test_following_yourself_is_422(api):
    user = api.register()

    response = api.call("POST", f"/profiles/{user['username']}/follow", user["token"])

    assert response.status_code == 422
    assert response.json() == {"errors": {"profile": ["cannot follow yourself"]}}


def test_bio_and_image_set_through_the_user_endpoint_show_on_the_profile(api):
    user = api.register()

    api.call(
        "PUT",
        "/user",
        user["token"],
        json={"user": {"bio": "Poet", "image": "https://img.test/p.png"}},
    )

    profile = api.call("GET", f"/profiles/{user['username']}").json()["profile"]
    assert (profile["bio"], profile["image"]) == ("Poet", "https://img.test/p.png")


def test_renaming_a_user_renames_the_profile(api):
    user = api.register()
    new_name = "renamed" + user["username"]

    api.call("PUT", "/user", user["token"], json={"user": {"username": new_name}})

    assert api.call("GET", f"/profiles/{new_name}").status_code == 200
    assert api.call("GET", f"/profiles/{user['username']}").status_code == 404
