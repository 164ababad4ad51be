import uuid

import pytest

from ..conftest import as_user


def unique(stem: str) -> str:
    return f"{stem}-{uuid.uuid4().hex[:8]}"


class ArticleWriter:
    """Creates articles through the API, as a signed-in author would."""

    def __init__(self, client):
        self.client = client

    def create(self, author, title=None, tags=None, **fields) -> dict:
        article = {
            "title": title or unique("Title"),
            "description": "What it is about",
            "body": "# Heading\n\nSome *markdown*.",
            **fields,
        }
        if tags is not None:
            article["tagList"] = tags
        response = self.client.post(
            "/api/articles", json={"article": article}, headers=as_user(author)
        )
        assert response.status_code == 201, response.json
        return response.json["article"]


@pytest.fixture
def articles(client):
    return ArticleWriter(client)
