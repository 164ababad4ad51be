def test_home_page_shows_the_brand(client):
    response = client.get("/")

    assert response.status_code == 200
    assert b'class="navbar-brand" href="/">Titanium</a>' in response.data
