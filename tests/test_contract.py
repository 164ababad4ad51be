"""The contract check bites: responses openapi.yml does not allow fail the test that got them.

Each case is a made-up exchange handed to the same hook every gateway client runs
(tests/contract.py); the last test shows the hook is really on the clients the tests use.
"""

import json

import pytest
import requests

from tests.contract import ContractViolation, check_response

AUTHOR = {"username": "ada", "bio": None, "image": None, "following": False}
ARTICLE = {
    "slug": "how-to-train-your-dragon",
    "title": "How to train your dragon",
    "description": "Ever wonder how?",
    "body": "It takes a Jacobian",
    "tagList": ["dragons"],
    "createdAt": "2026-01-02T03:04:05.000Z",
    "updatedAt": "2026-01-02T03:04:05.000Z",
    "favorited": False,
    "favoritesCount": 0,
    "author": AUTHOR,
}
ARTICLE_PATH = f"/api/articles/{ARTICLE['slug']}"


def exchange(method: str, path: str, status: int, body=None, token: str | None = None):
    """A response as requests hands it to a hook: status, JSON body (if any) and its request."""
    headers = {"Authorization": f"Token {token}"} if token else {}
    response = requests.Response()
    response.request = requests.Request(
        method, f"http://127.0.0.1:8080{path}", headers=headers
    ).prepare()
    response.url = response.request.url
    response.status_code = status
    if body is not None:
        response.headers["Content-Type"] = "application/json; charset=utf-8"
        response._content = json.dumps(body).encode()
    else:
        response._content = b""
    return response


@pytest.mark.parametrize(
    "response",
    [
        exchange("GET", ARTICLE_PATH, 200, {"article": ARTICLE}),
        exchange("GET", "/api/articles?q=dragon", 200, {"articles": [], "articlesCount": 0}),
        exchange("DELETE", ARTICLE_PATH, 204, token="t"),
        exchange("GET", "/api/articles/feed", 401, {"errors": {"token": ["is missing"]}}),
        exchange("GET", "/api/profiles/ada", 502, {"errors": {"upstream": ["is unavailable"]}}),
        exchange("PUT", "/api/user", 409, {"errors": {"email": ["has already been taken"]}}, "t"),
        exchange("GET", "/healthz", 500, {"anything": "goes"}),
    ],
    ids=["article", "search", "no-content", "no-token", "gateway-502", "taken", "not-api"],
)
def test_what_the_contract_allows_passes(response):
    check_response(response)


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            exchange("GET", ARTICLE_PATH, 200, {"article": {**ARTICLE, "slug": None}}),
            "article.slug: None is not of type 'string'",
        ),
        (
            exchange(
                "GET",
                ARTICLE_PATH,
                200,
                {"article": {key: value for key, value in ARTICLE.items() if key != "slug"}},
            ),
            "at article: 'slug' is a required property",
        ),
        (
            exchange("GET", "/api/profiles/ada", 200, {"profile": {**AUTHOR, "id": 7}}),
            "at profile: Additional properties are not allowed ('id' was unexpected)",
        ),
        (
            exchange("GET", "/api/tags", 200, {"tags": "dragons"}),
            "at tags: 'dragons' is not of type 'array'",
        ),
        (
            exchange("GET", "/api/articles/feed", 200, {"articles": [], "articlesCount": 0}),
            "the spec calls this request invalid, yet it succeeded",
        ),
        (
            exchange("GET", "/api/tags", 404, {"errors": {"tags": ["not found"]}}),
            "404 is not a status the spec lists for GET /tags (200, 422)",
        ),
        (
            exchange("GET", "/api/profiles/ada", 502, {"error": "bad gateway"}),
            "error envelope: 'errors' is a required property",
        ),
        (
            exchange("DELETE", ARTICLE_PATH, 204, {"article": ARTICLE}, token="t"),
            "the spec gives 204 no body",
        ),
        (
            exchange("GET", "/api/articles/drafts/mine", 200, {"articles": []}),
            "the spec has no such operation",
        ),
    ],
    ids=[
        "wrong-type",
        "missing-slug",
        "extra-field",
        "tags-not-a-list",
        "invalid-request-succeeded",
        "unlisted-status",
        "gateway-error-not-enveloped",
        "body-on-204",
        "unknown-path",
    ],
)
def test_what_the_contract_forbids_fails_with_path_status_and_reason(response, message):
    with pytest.raises(ContractViolation) as violation:
        check_response(response)

    exchanged = f"{response.request.method} {response.request.path_url} -> {response.status_code}"
    assert str(violation.value).startswith(f"{exchanged} breaks openapi.yml:")
    assert message in str(violation.value)


def test_the_api_client_checks_what_the_gateway_answers(api):
    # The gateway answers 404 for an /api path no service serves; the spec has no such path.
    with pytest.raises(ContractViolation, match=r"GET /api/nothing-here -> 404 breaks"):
        api.call("GET", "/nothing-here")
