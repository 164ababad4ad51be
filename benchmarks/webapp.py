"""Reader-facing pages under load: home page, article page and GET /api/articles.

Starts the stack as `make run` does (use TITANIUM_POSTGRES_URL and TITANIUM_REDIS_URL for the
figures in docs/performance.md), adds --articles articles by several authors through the API,
and loads each page through the gateway with wrk: once as an anonymous reader (the gateway's edge
cache may answer) and once with a cookie that makes the gateway pass the request to webapp (the
full render). Queries per page are read from webapp's JSON access log (`db_queries`).

    make bench-webapp      # or: python -m benchmarks.webapp --articles 500 --duration 10
"""

import argparse
import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from benchmarks.load import TABLE_HEADER, describe, measure_row, start_bench_stack

TAGS = ["python", "databases", "web", "devops", "testing", "security", "career", "history"]
BODY = (
    "## Why it matters\n\nA paragraph about the topic with *emphasis* and `code`.\n\n"
    "- one point\n- another point\n\n```python\nprint('hello')\n```\n\nClosing thoughts.\n"
) * 3
# Any cookie named like the webapp session makes the gateway skip its edge cache.
FULL_RENDER = {"Cookie": "session=benchmark"}


def add_articles(base_url: str, count: int, authors: int = 8) -> list[str]:
    tokens = []
    for _ in range(authors):
        name = f"bench{uuid.uuid4().hex[:8]}"
        user = {"username": name, "email": f"{name}@bench.test", "password": "benchmark1"}
        reply = requests.post(f"{base_url}/api/users", json={"user": user}, timeout=10)
        tokens.append(reply.json()["user"]["token"])

    def post(number: int) -> str:
        article = {
            "title": f"Benchmark article {number}: notes on {TAGS[number % len(TAGS)]}",
            "description": f"What we learned, part {number}.",
            "body": BODY,
            "tagList": [TAGS[number % len(TAGS)], TAGS[(number * 3 + 1) % len(TAGS)]],
        }
        headers = {"Authorization": f"Token {tokens[number % authors]}"}
        reply = requests.post(
            f"{base_url}/api/articles", json={"article": article}, headers=headers, timeout=30
        )
        reply.raise_for_status()
        return reply.json()["article"]["slug"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(post, range(count)))


def queries_per_request(stack, path: str) -> int:
    """Load `path` straight from webapp once and read the query count from its access log."""
    request_id = uuid.uuid4().hex
    webapp = f"http://127.0.0.1:{stack.config.ports.webapp}"
    requests.get(f"{webapp}{path}", headers={"X-Request-ID": request_id}, timeout=10)
    for line in stack.log("webapp").splitlines():
        if request_id in line and line.startswith("{"):
            entry = json.loads(line)
            if "db_queries" in entry:
                return entry["db_queries"]
    raise RuntimeError(f"no access log line for {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--duration", type=int, default=10, help="seconds per target")
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()

    # INFO: access lines are on, as in production, and carry the query counts read below.
    stack = start_bench_stack(log_level="INFO")
    try:
        slug = add_articles(stack.url, args.articles)[args.articles // 2]
        total = requests.get(f"{stack.url}/api/articles?limit=1", timeout=10).json()
        pages = [
            ("home page", "/"),
            ("article page", f"/article/{slug}"),
            ("GET /api/articles", "/api/articles"),
        ]
        print(f"\n{describe(stack, args.duration)}; {total['articlesCount']} articles\n")
        print("| page | database queries per request |\n|---|---:|")
        for label, path in pages:
            print(f"| {label} | {queries_per_request(stack, path)} |")
        print(f"\n{TABLE_HEADER}")
        for label, path in pages:
            url = f"{stack.url}{path}"
            for via, headers in (("gateway", {}), ("gateway, full render", FULL_RENDER)):
                row = measure_row(label, via, url, headers, args.duration, args.connections)
                print(row, flush=True)
    finally:
        stack.shutdown(drop_databases=True)


if __name__ == "__main__":
    main()
