"""Edge-case input to every public route, through the gateway on the running stack: NUL, lone
surrogates, control characters, overlong fields, deep JSON, huge bodies, odd paths. Every one is
a clear 4xx (a RealWorld error on the API, an inline message on a form), never a 5xx."""

import concurrent.futures
import json

import pytest
import requests

from tests.support import Api, unique
from tests.web import Browser

NOT_ALLOWED = "contains characters that are not allowed"
# As JSON escapes: what a client can send however its JSON library encodes strings.
REFUSED = {"nul": "\\u0000", "lone surrogate": "\\ud800", "escape": "\\u001b[2J", "bell": "\\u0007"}
REFUSED_IN_URLS = ("%00", "%01", "%1B", "%7F")


def json_body(wrapper: str, fields: dict[str, str]) -> bytes:
    """A JSON body whose values are raw JSON text (escapes kept as the client wrote them)."""
    members = ", ".join(f'"{name}": {value}' for name, value in fields.items())
    return f'{{"{wrapper}": {{{members}}}}}'.encode()


def quoted(text: str) -> str:
    return f'"{text}"'


def send(api, method: str, path: str, token: str | None = None, body: bytes | None = None):
    return api.call(method, path, token, data=body, headers={"Content-Type": "application/json"})


def assert_realworld_4xx(response, status: int | None = None) -> dict:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    if status is not None:
        assert response.status_code == status, response.text[:300]
    errors = response.json()["errors"]
    assert errors and all(
        isinstance(messages, list) and all(isinstance(m, str) for m in messages)
        for messages in errors.values()
    ), errors
    return errors


@pytest.fixture(scope="module")
def writer(stack):
    api = Api(stack.url)
    user = api.register()
    article = api.create_article(user["token"])
    return {"user": user, "slug": article["slug"]}


# --- paths and queries: every anonymous read route -----------------------------------------

READ_ROUTES = [
    "/article/{}",
    "/tag/{}",
    "/profile/{}",
    "/profile/{}/feed.xml",
    "/tag/{}/feed.xml",
    "/search?q={}",
    "/?tag={}",
    "/api/articles?tag={}",
    "/api/articles?author={}",
    "/api/articles?favorited={}",
    "/api/profiles/{}",
    "/api/articles/{}",
    "/api/articles/{}/comments",
    "/api/tags?x={}",
    "/feed.xml?x={}",
    "/sitemap.xml?x={}",
]


@pytest.mark.parametrize("character", REFUSED_IN_URLS)
@pytest.mark.parametrize("route", READ_ROUTES)
def test_refused_characters_in_a_path_or_query_are_400(stack, route, character):
    response = requests.get(stack.url + route.format(f"a{character}b"), timeout=10)

    assert response.status_code == 400, response.text[:300]
    assert response.json() == {"errors": {"query" if "?" in route else "path": [NOT_ALLOWED]}}


@pytest.mark.parametrize("route", READ_ROUTES)
@pytest.mark.parametrize("odd", ["%ED%A0%80", "%FF%FE", "..%2F..%2Fetc", "x" * 5000, "%25%30%30"])
def test_odd_paths_and_queries_are_never_a_5xx(stack, route, odd):
    response = requests.get(stack.url + route.format(odd), timeout=10)

    assert response.status_code < 500, (route, odd, response.status_code, response.text[:300])


# --- JSON bodies: every field of every write -------------------------------------------------


@pytest.mark.parametrize("kind", REFUSED)
@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_sign_up_refuses_characters_in_every_field(api, kind, field):
    suffix = unique("e")
    fields = {
        "username": quoted(suffix),
        "email": quoted(f"{suffix}@example.test"),
        "password": quoted("correct horse battery"),
        field: quoted(f"a{REFUSED[kind]}b"),
    }

    response = send(api, "POST", "/users", body=json_body("user", fields))

    assert assert_realworld_4xx(response, 422) == {field: [NOT_ALLOWED]}


@pytest.mark.parametrize("kind", REFUSED)
def test_sign_in_refuses_characters(api, kind):
    fields = {"email": quoted(f"a{REFUSED[kind]}@example.test"), "password": quoted("x" * 8)}

    response = send(api, "POST", "/users/login", body=json_body("user", fields))

    assert assert_realworld_4xx(response, 422) == {"email": [NOT_ALLOWED]}


@pytest.mark.parametrize("kind", REFUSED)
@pytest.mark.parametrize("field", ["email", "username", "bio", "image", "password"])
def test_settings_refuse_characters_in_every_field(api, writer, kind, field):
    body = json_body("user", {field: quoted(f"a{REFUSED[kind]}b")})

    response = send(api, "PUT", "/user", writer["user"]["token"], body)

    assert assert_realworld_4xx(response, 422) == {field: [NOT_ALLOWED]}


ARTICLE = {"title": quoted("t"), "description": quoted("d"), "body": quoted("b")}


@pytest.mark.parametrize("kind", REFUSED)
@pytest.mark.parametrize("field", ["title", "description", "body", "tagList"])
def test_articles_refuse_characters_in_every_field(api, writer, kind, field):
    value = quoted(f"a{REFUSED[kind]}b")
    fields = {**ARTICLE, field: f"[{value}]" if field == "tagList" else value}
    token = writer["user"]["token"]

    created = send(api, "POST", "/articles", token, json_body("article", fields))
    updated = send(
        api,
        "PUT",
        f"/articles/{writer['slug']}",
        token,
        json_body("article", {field: fields[field]}),
    )

    for response in (created, updated):
        assert assert_realworld_4xx(response, 422) == {field: [NOT_ALLOWED]}


@pytest.mark.parametrize("kind", REFUSED)
def test_comments_refuse_characters(api, writer, kind):
    body = json_body("comment", {"body": quoted(f"a{REFUSED[kind]}b")})

    response = send(
        api, "POST", f"/articles/{writer['slug']}/comments", writer["user"]["token"], body
    )

    assert assert_realworld_4xx(response, 422) == {"body": [NOT_ALLOWED]}


LIMITS = [
    ("POST", "/articles", "article", "title", 200),
    ("POST", "/articles", "article", "description", 300),
    ("POST", "/articles", "article", "body", 100_000),
    ("PUT", "/user", "user", "bio", 1000),
    ("PUT", "/user", "user", "image", 2000),
    ("PUT", "/user", "user", "username", 64),
]


@pytest.mark.parametrize(("method", "path", "wrapper", "field", "limit"), LIMITS)
def test_a_field_over_its_limit_is_422_naming_the_limit(
    api, writer, method, path, wrapper, field, limit
):
    fields = {**(ARTICLE if wrapper == "article" else {}), field: quoted("x" * (limit + 1))}

    response = send(api, method, path, writer["user"]["token"], json_body(wrapper, fields))

    assert assert_realworld_4xx(response, 422) == {
        field: [f"is too long (maximum is {limit} characters)"]
    }


def test_comments_and_tags_have_limits(api, writer):
    token = writer["user"]["token"]
    comment = send(
        api,
        "POST",
        f"/articles/{writer['slug']}/comments",
        token,
        json_body("comment", {"body": quoted("x" * 5001)}),
    )
    many_tags = send(
        api,
        "POST",
        "/articles",
        token,
        json_body("article", {**ARTICLE, "tagList": json.dumps([f"t{n}" for n in range(11)])}),
    )
    long_tag = send(
        api,
        "POST",
        "/articles",
        token,
        json_body("article", {**ARTICLE, "tagList": '["' + "x" * 31 + '"]'}),
    )

    assert assert_realworld_4xx(comment, 422) == {
        "body": ["is too long (maximum is 5000 characters)"]
    }
    assert assert_realworld_4xx(many_tags, 422) == {
        "tagList": ["has too many tags (maximum is 10)"]
    }
    assert assert_realworld_4xx(long_tag, 422) == {
        "tagList": ["is too long (maximum is 30 characters)"]
    }


@pytest.mark.parametrize(
    ("path", "depth", "status"),
    [("/articles", 100_000, 422), ("/users", 10_000, 422), ("/users", 100_000, 413)],
)
def test_deeply_nested_json_is_a_4xx_never_a_recursion_error(stack, writer, path, depth, status):
    body = b'{"x": ' + b"[" * depth + b"]" * depth + b"}"

    # Not through the contract check: its own JSON parser would overflow on this request.
    response = requests.post(
        f"{stack.url}/api{path}",
        data=body,
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Token {writer['user']['token']}",
        },
        timeout=10,
    )

    errors = assert_realworld_4xx(response, status)
    assert errors == (
        {"body": ["is nested too deeply"]} if status == 422 else {"body": ["is too large"]}
    )


# --- body sizes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "size"),
    [("/users", 64 * 1024 + 1), ("/articles", 2 * 1024 * 1024 + 1), ("/articles", 10 << 20)],
)
def test_a_body_over_the_limit_is_413_from_the_gateway(api, writer, path, size):
    body = b'{"article": {"body": "' + b"x" * size + b'"}}'

    response = send(api, "POST", path, writer["user"]["token"], body)

    assert assert_realworld_4xx(response, 413) == {"body": ["is too large"]}


def test_a_chunked_body_over_the_limit_is_413(stack, writer):
    def chunks():
        for _ in range(80):
            yield b"x" * 1024

    response = requests.post(
        f"{stack.url}/api/users",
        data=chunks(),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )

    assert response.status_code == 413
    assert response.json() == {"errors": {"body": ["is too large"]}}


def test_oversized_bodies_never_cost_a_bystander_a_502(stack):
    """Many oversized sign-ups and ordinary reads at once, on the gateway's pooled upstream
    connections: every oversized one is a 413, every read a 200."""

    def oversized(_):
        return requests.post(
            f"{stack.url}/api/users", data=b"x" * (100 * 1024), timeout=10
        ).status_code

    def bystander(_):
        return requests.get(f"{stack.url}/api/tags", timeout=10).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        refused = list(pool.map(oversized, range(60)))
        served = list(pool.map(bystander, range(60)))

    assert set(refused) == {413}
    assert set(served) == {200}


def test_an_article_of_the_longest_allowed_body_is_accepted(api, writer):
    body = "é" * 100_000  # 200 kB of UTF-8, 600 kB as JSON escapes

    response = api.call(
        "POST",
        "/articles",
        writer["user"]["token"],
        json={"article": {"title": unique("Long "), "description": "d", "body": body}},
    )

    assert response.status_code == 201, response.text[:300]


# --- web forms: inline messages ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "nul \x00 here"}, f"title {NOT_ALLOWED}"),
        ({"description": "bell \x07"}, f"description {NOT_ALLOWED}"),
        ({"title": "x" * 201}, "title is too long (maximum is 200 characters)"),
    ],
)
def test_the_editor_shows_refused_and_overlong_fields_inline(stack, fields, message):
    browser = Browser(stack.url)
    browser.register()

    response = browser.submit(
        "/editor",
        "/editor",
        **{"title": unique("T "), "description": "d", "body": "b", **fields},
        button=("action", "publish"),
    )

    assert response.status_code == 422, response.text[:300]
    assert message in response.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("bio", "nul \x00", f"bio {NOT_ALLOWED}"),
        ("bio", "x" * 1001, "bio is too long (maximum is 1000 characters)"),
        ("image", "https://img.test/\x1b", f"image {NOT_ALLOWED}"),
    ],
)
def test_settings_show_refused_and_overlong_fields_inline(stack, field, value, message):
    browser = Browser(stack.url)
    browser.register()

    response = browser.submit("/settings", "/settings", **{field: value})

    assert 400 <= response.status_code < 500, response.text[:300]
    assert message in response.text
