"""One benchmark that tells the truth: `make bench`.

In one sitting, on one throwaway stack (the backends TITANIUM_POSTGRES_URL / TITANIUM_REDIS_URL
name; 2 workers per service; 64 connections through the gateway), it loads:

- the reader pages (home, an article, a tag page), anonymous and signed in;
- GET /api/articles, anonymous and with a token;
- a read-only mix of those pages and a 95 % read / 5 % write mix (comments, favorites, new
  articles), so the ratio shows what writes cost the cache;
- page 1, offset=4000, a tag filter and a search, at ~500 articles and again after seeding
  100,000 (`flask --app webapp seed-bulk`);
- the writes: create article, comment, favorite, sign-in.

Reads run in rounds (every read row once per round, the rounds one after the other), so a
drift of the machine falls on every row alike; a row's figures are the mean of its rounds
(P99: the worst). It ends with one Markdown table and the ratios that matter, and notes the
machine's load average at the start and the end.

    make bench                     # or: python -m benchmarks.bench --rounds 2 --duration 5
"""

import argparse
import json
import os
import re
import tempfile
import uuid
from dataclasses import dataclass, field

import requests

from benchmarks.load import describe, start_bench_stack, wrk
from benchmarks.webapp import TAGS, add_articles

PASSWORD = "benchmark1"  # noqa: S105 (throwaway accounts on a throwaway stack)
SEARCH_WORDS = "learned topic"
# wrk's Lua: requests drawn from a list, some of them writes (POST with a JSON body and a token).
MIX_SCRIPT = """
local reads = {READS}
local writes = {WRITES}
local write_share = {SHARE}
local token = "{TOKEN}"
local counter = 0
local write_headers = {{["Content-Type"] = "application/json"}}
if token ~= "" then write_headers["Authorization"] = "Token " .. token end
math.randomseed(os.time() + tonumber(tostring({{}}):sub(8), 16))
request = function()
  counter = counter + 1
  if #writes > 0 and math.random() < write_share then
    local w = writes[math.random(#writes)]
    local body = w[3]:gsub("#N", tostring(counter) .. tostring(math.random(1000000)))
    return wrk.format(w[1], w[2], write_headers, body)
  end
  return wrk.format("GET", reads[math.random(#reads)], {HEADERS})
end
"""


@dataclass
class Row:
    name: str
    who: str
    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    script: str | None = None
    # Sign-in is bound by its password hash (64 MiB argon2id): 64 connections would only
    # measure how the services shed load, so it runs with a few.
    connections: int | None = None
    results: list[dict[str, float]] = field(default_factory=list)

    def measure(self, base_url: str, duration: int, connections: int) -> None:
        url = f"{base_url}{self.path}"
        connections = self.connections or connections
        wrk(url, self.headers, 2, connections, self.script)  # warm-up
        self.results.append(wrk(url, self.headers, duration, connections, self.script))

    @property
    def rps(self) -> float:
        return sum(r["rps"] for r in self.results) / len(self.results)

    def line(self) -> str:
        p50 = sum(r["p50"] for r in self.results) / len(self.results)
        p99 = max(r["p99"] for r in self.results)
        errors = sum(r["errors"] for r in self.results)
        return (
            f"| {self.name} | {self.who} | {self.rps:.0f} | {p50:.1f} | {p99:.1f} | {errors:.0f} |"
        )


@dataclass
class Viewer:
    email: str
    token: str
    cookie: str  # the browser session, as the Cookie header


def sign_up(base_url: str) -> Viewer:
    """A new account: its API token, and a browser session signed in through the login form."""
    name = f"reader{uuid.uuid4().hex[:8]}"
    user = {"username": name, "email": f"{name}@bench.test", "password": PASSWORD}
    reply = requests.post(f"{base_url}/api/users", json={"user": user}, timeout=10)
    reply.raise_for_status()
    browser = requests.Session()
    form = browser.get(f"{base_url}/login", timeout=10).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    browser.post(
        f"{base_url}/login",
        data={"csrf_token": csrf, "email": user["email"], "password": PASSWORD},
        timeout=10,
    ).raise_for_status()
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    if "session=" not in cookie:
        raise RuntimeError("signing in through the form gave no session cookie")
    return Viewer(user["email"], reply.json()["user"]["token"], cookie)


def lua_script(
    reads: list[str],
    writes: list[tuple[str, str, str]],
    share: float,
    token: str,
    headers: dict[str, str],
) -> str:
    def lua_string(text: str) -> str:
        return json.dumps(text)  # a JSON string is a valid Lua string literal here

    source = MIX_SCRIPT.format(
        READS="{" + ", ".join(lua_string(path) for path in reads) + "}",
        WRITES="{"
        + ", ".join("{" + ", ".join(lua_string(part) for part in w) + "}" for w in writes)
        + "}",
        SHARE=share,
        TOKEN=token,
        HEADERS="{"
        + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items())
        + "}",
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(source)
    return handle.name


def write_row(name: str, writes: list[tuple[str, str, str]], token: str, **options) -> Row:
    """Only writes, drawn from `writes`, with `token` (none: anonymous)."""
    return Row(
        name,
        "token" if token else "anonymous",
        "/",
        script=lua_script([], writes, 1.0, token, {}),
        **options,
    )


def article_body(title: str) -> str:
    article = {
        "title": title,
        "description": "Measured.",
        "body": "Body text " * 40,
        "tagList": ["bench"],
    }
    return json.dumps({"article": article})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--big", type=int, default=100_000, help="articles in the large dataset")
    parser.add_argument("--duration", type=int, default=5, help="seconds per row and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    load_at_start = os.getloadavg()

    stack = start_bench_stack(log_level="INFO")
    try:
        slugs = add_articles(stack.url, args.articles)
        reader, writer = sign_up(stack.url), sign_up(stack.url)
        slug = slugs[len(slugs) // 2]
        signed_in = {"Cookie": reader.cookie}
        token = {"Authorization": f"Token {reader.token}"}
        pages = [
            ("home page", "/"),
            ("article page", f"/article/{slug}"),
            ("tag page", f"/tag/{TAGS[0]}"),
        ]
        read_paths = ["/", f"/tag/{TAGS[1]}", *(f"/article/{s}" for s in slugs[:50])]
        writes = (
            [
                (
                    "POST",
                    f"/api/articles/{s}/comments",
                    json.dumps({"comment": {"body": "Nice #N"}}),
                )
                for s in slugs[:50:5]
            ]
            + [("POST", f"/api/articles/{s}/favorite", "") for s in slugs[50:100]]
            + [("POST", "/api/articles", article_body("Mixed load #N"))]
        )
        query_rows = [
            ("list page 1", "/api/articles?limit=20"),
            ("list offset=4000", "/api/articles?limit=20&offset=4000"),
            ("tag filter", f"/api/articles?tag={TAGS[2]}&limit=20"),
            ("search", f"/search?q={SEARCH_WORDS.replace(' ', '+')}"),
        ]

        reads = [
            row
            for label, path in pages
            for row in (Row(label, "anonymous", path), Row(label, "signed in", path, signed_in))
        ] + [
            Row("GET /api/articles", "anonymous", "/api/articles"),
            Row("GET /api/articles", "token", "/api/articles", token),
            Row(
                "mixed reads",
                "anonymous, read-only",
                "/",
                script=lua_script(read_paths, [], 0.0, writer.token, {}),
            ),
            Row(
                "mixed reads",
                "anonymous, 5 % writes",
                "/",
                script=lua_script(read_paths, writes, 0.05, writer.token, {}),
            ),
        ]

        def data_rows(size: str) -> list[Row]:
            """The lists and search whose cost grows with the data; each viewer's (no edge)."""
            return [
                Row(f"{label} @{size}", "signed in", path, signed_in)
                if path.startswith("/search")
                else Row(f"{label} @{size}", "token", path, token)
                for label, path in query_rows
            ]

        small = data_rows(str(args.articles))
        print(f"\n{describe(stack, args.duration)}; {args.rounds} rounds", flush=True)
        for round_number in range(args.rounds):
            for row in [*reads, *small]:
                row.measure(stack.url, args.duration, args.connections)
                print(f"round {round_number + 1}: {row.line()}", flush=True)

        comment = json.dumps({"comment": {"body": "Write #N"}})
        sign_in = json.dumps({"user": {"email": reader.email, "password": PASSWORD}})
        write_rows = [
            write_row(
                "create article",
                [("POST", "/api/articles", article_body("Write #N"))],
                writer.token,
            ),
            write_row(
                "comment", [("POST", f"/api/articles/{slug}/comments", comment)], writer.token
            ),
            write_row(
                "favorite",
                [("POST", f"/api/articles/{s}/favorite", "") for s in slugs],
                writer.token,
            ),
            write_row("sign-in", [("POST", "/api/users/login", sign_in)], "", connections=4),
        ]
        for row in write_rows:
            row.measure(stack.url, args.duration, args.connections)
            print(row.line(), flush=True)

        big = data_rows(f"{args.big // 1000}k") if args.big else []
        if big:
            print(f"seeding {args.big} articles ...", flush=True)
            stack.flask("webapp", "seed-bulk", "--articles", str(args.big))
        for round_number in range(args.rounds):
            for row in big:
                row.measure(stack.url, args.duration, args.connections)
                print(f"round {round_number + 1}: {row.line()}", flush=True)
    finally:
        stack.shutdown(drop_databases=True)

    print(f"\n{describe(stack, args.duration)}; {args.rounds} rounds of every read row")
    print(
        f"load average (1, 5, 15 min) at the start {load_at_start}, at the end {os.getloadavg()}\n"
    )
    print(
        "| request | who | requests/s | P50 ms | P99 ms | errors |\n|---|---|---:|---:|---:|---:|"
    )
    for row in [*reads, *write_rows, *small, *big]:
        print(row.line())
    print()
    by_name = {(row.name, row.who): row for row in [*reads, *small, *big]}
    for label, _ in pages:
        ratio = by_name[(label, "signed in")].rps / by_name[(label, "anonymous")].rps
        print(f"- {label}: signed in / anonymous = {ratio:.2f}")
    api = (
        by_name[("GET /api/articles", "token")].rps
        / by_name[("GET /api/articles", "anonymous")].rps
    )
    print(f"- GET /api/articles: token / anonymous = {api:.2f}")
    mixed = (
        by_name[("mixed reads", "anonymous, 5 % writes")].rps
        / by_name[("mixed reads", "anonymous, read-only")].rps
    )
    print(f"- mixed 95/5 / read-only = {mixed:.2f}")
    for small_row, big_row in zip(small, big, strict=False):  # none without --big
        label = small_row.name.rsplit(" @", 1)[0]
        print(
            f"- {label}: {args.big // 1000}k / {args.articles} = {big_row.rps / small_row.rps:.2f}"
        )


if __name__ == "__main__":
    main()
