"""Idempotency-Key on creating POSTs: a client that retries a request it never heard back from
gets the first reply again instead of a second write (ADR 0012).

A key belongs to its caller (the account; "" for an anonymous registration). The first request
with a key stores its reply (status, Content-Type, Location, body) in the service's own
`idempotency_keys` table *in the same transaction as the write*, so a committed write always has
its key and a rolled-back one never has. Within KEY_LIFETIME:

- the same key with the same request (method, path, body) gets the stored reply again, marked
  `Idempotent-Replayed: true`, and writes nothing;
- the same key with a different request is refused with 422, RealWorld format.

Two requests racing with one key: both may run their write, but only one can commit its key row
(primary key caller + key); the other's commit fails, it rolls back and answers the winner's
reply (`Claim.replay_if_taken`). Expired keys are deleted by the writes themselves: every key
recorded deletes up to PURGE_BATCH expired ones in its transaction, so the table holds about one
day of keys with no job to run.

Each service declares its table from `IdempotencyRecord` (common code holds no service's model).
"""

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, make_response, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column

from titanium_common.api import INVALID, ApiError
from titanium_common.caching import UNCHANGED_HEADER

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# The hidden field a web form sends its key in (a form cannot set a header).
IDEMPOTENCY_KEY_FIELD = "idempotency_key"
KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255
PURGE_BATCH = 100
# Visible ASCII: what clients send (UUIDs, ULIDs, random tokens); never stored raw otherwise.
_KEY = re.compile(rf"^[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}$")
# Form fields that differ between two submits of the same form and are not the request itself.
_NOT_THE_REQUEST = frozenset({"csrf_token", IDEMPOTENCY_KEY_FIELD})
# The reply headers a replay repeats: how to read the body and where a redirect goes.
_KEPT_HEADERS = ("Content-Type", "Location")
REUSED = "was already used for a different request"


def utc_now() -> datetime:
    return datetime.now(UTC)


def _as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class IdempotencyRecord:
    """The columns of a service's `idempotency_keys` table (mix into its model)."""

    caller: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(MAX_KEY_LENGTH), primary_key=True)
    # sha256 of the request (method, path, canonical body): the same key for another is a 422.
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int] = mapped_column(sa.Integer)
    headers: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    body: Mapped[str] = mapped_column(sa.Text)
    # Indexed: expired keys are found by age.
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)


@dataclass(frozen=True)
class StoredReply:
    status: int
    headers: dict[str, str]
    body: str


def default_replay(stored: StoredReply) -> Response:
    return make_response(stored.body, stored.status, stored.headers)


class IdempotencyKeys:
    """A service's keys: `claim` at the start of a creating POST."""

    def __init__(self, db: SQLAlchemy, model: type) -> None:
        self._db = db
        self._model = model

    def claim(
        self,
        caller: str,
        key: str | None = None,
        replay: Callable[[StoredReply], Any] = default_replay,
    ) -> "Claim | None":
        """The request's key (the header, or `key` from a form), or None when it has none.

        A key already used by this caller ends the request here: the stored reply (made into a
        response by `replay`) for the same request, 422 for another. A malformed key is a 422.
        """
        key = request.headers.get(IDEMPOTENCY_KEY_HEADER) if key is None else key
        if key is None:
            return None
        if not _KEY.match(key):
            raise ApiError.one(422, IDEMPOTENCY_KEY_HEADER, INVALID)
        claim = Claim(self._db, self._model, caller, key, request_fingerprint(), replay)
        claim.replay_if_taken()
        return claim

    def purge_expired(self, now: datetime | None = None) -> int:
        """Delete up to PURGE_BATCH expired keys in the current transaction; returns how many."""
        model = self._model
        cutoff = (now or utc_now()) - KEY_LIFETIME
        oldest = (
            sa.select(model.caller, model.key)
            .where(model.created_at < cutoff)
            .order_by(model.created_at)
            .limit(PURGE_BATCH)
        )
        expired = [tuple(row) for row in self._db.session.execute(oldest)]
        if not expired:
            return 0
        statement = sa.delete(model).where(sa.tuple_(model.caller, model.key).in_(expired))
        return self._db.session.execute(statement).rowcount


class Claim:
    """One request's key, not used before: `record` its reply just before the write commits."""

    def __init__(self, db, model, caller: str, key: str, fingerprint: str, replay) -> None:
        self._db, self._model = db, model
        self.caller, self.key, self.fingerprint = caller, key, fingerprint
        self._replay = replay

    def recording(self, reply: Callable[[Any], Response]) -> Callable[[Any], None]:
        """For a write's `before_commit`: store `reply(result)` with the write, unless a
        concurrent twin stored this key first (then the request ends with the twin's reply)."""

        def record_reply(result: Any) -> None:
            self.replay_if_taken()
            self.record(reply(result))

        return record_reply

    def record(self, response: Response) -> None:
        """Add the key and `response` to the session; the write's commit makes both durable.
        Expired keys go in the same transaction (this one's own expired use among them)."""
        model, session = self._model, self._db.session
        now = utc_now()
        # Not flushing the write here: a unique key it takes must fail in the caller's commit,
        # where the caller handles it.
        with session.no_autoflush:
            session.execute(
                sa.delete(model).where(
                    model.caller == self.caller,
                    model.key == self.key,
                    model.created_at < now - KEY_LIFETIME,
                )
            )
            IdempotencyKeys(self._db, model).purge_expired(now)
        headers = {
            name: response.headers[name] for name in _KEPT_HEADERS if name in response.headers
        }
        session.add(
            model(
                caller=self.caller,
                key=self.key,
                fingerprint=self.fingerprint,
                status=response.status_code,
                headers=headers,
                body=response.get_data(as_text=True),
                created_at=now,
            )
        )

    def replay_if_taken(self) -> None:
        """End the request if this key is already stored (a retry, or a concurrent twin that
        committed first): the stored reply, or 422 if it was for another request."""
        with self._db.session.no_autoflush:  # the write's own rows are not flushed for this
            stored = self._db.session.get(self._model, (self.caller, self.key))
        if stored is None or _as_utc(stored.created_at) < utc_now() - KEY_LIFETIME:
            return  # unused, or expired: free again (`record` deletes the expired row)
        same_request = stored.fingerprint == self.fingerprint
        reply = StoredReply(stored.status, dict(stored.headers), stored.body)
        # This request ends here, and whatever it has written so far must not be kept.
        self._db.session.rollback()
        if not same_request:
            raise ApiError.one(422, IDEMPOTENCY_KEY_HEADER, REUSED)
        response = make_response(self._replay(reply))
        response.headers[REPLAYED_HEADER] = "true"
        response.headers[UNCHANGED_HEADER] = "1"  # a replay writes nothing: pages stay as they are
        abort(response)


def request_fingerprint() -> str:
    """What makes two requests the same: method, path and body (JSON compared as data, a form
    by its fields without the CSRF token and the key)."""
    payload = request.get_json(silent=True, force=True) if not request.form else None
    if payload is not None:
        body = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    elif request.form:
        fields = sorted(
            (name, value)
            for name, value in request.form.items(multi=True)
            if name not in _NOT_THE_REQUEST
        )
        body = json.dumps(fields)
    else:
        body = request.get_data(as_text=True)
    digest = hashlib.sha256()
    for part in (request.method, request.path, body):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()
