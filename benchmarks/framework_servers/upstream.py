"""The tiny upstream every proxy variant forwards to: GET /articles, a ~600-byte JSON body."""

import json
import sys

from aiohttp import web

ARTICLE = json.dumps(
    {
        "article": {
            "slug": "how-to-train-your-dragon",
            "title": "How to train your dragon",
            "description": "Ever wonder how?",
            "body": "It takes a Jacobian " * 20,
            "tagList": ["dragons", "training"],
            "favorited": False,
            "favoritesCount": 0,
        }
    }
).encode()


async def article(request: web.Request) -> web.Response:
    return web.Response(body=ARTICLE, content_type="application/json")


def main(port: int) -> None:
    app = web.Application()
    app.router.add_get("/articles", article)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main(int(sys.argv[1]))
