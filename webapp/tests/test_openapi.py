"""openapi.yaml documents every JSON route webapp serves (API and internal), with its methods."""

import re


def test_every_api_route_is_documented(app, client):
    documented = client.get("/openapi.json").json["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api/", "/internal/")):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).replace("{comment_id}", "{id}")
        assert path in documented, path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in documented[path], (method, path)
