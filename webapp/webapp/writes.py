"""Committing one write whose reply is complete before the commit (ADR 0012).

A write's reply is built from what the transaction holds (its rows, the authors resolved before
it began), never from another call after the commit: a write that committed is always answered
as a success, even if user_service or the database goes away right after. `before_commit` can
add rows made from that reply (an Idempotency-Key) to the same transaction.
"""

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from webapp.extensions import db

Reply = TypeVar("Reply")
# A unique key (a slug, a tag name, a favorite) taken by a concurrent write is retried on fresh
# data; give up after a few rounds.
ATTEMPTS = 3


def committed(
    attempt: Callable[[int], Reply], before_commit: Callable[[Reply], None] | None = None
) -> Reply:
    """Run `attempt(number)` (it adds and flushes the write and returns the reply's data), let
    `before_commit` add to the transaction, then commit. A unique key taken meanwhile rolls it
    all back and runs the next attempt."""
    for number in range(ATTEMPTS):
        try:
            reply = attempt(number)
            if before_commit is not None:
                before_commit(reply)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            continue
        return reply
    raise RuntimeError("could not store the write after several attempts")
