"""Mixed read/write load on a running stack, recording every request, as the fault suite
(tests/faults) and the soak benchmark (benchmarks/soak.py) need it.

Readers load the home page, article pages, GET /api/articles and profile pages, half of them as
anonymous readers (the gateway's edge cache may answer) and half with a session cookie (webapp
renders). Each writer signs up, then creates articles, comments and favorites and signs others
up, through the API. A write is retried as a careful client would: after no answer, a 429 or a
5xx, the same request with the same Idempotency-Key, until it is answered or `retry_for` seconds
have passed.
"""

import itertools
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import requests

READ_TIMEOUT = 10
# Any cookie named like webapp's session makes the gateway pass the page to webapp.
FULL_RENDER = {"Cookie": "session=mixed-load"}
PASSWORD = "mixed load password"  # noqa: S105 (a throwaway account's)
HIDDEN_FIELD = re.compile(r'type="hidden" name="(csrf_token|idempotency_key)" value="([^"]*)"')


@dataclass(frozen=True)
class Attempt:
    """One HTTP request: `status` 0 means no answer (refused, reset, timed out)."""

    kind: str  # "read" or "write"
    started: float  # time.monotonic()
    finished: float
    status: int
    path: str
    error: str = ""  # why there was no answer

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def failed(self) -> bool:
        return not self.ok


@dataclass
class Write:
    """One write as its client saw it, over all its attempts (one Idempotency-Key)."""

    op: str  # "user", "article", "comment", "favorite" or "form comment"
    key: str
    # What finds it in the database: username, article title, comment body, or username/slug.
    marker: str
    started: float
    statuses: list[int] = field(default_factory=list)
    reply: dict | None = None
    replayed: bool = False

    @property
    def acknowledged(self) -> bool:
        return bool(self.statuses) and 200 <= self.statuses[-1] < 300


class MixedLoad:
    """`start()` readers, writers and browsers; `stop()` lets each finish its write, then
    joins."""

    def __init__(
        self,
        base_url: str,
        readers: int = 3,
        writers: int = 2,
        browsers: int = 1,
        pause: float = 0.02,
        retry_for: float = 60,
    ):
        self.base_url = base_url
        self.pause = pause
        self.retry_for = retry_for
        self.attempts: list[Attempt] = []
        self.writes: list[Write] = []
        self.slugs: list[str] = []
        self.usernames: list[str] = []
        self._stop = threading.Event()
        self._threads = [self._thread(partial(self._read, number)) for number in range(readers)]
        self._threads += [self._thread(self._write) for _ in range(writers)]
        self._threads += [self._thread(self._browse) for _ in range(browsers)]

    @staticmethod
    def _thread(client: Callable[[requests.Session], None]) -> threading.Thread:
        """A client with its own connections, closed when it ends: an idle keep-alive
        connection would hold a stopping server up."""

        def run() -> None:
            with requests.Session() as session:
                client(session)

        return threading.Thread(target=run, daemon=True)

    def start(self) -> "MixedLoad":
        listed = requests.get(f"{self.base_url}/api/articles?limit=20", timeout=READ_TIMEOUT)
        listed.raise_for_status()
        for article in listed.json()["articles"]:
            self.slugs.append(article["slug"])
            self.usernames.append(article["author"]["username"])
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _request(self, session: requests.Session, kind: str, method: str, path: str, **kwargs):
        started, response, error = time.monotonic(), None, ""
        try:
            response = session.request(
                method, f"{self.base_url}{path}", timeout=READ_TIMEOUT, **kwargs
            )
        except requests.RequestException as failure:
            error = type(failure).__name__
        status = response.status_code if response is not None else 0
        self.attempts.append(Attempt(kind, started, time.monotonic(), status, path, error))
        return response

    def _read(self, number: int, session: requests.Session) -> None:
        headers = FULL_RENDER if number % 2 else {}
        for turn in itertools.count():
            if self._stop.is_set():
                return
            slug = secrets.choice(self.slugs)
            path = (
                "/",
                f"/article/{slug}",
                "/api/articles",
                f"/profile/{secrets.choice(self.usernames)}",
            )[turn % 4]
            self._request(session, "read", "GET", path, headers=headers)
            time.sleep(self.pause)

    def _write(self, session: requests.Session) -> None:
        account = self._sign_up(session)
        if not account.acknowledged:
            return
        name, token = account.marker, account.reply["user"]["token"]
        mine: list[str] = []
        for turn in itertools.count():
            if self._stop.is_set():
                return
            if turn % 4 == 0 or not mine:
                title = f"Load {uuid.uuid4().hex}"
                body = {"article": {"title": title, "description": "d", "body": "Under load."}}
                write = self._retried(session, "article", title, "/api/articles", body, token)
                if write.acknowledged:
                    mine.append(write.reply["article"]["slug"])
                    self.slugs.append(mine[-1])
            elif turn % 4 == 1:
                text = f"Comment {uuid.uuid4().hex}"
                path = f"/api/articles/{secrets.choice(mine)}/comments"
                self._retried(session, "comment", text, path, {"comment": {"body": text}}, token)
            elif turn % 4 == 2:
                slug = secrets.choice(self.slugs)
                path = f"/api/articles/{slug}/favorite"
                self._retried(session, "favorite", f"{name}/{slug}", path, None, token)
            else:
                self._sign_up(session)  # auth_service's writes, and its outbox
            time.sleep(self.pause)

    def _browse(self, session: requests.Session) -> None:
        """A signed-in reader in a browser: posts comments with the article page's form (its
        hidden key is what makes a resubmitted form post one comment)."""
        account = self._sign_up(session)
        if not account.acknowledged or not self._sign_in_on_the_web(session, account.marker):
            return
        while not self._stop.is_set():
            slug = secrets.choice(self.slugs)
            page = self._request(session, "read", "GET", f"/article/{slug}")
            fields = dict(HIDDEN_FIELD.findall(page.text)) if page is not None and page.ok else {}
            if "idempotency_key" in fields:  # the form of a signed-in reader
                text = f"Form comment {uuid.uuid4().hex}"
                fields["body"] = text
                path = f"/article/{slug}/comments"
                self._retried(session, "form comment", text, path, form=fields)
            time.sleep(self.pause)

    def _sign_in_on_the_web(self, session: requests.Session, name: str) -> bool:
        """Signing in is no write to check: it is tried until it works."""
        while not self._stop.is_set():
            page = self._request(session, "read", "GET", "/login")
            if page is not None and page.ok:
                fields = {**dict(HIDDEN_FIELD.findall(page.text)), "password": PASSWORD}
                fields["email"] = f"{name}@load.test"
                home = self._request(session, "write", "POST", "/login", data=fields)
                if home is not None and home.ok:
                    return True
            time.sleep(0.2)
        return False

    def _sign_up(self, session: requests.Session) -> "Write":
        name = f"load{uuid.uuid4().hex[:12]}"
        user = {"username": name, "email": f"{name}@load.test", "password": PASSWORD}
        return self._retried(session, "user", name, "/api/users", {"user": user})

    def _retried(
        self,
        session: requests.Session,
        op: str,
        marker: str,
        path: str,
        body: dict | None = None,
        token: str = "",
        form: dict | None = None,
    ) -> Write:
        write = Write(op, str(uuid.uuid4()), marker, time.monotonic())
        self.writes.append(write)
        # Favoriting is idempotent by itself, a form carries its own key; the others carry one
        # in the header.
        keyed = op != "favorite" and form is None
        headers = {"Idempotency-Key": write.key} if keyed else {}
        if token:
            headers["Authorization"] = f"Token {token}"
        deadline = write.started + self.retry_for
        backoff = 0.1
        while True:
            response = self._request(
                session, "write", "POST", path, json=body, data=form, headers=headers
            )
            status = response.status_code if response is not None else 0
            write.statuses.append(status)
            if 200 <= status < 300:
                write.reply = response.json() if form is None else None
                write.replayed = response.headers.get("Idempotent-Replayed") == "true"
                return write
            if (status and status != 429 and status < 500) or time.monotonic() > deadline:
                return write  # refused for good, or given up
            time.sleep(backoff)
            backoff = min(backoff * 2, 1.0)
