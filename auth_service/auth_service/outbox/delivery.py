"""Delivering outbox events to their destinations (outbox.destinations): user_service's
`PUT /internal/profiles/<account_id>` and webapp's `PUT /internal/authors/<account_id>`.

An event is marked delivered by a conditional UPDATE (`... WHERE delivered_at IS NULL`), so even
when two deliverers race (SQLite has no row locks) it is marked, and counted, exactly once; every
receiver ignores versions it already has, so a duplicate PUT is harmless.
"""

import logging
import time
from datetime import datetime, timedelta

import requests
import sqlalchemy as sa
from flask import current_app

from auth_service.extensions import db
from auth_service.models import OutboxEvent, utc_now
from auth_service.outbox.destinations import DESTINATIONS
from titanium_common.context import outgoing_headers

log = logging.getLogger(__name__)

# (connect, read) seconds. Inside a request the attempt is a bonus, so it must stay quick.
BEST_EFFORT_TIMEOUT = (0.5, 1.0)
RELAY_TIMEOUT = (2.0, 5.0)
# How often a request looks whether a relay has let go of an event of its own.
RELAY_POLL_SECONDS = 0.01
BATCH_SIZE = 50
MAX_BACKOFF_SECONDS = 300


class DeliveryRefused(Exception):
    """The destination answered, but not with 200 (or it is not a known destination)."""


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 1 s, 2 s, 4 s, ... capped at five minutes."""
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def deliver_after_commit(events: list[OutboxEvent]) -> None:
    """One quick attempt at each of the request's events right after its commit; the relay
    retries whatever fails."""
    event_ids = [event.id for event in events]
    try:
        pending = _pending().where(OutboxEvent.id.in_(event_ids))
        claimed = db.session.scalars(pending).all()
        for event in claimed:
            attempt(event, BEST_EFFORT_TIMEOUT, utc_now())
        db.session.commit()
        _wait_for_relay(set(event_ids) - {event.id for event in claimed})
    except Exception:  # best effort: nothing here may change the response
        db.session.rollback()
        log.exception("immediate outbox delivery failed", extra={"event_ids": event_ids})


def _wait_for_relay(event_ids: set[int]) -> None:
    """Events a relay was delivering when the request looked (skipped as locked): wait, as long
    as an attempt of our own could have taken, until it lets go of them, so that the request
    still answers after its change arrived (the gateway's edge cache purges pages on that
    answer, ADR 0023). Without row locks (SQLite) nothing is ever skipped."""
    deadline = time.monotonic() + sum(BEST_EFFORT_TIMEOUT)
    while event_ids and time.monotonic() < deadline:
        time.sleep(RELAY_POLL_SECONDS)
        free = sa.select(OutboxEvent.id).where(OutboxEvent.id.in_(event_ids))
        event_ids -= set(db.session.scalars(free.with_for_update(skip_locked=True)))
        db.session.commit()


def deliver_due(timeout=RELAY_TIMEOUT, now: datetime | None = None) -> list[tuple[str, bool]]:
    """Deliver every due event in id order, batch by batch; returns each attempt's destination
    and whether it delivered."""
    now = now or utc_now()
    outcomes: list[tuple[str, bool]] = []
    while True:
        due = _pending().where(OutboxEvent.next_attempt_at <= now).limit(BATCH_SIZE)
        events = db.session.scalars(due).all()
        if not events:
            return outcomes
        outcomes.extend((event.destination, attempt(event, timeout, now)) for event in events)
        db.session.commit()


def pending_by_destination() -> dict[str, int]:
    """Undelivered events per destination (every known destination, zero included)."""
    query = (
        sa.select(OutboxEvent.destination, sa.func.count())
        .where(OutboxEvent.delivered_at.is_(None))
        .group_by(OutboxEvent.destination)
    )
    return dict.fromkeys(DESTINATIONS, 0) | dict(db.session.execute(query).all())


def attempt(event: OutboxEvent, timeout, now: datetime) -> bool:
    """PUT the event's snapshot; record the outcome. True if this call marked it delivered."""
    try:
        _put_profile(event, timeout)
    except (requests.RequestException, DeliveryRefused) as error:
        attempts = event.attempts + 1
        log.warning(
            "profile delivery failed",
            extra={
                "event_id": event.id,
                "destination": event.destination,
                "attempts": attempts,
                "error": str(error),
            },
        )
        _update_if_pending(
            event,
            attempts=attempts,
            last_error=str(error)[:500],
            next_attempt_at=now + backoff(attempts),
        )
        return False
    return _update_if_pending(event, attempts=event.attempts + 1, last_error=None, delivered_at=now)


def _put_profile(event: OutboxEvent, timeout) -> None:
    destination = DESTINATIONS.get(event.destination)
    if destination is None:
        raise DeliveryRefused(f"unknown destination {event.destination!r}")
    base_url = current_app.config[destination.base_url_setting].rstrip("/")
    response = requests.put(
        base_url + destination.path.format(event.account_id),
        json=event.payload,
        headers=outgoing_headers(),
        timeout=timeout,
    )
    if response.status_code != 200:
        raise DeliveryRefused(f"HTTP {response.status_code}: {response.text[:200]}")


def _pending() -> sa.Select:
    # SKIP LOCKED: several relays (and requests) never work on the same event at once.
    return (
        sa.select(OutboxEvent)
        .where(OutboxEvent.delivered_at.is_(None))
        .order_by(OutboxEvent.id)
        .with_for_update(skip_locked=True)
    )


def _update_if_pending(event: OutboxEvent, **values) -> bool:
    statement = (
        sa.update(OutboxEvent)
        .where(OutboxEvent.id == event.id, OutboxEvent.delivered_at.is_(None))
        .values(**values)
    )
    return db.session.execute(statement).rowcount == 1
