"""Profile pages: user info, tabs, follow (CONTRACT 2.3, 2.5, 2.8)."""


def test_own_profile_has_one_h4_the_settings_link_and_no_follow(client, people, sign_in):
    me = sign_in(people("self"))

    html = client.get(f"/profile/{me.username}").data
    info = html.split(b'<div class="user-info">')[1].split(b'<div class="container page">')[0]

    assert info.count(b"<h4>") == 1 and info.count(b"<p>") == 1
    assert b"<p></p>" in info  # null bio
    assert (
        b'href="/settings"><i class="ion-gear-a" aria-hidden="true"></i> Edit Profile Settings</a>'
        in info
    )
    assert b"Follow" not in html
    assert b"default-avatar.svg" in info
    assert b'class="nav-link active" href="/profile/' in html  # My Articles tab


def test_other_profile_shows_follow_and_their_articles(client, people, write, sign_in):
    author = people("poet", bio="Writes <b>verse</b>")
    article = write(author)
    sign_in(people("reader"))

    html = client.get(f"/profile/{author.username}").data

    assert f"Follow {author.username}".encode() in html
    assert html.count(b"Follow ") == 1
    assert b"<p>Writes &lt;b&gt;verse&lt;/b&gt;</p>" in html
    assert article.slug.encode() in html


def test_follow_and_unfollow(client, people, sign_in, user_service):
    author = people("followee")
    reader = sign_in(people("follower"))

    followed = client.post(f"/profile/{author.username}/follow")
    after_follow = client.get(f"/profile/{author.username}").data
    swapped = client.post(f"/profile/{author.username}/unfollow", headers={"HX-Request": "true"})

    assert followed.status_code == 303
    assert f"Unfollow {author.username}".encode() in after_follow
    assert b"btn-secondary" in after_follow
    assert f'hx-swap-oob="outerHTML:.follow-{author.id}"'.encode() in swapped.data
    assert f"Follow {author.username}".encode() in swapped.data
    assert (reader.id, author.id) not in user_service.follows


def test_a_full_page_follow_and_unfollow_say_so(client, people, sign_in):
    author = people("followee")
    sign_in(people("follower"))

    client.post(f"/profile/{author.username}/follow")
    assert (
        f"You follow {author.username}.".encode() in client.get(f"/profile/{author.username}").data
    )
    client.post(f"/profile/{author.username}/unfollow")
    page = client.get(f"/profile/{author.username}").data
    assert f"You no longer follow {author.username}.".encode() in page


def test_the_favorites_tab_lists_what_they_favorited(client, people, write, sign_in):
    article = write(people("author"))
    fan = sign_in(people("fan"))
    client.post(f"/article/{article.slug}/favorite")

    html = client.get(f"/profile/{fan.username}/favorites").data

    assert article.slug.encode() in html
    assert f'class="nav-link active" href="/profile/{fan.username}/favorites"'.encode() in html


def test_profile_tabs_answer_htmx_with_the_list_only(client, people):
    author = people("tabs")

    partial = client.get(f"/profile/{author.username}/favorites", headers={"HX-Request": "true"})

    assert partial.data.startswith(
        f"<title>Favorited by {author.username} · Titanium</title>".encode()
        + b'<section id="profile-articles"'
    )


def test_an_unknown_profile_is_a_404_inside_profile_page(client):
    response = client.get("/profile/nobody-by-this-name")

    assert response.status_code == 404
    assert b'<div class="profile-page error-page">' in response.data


def test_a_custom_avatar_is_used_as_given_and_other_schemes_are_not(client, people, write):
    good = people("pictured", image="https://img.example.test/a.png")
    bad = people("sneaky", image="javascript:alert(1)")

    good_html = client.get(f"/profile/{good.username}").data
    bad_html = client.get(f"/profile/{bad.username}").data

    assert b'<img class="user-img" src="https://img.example.test/a.png"' in good_html
    assert b'<img class="user-img" src="/static/default-avatar.svg"' in bad_html
