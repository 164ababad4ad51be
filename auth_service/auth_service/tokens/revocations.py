"""Ending an account's sessions and tokens, and the feed that tells the gateway and webapp.

`end_sessions_and_tokens(account)` raises the account's token version in the caller's
transaction and records it on the feed. Every API token and web session carries the version it
was signed in at, so once the gateway and webapp have read the feed (they ask every
REVOCATION_POLL_SECONDS) they refuse everything signed before, while tokens signed from then on
(the fresh one in the reply to the change included) keep working. The feed is read by time with
an overlap, so a change committed a moment after a later one is still seen; an entry read twice
changes nothing.
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from auth_service.extensions import db
from auth_service.models import Account, TokenRevocation, utc_now

# Readers ask again from this long before the end of what they last read: more than a commit
# can trail its insert, or the clocks of two auth_service replicas can differ.
OVERLAP = timedelta(seconds=30)
PAGE_SIZE = 1000


def end_sessions_and_tokens(account: Account) -> None:
    """End every web session and API token of `account` signed so far (commit to apply)."""
    account.token_version += 1
    db.session.add(TokenRevocation(account_id=account.id, token_version=account.token_version))
    # Entries older than the longest token or session matter to no one any more.
    retention = timedelta(seconds=current_app.config["REVOCATION_RETENTION_SECONDS"])
    db.session.execute(
        sa.delete(TokenRevocation).where(TokenRevocation.created_at < utc_now() - retention)
    )


def feed_page(since: datetime | None) -> dict:
    """Revocations from `since` on (all that are kept when None), oldest first, one page."""
    query = sa.select(TokenRevocation).order_by(TokenRevocation.created_at, TokenRevocation.id)
    if since is not None:
        query = query.where(TokenRevocation.created_at >= since)
    rows = db.session.scalars(query.limit(PAGE_SIZE)).all()
    complete = len(rows) < PAGE_SIZE
    # A full page goes on from its last moment (read again: several rows may share it).
    next_since = utc_now() - OVERLAP if complete else rows[-1].created_at
    return {
        "revocations": [
            {"account": row.account_id, "version": row.token_version, "at": unix(row.created_at)}
            for row in rows
        ],
        "next_since": unix(next_since),
        "complete": complete,
    }


def unix(moment: datetime) -> float:
    return moment.replace(tzinfo=UTC).timestamp()


def from_unix(seconds: float) -> datetime:
    """Naive UTC, as stored; raises ValueError (or OverflowError) for a time out of range."""
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
