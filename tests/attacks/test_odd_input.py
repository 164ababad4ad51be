"""The edge-case input corpus: strings no form would send (NUL, lone surrogates, control and
bidi characters, a hundred thousand characters, markup, template and SQL syntax, header
injection), values of the wrong JSON type, and bodies that are not what they say (too deep, too
big, not JSON, not UTF-8). Put in every field of every write and every query parameter, through
the gateway: the answer is never a 5xx; a refusal is 4xx in the RealWorld error envelope; what
is accepted reads back and renders on its page."""

import json
from urllib.parse import quote

import pytest
import requests

from tests.support import unique

STRINGS = {
    "empty": "",
    "spaces": "   ",
    "NUL": "a\x00b",
    "only NUL": "\x00",
    "lone high surrogate": "a\ud800b",
    "lone low surrogate": "\udfff",
    "C0 controls": "a\x01\x02\x07\x08\x0b\x0c\x1b\x1fb",
    "DEL and C1": "a\x7f\x85\x9fb",
    "CR LF header injection": "a\r\nSet-Cookie: pwned=1\r\n\r\nb",
    "bidi override": "abc\u202edcba\u202c",
    "zero width and BOM": "\ufeffa\u200b\u200db\u2060",
    "combining marks": "e\u0301" + "\u0301" * 200,
    "emoji sequences": "\U0001f469\U0001f3fd\u200d\U0001f4bb\U0001f3f3\ufe0f\u200d\U0001f308" * 20,
    "fullwidth": "\uff54\uff49\uff54\uff4c\uff45",
    "non-characters": "\ufffe\uffff\U0010ffff",
    "100k characters": "x" * 100_000,
    "markup": '<script>alert(1)</script><img src=x onerror="alert(2)">',
    "template syntax": "{{7*7}}${7*7}<%= 7*7 %>{% raw %}",
    "SQL": "' OR '1'='1'; DROP TABLE articles; --",
    "path traversal": "../../../../etc/passwd%00",
    "percent and plus": "%00%2F%2e%2e+%u0000",
    "a number as text": "1e309",
}
WRONG_TYPES = {
    "null": None,
    "number": 1,
    "huge number": 10**400,
    "float": 1.5,
    "boolean": True,
    "list": ["a"],
    "object": {"a": "b"},
    "deep list": json.loads("[" * 50 + "]" * 50),
}
VALUES = {**STRINGS, **WRONG_TYPES}


def answer_problems(response: requests.Response) -> list[str]:
    """What is wrong with an answer to odd input: a 5xx, or a 4xx that is not a RealWorld
    error envelope."""
    if response.status_code >= 500:
        return [f"{response.status_code}: {response.text[:200]}"]
    if response.status_code >= 400:
        try:
            errors = response.json()["errors"]
        except (ValueError, KeyError, TypeError):
            return [f"{response.status_code} without the error envelope: {response.text[:200]}"]
        if not isinstance(errors, dict) or not all(
            isinstance(messages, list) for messages in errors.values()
        ):
            return [f"{response.status_code} malformed errors: {errors!r}"[:300]]
    return []


class Probe:
    """Sends JSON to the gateway and keeps every problem it sees, labelled."""

    def __init__(self, stack, token: str):
        self.base = f"{stack.url}/api"
        self.token = token
        self.session = requests.Session()
        self.problems: list[str] = []

    def send(self, label: str, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Token {self.token}", **kwargs.pop("headers", {})}
        response = self.session.request(
            method, self.base + path, headers=headers, timeout=30, **kwargs
        )
        self.problems += [f"{label}: {problem}" for problem in answer_problems(response)]
        return response

    def page(self, label: str, path: str) -> None:
        response = self.session.get(self.base.removesuffix("/api") + path, timeout=30)
        if response.status_code >= 500:
            self.problems.append(f"{label}: page {path} answered {response.status_code}")


def url_encoded(text: str) -> str:
    """Percent-encoded UTF-8, lone surrogates included (as a careless client would send them)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def article_fields(value) -> list[tuple[str, str, object]]:
    """(label, field, what the field gets) for each field of an article."""
    return [
        *((f"article.{name}", name, value) for name in ("title", "description", "body")),
        ("article.tagList", "tagList", value),
        ("article.tagList[0]", "tagList", [value]),
    ]


@pytest.mark.parametrize("value", VALUES.values(), ids=VALUES.keys())
def test_odd_values_in_every_field_are_refused_cleanly_or_kept(stack, api, attacker, value):
    probe = Probe(stack, attacker.token)
    article = api.create_article(attacker.token)
    slug = article["slug"]

    kept = []
    for label, field, given in article_fields(value):
        fields = {"title": unique("Odd "), "description": "d", "body": "b", field: given}
        created = probe.send(f"POST {label}", "POST", "/articles", json={"article": fields})
        if created.status_code == 201:
            kept.append(created.json()["article"]["slug"])
        change = {"article": {field: given}}
        probe.send(f"PUT {label}", "PUT", f"/articles/{slug}", json=change)
    for kept_slug in kept:
        probe.send("read back", "GET", f"/articles/{kept_slug}")
        probe.page("its page", f"/article/{kept_slug}")
    probe.send(
        "comment.body", "POST", f"/articles/{slug}/comments", json={"comment": {"body": value}}
    )
    for name in ("bio", "image", "username", "email", "password"):
        probe.send(f"PUT user.{name}", "PUT", "/user", json={"user": {name: value}})
    for name in ("username", "email", "password"):
        user = {
            "username": unique("o"),
            "email": f"{unique('o')}@example.test",
            "password": "correct horse battery",
            name: value,
        }
        probe.send(f"POST users {name}", "POST", "/users", json={"user": user})
    probe.send("login", "POST", "/users/login", json={"user": {"email": value, "password": value}})
    probe.page("home", "/")
    probe.page("article", f"/article/{slug}")
    probe.page("profile", f"/profile/{attacker.username}")

    assert probe.problems == []


@pytest.mark.parametrize("value", STRINGS.values(), ids=STRINGS.keys())
def test_odd_strings_in_paths_and_query_parameters_are_answered_cleanly(stack, attacker, value):
    probe = Probe(stack, attacker.token)
    text = value[:2000]

    encoded = url_encoded(text)
    for name in ("tag", "author", "favorited", "q", "limit", "offset"):
        probe.send(f"GET articles?{name}", "GET", f"/articles?{name}={encoded}")
    probe.send("feed?limit", "GET", f"/articles/feed?limit={encoded}")
    for path in ("/articles/{}", "/articles/{}/comments", "/profiles/{}"):
        probe.send(f"GET {path}", "GET", path.format(encoded))
    probe.send("follow", "POST", f"/profiles/{encoded}/follow")

    assert probe.problems == []


BODIES = {
    "not JSON": (b"{'article': ", "application/json"),
    "JSON but a list": (b"[1, 2, 3]", "application/json"),
    "JSON but a string": (b'"article"', "application/json"),
    "empty": (b"", "application/json"),
    "deeply nested": (b'{"article": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "application/json"),
    "not UTF-8": (b'{"article": {"title": "\xff\xfe"}}', "application/json"),
    "UTF-16": ('{"article": {"title": "t"}}'.encode("utf-16"), "application/json"),
    "form-encoded": (b"article[title]=t", "application/x-www-form-urlencoded"),
    "no content type": (b'{"article": {}}', ""),
    "ten megabytes": (b'{"article": {"title": "' + b"x" * 10_000_000 + b'"}}', "application/json"),
}


@pytest.mark.parametrize(("body", "content_type"), BODIES.values(), ids=BODIES.keys())
def test_malformed_bodies_are_refused_cleanly(stack, attacker, body, content_type):
    probe = Probe(stack, attacker.token)
    headers = {"Content-Type": content_type} if content_type else {}

    for method, path in (
        ("POST", "/articles"),
        ("POST", "/users"),
        ("POST", "/users/login"),
        ("PUT", "/user"),
    ):
        response = probe.send(f"{method} {path}", method, path, data=body, headers=headers)
        if response.status_code < 400:
            probe.problems.append(f"{method} {path}: accepted with {response.status_code}")

    assert probe.problems == []
