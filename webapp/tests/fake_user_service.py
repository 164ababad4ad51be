"""A stand-in for user_service on a real socket: the internal lookup, following list and the
public follow API, with switches to make it slow or failing and a log of every call."""

import threading
import time
import uuid
from dataclasses import dataclass, field

from flask import Flask, abort, jsonify, request
from werkzeug.serving import make_server

from titanium_common.identity import USER_ID_HEADER
from webapp.profiles.client import Profile


@dataclass
class Call:
    method: str
    path: str
    args: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class FakeUserService:
    profiles: dict[str, dict] = field(default_factory=dict)  # id -> {username, bio, image}
    follows: set[tuple[str, str]] = field(default_factory=set)  # (follower, followee)
    calls: list[Call] = field(default_factory=list)
    failure_status: int | None = None
    delay_seconds: float = 0.0
    url: str = ""

    def create(self, username: str | None = None, bio=None, image=None) -> Profile:
        account_id = str(uuid.uuid4())
        username = username or f"user-{account_id[:8]}"
        self.profiles[account_id] = {"username": username, "bio": bio, "image": image}
        return Profile(account_id, username, bio, image, following=False)

    def calls_to(self, path: str) -> list[Call]:
        return [call for call in self.calls if call.path == path]

    def healthy(self) -> None:
        self.failure_status, self.delay_seconds = None, 0.0

    def _profile_json(self, account_id: str, viewer: str | None) -> dict:
        return {
            "id": account_id,
            "version": 1,
            **self.profiles[account_id],
            "following": (viewer, account_id) in self.follows,
        }

    def wsgi_app(self) -> Flask:
        app = Flask("fake_user_service")

        @app.before_request
        def record_and_misbehave():
            self.calls.append(
                Call(
                    request.method,
                    request.path,
                    request.args.to_dict(flat=False),
                    dict(request.headers),
                )
            )
            time.sleep(self.delay_seconds)
            if self.failure_status:
                abort(self.failure_status)

        @app.get("/internal/profiles")
        def lookup():
            viewer = request.headers.get(USER_ID_HEADER)
            ids = set(request.args.getlist("id"))
            names = set(request.args.getlist("username"))
            found = [
                self._profile_json(account_id, viewer)
                for account_id, data in self.profiles.items()
                if account_id in ids or data["username"] in names
            ]
            return jsonify(profiles=found)

        @app.get("/internal/following/<account_id>")
        def following(account_id):
            among = set(request.args.getlist("id"))
            return jsonify(
                ids=[
                    followee
                    for follower, followee in self.follows
                    if follower == account_id and (not among or followee in among)
                ]
            )

        @app.route("/api/profiles/<username>/follow", methods=["POST", "DELETE"])
        def follow(username):
            viewer = request.headers[USER_ID_HEADER]
            matches = [i for i, data in self.profiles.items() if data["username"] == username]
            if not matches:
                return jsonify(errors={"profile": ["not found"]}), 404
            if matches[0] == viewer:
                return jsonify(errors={"profile": ["cannot follow yourself"]}), 422
            if request.method == "POST":
                self.follows.add((viewer, matches[0]))
            else:
                self.follows.discard((viewer, matches[0]))
            profile = self._profile_json(matches[0], viewer)
            del profile["id"]
            return jsonify(profile=profile)

        return app


def serve(fake: FakeUserService):
    """Start the fake on a free port of 127.0.0.1; returns the server (call shutdown())."""
    server = make_server("127.0.0.1", 0, fake.wsgi_app(), threaded=True)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
